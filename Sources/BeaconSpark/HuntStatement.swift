import BeaconArrow
import BeaconCore

/// A hunt as one Spark statement: its counts row left-joined to its findings, over the same
/// common table expressions.
///
/// Sent as two statements, the counts ran the whole pipeline again (the cluster read and parsed
/// the input twice, and each scalar count once more). In one statement Spark plans both over the
/// same scans and reuses the shuffles they share. Every result row carries the counts; a
/// finding's columns follow `findingMarker`, which is null on the one row of a hunt without
/// findings.
enum HuntStatement {
  /// The column that is 1 on a finding's row and null on the counts-only row.
  static let findingMarker = "bh_finding"

  /// `ctes` (`WITH …`), then the one-row `counts` and the `findings` (both SELECTs over the CTEs),
  /// ordered by `order` (an ORDER BY list of `f.`-qualified columns) when given.
  static func combined(ctes: String, counts: String, findings: String, order: String?) -> String {
    ctes + """
      ,
      bh_counts_row AS (
      \(counts)
      ),
      bh_found AS (
        SELECT 1 AS \(findingMarker), * FROM (
      \(findings)
        )
      )
      SELECT c.*, f.* FROM bh_counts_row c LEFT JOIN bh_found f ON TRUE
      """ + (order.map { "\nORDER BY " + $0 } ?? "")
  }

  /// The combined result taken apart: the counts row, and the findings' own columns and rows.
  static func split(_ table: ArrowTable) throws(SparkError) -> (
    counts: ArrowTable, findings: ArrowTable
  ) {
    guard let m = table.fields.firstIndex(where: { $0.name == findingMarker }) else {
      throw .protocolError(message: "the hunt's result has no \(findingMarker) column")
    }
    guard let first = table.rows.first else {
      throw .protocolError(message: "the hunt's result has no rows (its counts row is missing)")
    }
    var counts = ArrowTable()
    counts.fields = Array(table.fields[..<m])
    counts.rows = [Array(first[..<m])]
    var findings = ArrowTable()
    findings.fields = Array(table.fields[(m + 1)...])
    for row in table.rows {
      if case .null = row[m] {
        // The counts-only row of a hunt without findings: nothing else may come with it.
        guard table.rows.count == 1 else {
          throw .protocolError(message: "the hunt's result mixes findings and an empty row")
        }
        continue
      }
      guard Array(row[..<m]) == counts.rows[0] else {
        throw .protocolError(message: "the hunt's result carries two different counts rows")
      }
      findings.rows.append(Array(row[(m + 1)...]))
    }
    return (counts, findings)
  }
}
