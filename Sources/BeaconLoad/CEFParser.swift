import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// Reads CEF syslog lines (`… CEF:0|vendor|product|version|id|name|severity|key=value …`) into
/// connection records, with the key aliases firewalls use.
///
/// Time comes from `rt` (or `start`): epoch milliseconds, epoch seconds, `MMM dd yyyy HH:mm:ss[.SSS]`
/// (UTC, or a trailing `UTC`/`GMT`/`Z`), or ISO-8601. A line without one is skipped as having no time,
/// since the syslog header carries no year.
struct CEFParser {
  /// Extension keys (full names and the short CEF keys) for each field.
  static let aliases: [(field: String, keys: [String])] = [
    ("time", ["rt", "deviceReceiptTime", "start", "startTime"]),
    ("src", ["src", "sourceAddress", "c6a2", "sourceIPv6Address"]),
    ("dst", ["dst", "destinationAddress", "c6a3", "destinationIPv6Address"]),
    ("sport", ["spt", "sourcePort"]),
    ("dport", ["dpt", "destinationPort"]),
    ("proto", ["proto", "transportProtocol"]),
    ("sent", ["out", "bytesOut"]),
    ("recv", ["in", "bytesIn"]),
    ("host", ["dhost", "destinationHostName"]),
    ("url", ["request", "requestURL"]),
  ]

  func line(
    _ text: String, line: Int, terminated: Bool, file: String, into out: inout ChunkParser.Output
  ) {
    if text.allSatisfy({ $0 == " " || $0 == "\t" }) {
      out.report.blankLines += 1
      return
    }
    guard let cef = text.range(of: "CEF:") else {
      out.report.skip(
        terminated ? .notJSON : .truncated,
        InputProblem(file: file, line: line, message: "not a CEF line"))
      return
    }
    let header = Self.splitHeader(String(text[cef.upperBound...]))
    guard header.count == 8 else {
      out.report.skip(
        terminated ? .notJSON : .truncated,
        InputProblem(
          file: file, line: line, message: "CEF header has \(header.count) of 8 |-separated fields")
      )
      return
    }
    let ext = Self.extensions(header[7])
    func value(_ k: Int) -> String? {
      for key in Self.aliases[k].keys { if let v = ext[key], !v.isEmpty { return v } }
      return nil
    }
    guard let timeText = value(0) else {
      out.report.skip(
        .missingTime,
        InputProblem(file: file, line: line, field: "rt", message: "no rt or start time"))
      return
    }
    guard let time = Self.time(timeText) else {
      out.report.skip(
        .badTime,
        InputProblem(
          file: file, line: line, field: "rt", message: "not a CEF time: \(quoted(timeText))"))
      return
    }
    var out2 = out.report
    func int(_ k: Int, _ bits: Int) -> Int64? {
      guard var v = value(k) else { return nil }
      return v.withUTF8 {
        integerField(
          $0, bits: bits, field: Self.aliases[k].keys[0], line: line, file: file, report: &out2)
      }
    }
    var r = ConnectionRecord(time: time, deviceVendor: header[1].isEmpty ? nil : header[1])
    r.sourceIP = value(1)
    r.destinationIP = value(2)
    r.sourcePort = int(3, 32).map(Int32.init)
    r.destinationPort = int(4, 32).map(Int32.init)
    r.protocol = value(5)
    r.sentBytes = int(6, 64)
    r.receivedBytes = int(7, 64)
    r.destinationHostName = value(8)
    r.requestURL = value(9)
    out.report = out2
    out.rows.append(r)
    out.report.rows += 1
  }

  /// The 8 header fields (version … extension), `\|` and `\\` unescaped; the extension is the rest.
  static func splitHeader(_ s: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var escaped = false
    for ch in s {
      if fields.count == 7 {
        current.append(ch)
        continue
      }
      if escaped {
        current.append(ch)
        escaped = false
      } else if ch == "\\" {
        escaped = true
      } else if ch == "|" {
        fields.append(current)
        current = ""
      } else {
        current.append(ch)
      }
    }
    fields.append(current)
    return fields
  }

  /// `key=value` pairs; a value runs until the next ` key=` and may hold spaces; `\=`, `\\`, `\n`, `\r` unescape.
  static func extensions(_ s: String) -> [String: String] {
    var out: [String: String] = [:]
    let chars = Array(s)
    var i = 0
    func isKeyChar(_ c: Character) -> Bool {
      c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == ".")
    }
    // Positions where a key starts: after a space (or at 0), key chars, then an unescaped '='.
    var starts: [(keyStart: Int, eq: Int)] = []
    while i < chars.count {
      if i == 0 || chars[i - 1] == " " {
        var j = i
        while j < chars.count, isKeyChar(chars[j]) { j += 1 }
        if j > i, j < chars.count, chars[j] == "=" { starts.append((i, j)) }
      }
      i += 1
    }
    for (k, st) in starts.enumerated() {
      let key = String(chars[st.keyStart..<st.eq])
      let end = k + 1 < starts.count ? starts[k + 1].keyStart - 1 : chars.count
      var value = ""
      var escaped = false
      for c in chars[(st.eq + 1)..<max(st.eq + 1, end)] {
        if escaped {
          value.append(c == "n" ? "\n" : c == "r" ? "\r" : c)
          escaped = false
        } else if c == "\\" {
          escaped = true
        } else {
          value.append(c)
        }
      }
      out[key] = value.trimmingTrailingSpaces()
    }
    return out
  }

  static let months = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  static func time(_ text: String) -> Timestamp? {
    if text.allSatisfy(\.isNumber), let v = Int64(text) {
      // Milliseconds since the epoch (CEF's usual form); small values are seconds.
      return v >= 100_000_000_000
        ? Timestamp.checked(milliseconds: v) : Timestamp.checked(seconds: v)
    }
    if let iso = Timestamp(iso: text) { return iso }
    var parts = text.split(separator: " ").map(String.init)
    if let last = parts.last, ["UTC", "GMT", "Z"].contains(last) { parts.removeLast() }
    guard parts.count == 4, let m = months.firstIndex(of: parts[0]), let d = Int(parts[1]),
      let y = Int(parts[2])
    else { return nil }
    let iso =
      "\(CivilDate.pad(y, 4))-\(CivilDate.pad(m + 1, 2))-\(CivilDate.pad(d, 2))T\(parts[3])Z"
    return Timestamp(iso: iso)
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}
