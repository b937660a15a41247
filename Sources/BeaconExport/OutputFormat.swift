import BeaconCore
import BeaconSpec
import Foundation

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
  /// The JSON array the Logs Ingestion API takes for a Log Analytics custom table
  /// (`network_beaconing_anomalies_CL`): each finding with `TimeGenerated`, the hunt's time.
  case sentinel

  /// The custom table the notebook wrote its results to, and `--format sentinel` feeds.
  public static let sentinelTable = "network_beaconing_anomalies_CL"

  /// Renders findings in this format.
  /// `generatedAt` is `TimeGenerated` for `sentinel` (default: now).
  public func render(_ findings: Findings, generatedAt: Timestamp? = nil) -> String {
    let (columns, rows) = findings.table
    return render(columns: columns, rows: rows, generatedAt: generatedAt)
  }

  public func render(columns: [String], rows: [[Cell]], generatedAt: Timestamp? = nil) -> String {
    switch self {
    case .sentinel:
      let now = generatedAt ?? Timestamp(ticks: Int64(Date().timeIntervalSince1970 * 1e7))
      return OutputFormat.json.render(
        columns: ["TimeGenerated"] + columns, rows: rows.map { [.string(now.description)] + $0 })
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
