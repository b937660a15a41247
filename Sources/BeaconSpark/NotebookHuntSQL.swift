import BeaconBaseline
import BeaconCore
import BeaconDetect
import BeaconLoad
import BeaconPrepare
import Foundation

/// The notebook hunt as one Spark SQL statement, assembled from the stages' SQL (each kept
/// beside its native counterpart), plus the statements behind the run summary.
enum NotebookHuntSQL {
  static var ctes: String {
    "WITH "
      + [LoadSQL.rowsCTE, PrepareSQL.preparedCTE, BaselineSQL.baselinedCTE, NotebookSQL.detectCTE]
      .joined(separator: ",\n")
  }

  static var findings: String { ctes + "\n" + NotebookSQL.findingsSelect }

  /// The findings written on the cluster as one JSON-lines file (the notebook's `coalesce(1)`
  /// export). The directory is the one value that cannot be a parameter, so it is quoted.
  static func export(to directory: String) -> String {
    "INSERT OVERWRITE DIRECTORY \(SQLText.stringLiteral(directory)) USING json\n" + ctes + "\n"
      + NotebookSQL.findingsSelect.replacingFirst("SELECT ", with: "SELECT /*+ COALESCE(1) */ ")
  }

  static var nulledFields: [CSLField] {
    CSLField.allCases.filter { $0.kind == .int32 || $0.kind == .int64 }
  }

  /// One row of counts for the run summary (the same steps the native engine reports).
  static var counts: String {
    let P = NotebookSQLParameter.self
    let nulled = nulledFields.map {
      "count_if(status = 'ok' AND nulled_\($0.name)) AS nulled_\($0.name)"
    }
    return ctes + """

      SELECT count(DISTINCT file) AS files, count_if(status = 'ok') AS rows, count_if(status = 'blank') AS blank,
        \(LoadSQL.skipCounts),
        (SELECT count(*) FROM bh_vendor) AS vendor, (SELECT count(*) FROM bh_prepared) AS prepared,
        (SELECT count(*) FROM bh_busy) AS busy,
        (SELECT count(*) FROM bh_degree WHERE DegreeofSourceIps < \(P.degreeOfSourceIP.marker)) AS rare,
        (SELECT count(*) FROM bh_baselined) AS baselined, (SELECT count(*) FROM bh_deltas) AS complete,
        (SELECT count(*) FROM bh_deltas WHERE Timedelta > \(P.timeDelta.marker)) AS passing,
        (SELECT count(*) FROM bh_grouped) AS groups,
        \(nulled.joined(separator: ", "))
      FROM bh_rows
      """
  }

}

extension String {
  fileprivate func replacingFirst(_ a: String, with b: String) -> String {
    guard let r = range(of: a) else { return self }
    return replacingCharacters(in: r, with: b)
  }
}
