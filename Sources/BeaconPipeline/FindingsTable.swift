import BeaconCore
import BeaconSpec

/// Findings as the exporters, enrichment and the report take them: column names and rows of
/// cells. Enrichment appends columns; the writers never reorder them.
public struct FindingsTable: Sendable, Equatable {
  public var columns: [String]
  public var rows: [[Cell]]

  public init(columns: [String], rows: [[Cell]]) {
    self.columns = columns
    self.rows = rows
  }

  public init(_ findings: Findings) {
    (columns, rows) = findings.table
  }
}
