import BeaconCore

/// RFC 4180 CSV. Text cells that a spreadsheet would run as a formula (first character `=`, `+`,
/// `-`, `@`, tab or carriage return) are prefixed with `'`, so a log line cannot make Excel run
/// anything; numbers are written as numbers and never altered.
public enum CSVText {
  public static func document(columns: [String], rows: [[Cell]]) -> String {
    var out = columns.map(field).joined(separator: ",") + "\r\n"
    for row in rows { out += row.map(cell).joined(separator: ",") + "\r\n" }
    return out
  }

  public static func cell(_ c: Cell) -> String {
    switch c {
    case .null: ""
    case .string(let s): field(neutralised(s))
    case .int, .double: JSONText.value(c)
    case .intList: field(JSONText.value(c))
    // Space-separated, as a spreadsheet user filters them; formula triggers neutralised.
    case .stringList(let l): field(neutralised(l.joined(separator: " ")))
    }
  }

  /// Prefixes formula triggers with `'`.
  public static func neutralised(_ s: String) -> String {
    guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else {
      return s
    }
    return "'" + s
  }

  /// Quotes a field when it holds a comma, a quote, CR or LF (doubling inner quotes).
  public static func field(_ s: String) -> String {
    guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
      return s
    }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

extension String {
  fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
    split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
  }
}
