import BeaconCore

/// The output formats of findings. Every engine's findings go through these same writers, so
/// output is byte-identical whichever engine produced it.
public enum OutputFormat: String, CaseIterable, Sendable {
  /// One JSON object per line, fields in the contract's order (the default).
  case jsonl
  /// RFC 4180 CSV with a header row, cells neutralised against spreadsheet formulas.
  case csv
  /// One JSON array, like the notebook's exported file.
  case json
  /// Aligned columns for a terminal, with control characters made visible.
  case table

  /// Renders findings in this format.
  public func render(_ findings: Findings) -> String {
    let (columns, rows) = findings.table
    return render(columns: columns, rows: rows)
  }

  public func render(columns: [String], rows: [[Cell]]) -> String {
    switch self {
    case .jsonl: return rows.map { JSONText.object(columns: columns, cells: $0) + "\n" }.joined()
    case .json:
      guard !rows.isEmpty else { return "[]\n" }
      return "[\n"
        + rows.map { JSONText.object(columns: columns, cells: $0) }.joined(separator: ",\n")
        + "\n]\n"
    case .csv: return CSVText.document(columns: columns, rows: rows)
    case .table: return TableText.render(columns: columns, rows: rows)
    }
  }
}
