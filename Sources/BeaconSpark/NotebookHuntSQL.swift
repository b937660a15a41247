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

  /// The relations the counts row is aggregated from, each once, cross-joined into one row.
  enum CountSource: CaseIterable {
    case rows, busy, degree, steps

    var relation: String {
      switch self {
      case .rows: LoadSQL.rowsView
      case .busy: NotebookBaseline.SQL.busyView
      case .degree: NotebookBaseline.SQL.degreeView
      case .steps: NotebookMethod.SQL.stepsView
      }
    }
  }

  /// One row of counts for the run summary (the same steps the native engine reports): the
  /// input's columns (`InputCounts`), then `NotebookCount`'s.
  ///
  /// Each count is an aggregate over a relation the findings are computed from, in the same
  /// plan, so Spark reuses the findings' shuffles for them. As scalar subqueries each was
  /// planned as a query of its own, and ran the joins and windows again (2.8 s of a 12.6 s hunt
  /// at 285 k rows).
  static var countsSelect: String {
    let P = NotebookSQLParameter.self
    let stage = NotebookMethod.SQL.Stage.self
    // A sum over no rows is null; the count is 0.
    func sum(_ condition: String?) -> String {
      "coalesce(sum(\(condition.map { "CASE WHEN \($0) THEN Timedeltacount END" } ?? "Timedeltacount")), 0)"
    }
    var columns: [CountSource: [String]] = [.rows: [InputCounts.select]]
    for c in NotebookCount.allCases {
      let (source, value): (CountSource, String) =
        switch c {
        case .vendor: (.rows, "count_if(\(NotebookPrepare.SQL.vendorCondition))")
        case .prepared:
          (
            .rows,
            "count_if(\(NotebookPrepare.SQL.vendorCondition) AND \(NotebookPrepare.SQL.preparedCondition))"
          )
        case .busy: (.busy, "count(*)")
        case .rare: (.degree, "count_if(DegreeofSourceIps < \(P.degreeOfSourceIP.marker))")
        case .baselined: (.steps, sum(nil))
        case .complete: (.steps, sum("\(stage.column) >= \(stage.complete.rawValue)"))
        case .passing: (.steps, sum("\(stage.column) = \(stage.passing.rawValue)"))
        case .groups: (.steps, "count_if(\(stage.column) = \(stage.passing.rawValue))")
        }
      columns[source, default: []].append("\(value) AS \(c.alias)")
    }
    return "SELECT * FROM \(InputCounts.filesRelation)\nCROSS JOIN "
      + CountSource.allCases.map { source in
        "(SELECT \(columns[source, default: []].joined(separator: ", ")) FROM \(source.relation))"
      }.joined(separator: "\nCROSS JOIN ")
  }

}

extension String {
  fileprivate func replacingFirst(_ a: String, with b: String) -> String {
    guard let r = range(of: a) else { return self }
    return replacingCharacters(in: r, with: b)
  }
}
