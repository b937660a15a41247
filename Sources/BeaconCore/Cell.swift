/// One value of a finding, as every exporter writes it.
///
/// Findings of every method are flattened to named cells in a fixed order; JSON lines, CSV, JSON
/// and the table are all written from cells, so a finding has exactly one encoding whichever
/// engine produced it.
public enum Cell: Equatable, Sendable {
  case null
  case string(String)
  case int(Int64)
  case double(Double)
  case intList([Int64])
  /// A short list of log values (a host name's addresses).
  case stringList([String])
}

/// A finding type: a fixed list of column names and the cells of one finding, in that order.
public protocol FindingRecord: Sendable, Equatable {
  /// Column names, in output order (the contract).
  static var columns: [String] { get }
  /// This finding's values, one per column.
  var cells: [Cell] { get }
}

extension Double {
  /// The shortest text that reads back as the same double (`100.0`, `52.38095238095238`), as JSON,
  /// CSV and the table write it. Non-finite values have no JSON form and are written as null.
  public var findingText: String? {
    guard isFinite else { return nil }
    return description
  }
}
