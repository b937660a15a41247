import BeaconCore

/// JSON encoding of findings. Strings from the logs are attacker-controlled: every character
/// that JSON requires escaping is escaped, and so are U+2028/U+2029, so the output is also safe to
/// embed in a script.
public enum JSONText {
  public static func object(columns: [String], cells: [Cell]) -> String {
    var out = "{"
    for (k, name) in columns.enumerated() {
      if k > 0 { out += "," }
      out += string(name)
      out += ":"
      out += value(cells[k])
    }
    return out + "}"
  }

  public static func value(_ cell: Cell) -> String {
    switch cell {
    case .null: "null"
    case .string(let s): string(s)
    case .int(let v): String(v)
    case .double(let d): d.findingText ?? "null"
    case .intList(let l): "[" + l.map(String.init).joined(separator: ",") + "]"
    case .stringList(let l): "[" + l.map(string).joined(separator: ",") + "]"
    }
  }

  public static func string(_ s: String) -> String {
    var out = "\""
    out.reserveCapacity(s.utf8.count + 2)
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{8}": out += "\\b"
      case "\u{C}": out += "\\f"
      case _ where u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029:
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }
}
