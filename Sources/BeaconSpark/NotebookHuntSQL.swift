import BeaconCore
import BeaconLoad
import BeaconNotebook
import Foundation

/// The notebook hunt as one Spark SQL statement (findings and the run summary's counts,
/// `HuntStatement`), assembled from the stages' SQL, each kept beside its native counterpart.
enum NotebookHuntSQL {
  static var ctes: String {
    "WITH "
      + [
        LoadSQL.rowsCTE, NotebookPrepare.SQL.preparedCTE, NotebookBaseline.SQL.baselinedCTE,
        NotebookMethod.SQL.detectCTE,
      ]
      .joined(separator: ",\n")
  }

  /// The findings and the counts row, in the report order.
  static var statement: String {
    HuntStatement.combined(
      ctes: ctes, counts: countsSelect, findings: NotebookMethod.SQL.findingsUnordered,
      order: NotebookMethod.SQL.findingsOrder(of: "f"))
  }

  /// The findings written on the cluster as one JSON-lines file (the notebook's `coalesce(1)`
  /// export). The directory is the one value that cannot be a parameter, so it is quoted.
  static func export(to directory: String) -> String {
    "INSERT OVERWRITE DIRECTORY \(SQLText.stringLiteral(directory)) USING json\n" + ctes + "\n"
      + NotebookMethod.SQL.findingsSelect.replacingFirst(
        "SELECT ", with: "SELECT /*+ COALESCE(1) */ ")
  }

  static var nulledFields: [CSLField] {
    CSLField.allCases.filter { $0.kind == .int32 || $0.kind == .int64 }
  }

  /// One row of counts for the run summary (the same steps the native engine reports): the
  /// input's columns (`InputCounts`), then `NotebookCount`'s.
  static var countsSelect: String {
    let P = NotebookSQLParameter.self
    let sql = "SELECT " + InputCounts.select + ",\n  "
    return sql
      + NotebookCount.allCases.map { c -> String in
        let value =
          switch c {
          // Counted in the same pass over the rows as the input's columns, not by scalar
          // subqueries of their own (each of those read the input again).
          case .vendor: "count_if(\(NotebookPrepare.SQL.vendorCondition))"
          case .prepared:
            "count_if(\(NotebookPrepare.SQL.vendorCondition) AND \(NotebookPrepare.SQL.preparedCondition))"
          case .busy: "(SELECT count(*) FROM bh_busy)"
          case .rare:
            "(SELECT count(*) FROM bh_degree WHERE DegreeofSourceIps < \(P.degreeOfSourceIP.marker))"
          case .baselined: "(SELECT count(*) FROM bh_baselined)"
          case .complete: "(SELECT count(*) FROM bh_deltas)"
          case .passing: "(SELECT count(*) FROM bh_deltas WHERE Timedelta > \(P.timeDelta.marker))"
          case .groups: "(SELECT count(*) FROM bh_grouped)"
          }
        return "\(value) AS \(c.alias)"
      }.joined(separator: ", ") + "\nFROM bh_rows"
  }

}

extension String {
  fileprivate func replacingFirst(_ a: String, with b: String) -> String {
    guard let r = range(of: a) else { return self }
    return replacingCharacters(in: r, with: b)
  }
}
