import BeaconCore

/// A plain-text table for terminals. Log strings may hold terminal escape sequences, so every
/// control character is shown escaped rather than sent to the terminal; long cells are shortened.
public enum TableText {
  public static let maxCellWidth = 40

  public static func render(columns: [String], rows: [[Cell]]) -> String {
    guard !rows.isEmpty else { return "(no findings)\n" }
    let text = rows.map { $0.map(display) }
    var widths = columns.map(\.count)
    for row in text { for (k, v) in row.enumerated() { widths[k] = max(widths[k], v.count) } }
    func line(_ values: [String], numeric: [Bool]) -> String {
      values.enumerated().map { k, v in
        let pad = String(repeating: " ", count: widths[k] - v.count)
        return numeric[k] ? pad + v : v + pad
      }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    let numeric = rows[0].map { if case .string = $0 { false } else { true } }
    var out = line(columns, numeric: numeric)
    out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
    for row in text { out += line(row, numeric: numeric) }
    return out
  }

  public static func display(_ c: Cell) -> String {
    switch c {
    case .null: return "-"
    case .string(let s): return shorten(visible(s))
    case .stringList(let l): return shorten(visible(l.joined(separator: " ")))
    default: return JSONText.value(c)
    }
  }

  /// Control characters (C0, DEL, C1) escaped as `\u{…}`.
  public static func visible(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
      // C0 and C1 controls, and the bidirectional overrides that reorder what a terminal shows.
      if u.value < 0x20 || (0x7F..<0xA0).contains(u.value) || (0x202A...0x202E).contains(u.value)
        || (0x2066...0x2069).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
      {
        out += "\\u{\(String(u.value, radix: 16))}"
      } else {
        out.unicodeScalars.append(u)
      }
    }
    return out
  }

  static func shorten(_ s: String) -> String {
    s.count <= maxCellWidth ? s : String(s.prefix(maxCellWidth - 1)) + "…"
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}
