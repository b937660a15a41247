import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// Reads Zeek `conn.log` files, TSV (with its `#fields` header) or JSON lines, into the same
/// `ConnectionRecord`s as the export loader, with the same bad-input accounting.
///
/// Mapping: `ts` → time, `id.orig_h`/`id.orig_p` → source, `id.resp_h`/`id.resp_p` → destination,
/// `proto` → Protocol, `orig_bytes` → SentBytes, `resp_bytes` → ReceivedBytes, and DeviceVendor
/// `Zeek`. In TSV, `-` (or the header's `#unset_field`) and `(empty)` are null.
struct ZeekConnParser {
  static let vendor = "Zeek"
  /// Zeek's own `conn.log` column order, for TSV files whose header was cut off.
  static let defaultFields = [
    "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
    "orig_bytes",
    "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history", "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts", "resp_ip_bytes", "tunnel_parents",
  ]
  /// The columns read, in the order of `ConnectionRecord`'s fields.
  static let wanted = [
    "ts", "id.orig_h", "id.resp_h", "id.orig_p", "id.resp_p", "proto", "resp_bytes", "orig_bytes",
  ]

  var json = JSONLineScanner(names: wanted.map { Array($0.utf8) })
  var columns: [Int]? = nil  // TSV: index of each wanted column
  var fieldCount = 0
  var unset: [UInt8] = Array("-".utf8)
  var separator: UInt8 = 0x09
  /// The `#path` of a TSV log that is not a conn.log (dns, http, …): not hunted, counted by kind.
  var otherLog: String?

  mutating func parseLine(
    _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output
  ) {
    let text = UnsafeBufferPointer(start: p, count: n)
    if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
      out.report.blankLines += 1
      return
    }
    if p.hasHighBytes(n) { checkText(p, n, line: line, file: file, report: &out.report) }
    if p[0] == UInt8(ascii: "#") {
      header(String(decoding: text, as: UTF8.self))
      return
    }
    if p[0] == UInt8(ascii: "{") {
      jsonLine(p, n, line: line, terminated: terminated, file: file, into: &out)
      return
    }
    tsvLine(text, line: line, terminated: terminated, file: file, into: &out)
  }

  mutating func header(_ line: String) {
    let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    switch parts.first {
    case "#fields":
      let names = Array(parts.dropFirst())
      fieldCount = names.count
      columns = Self.wanted.map { w in names.firstIndex(of: w) ?? -1 }
    case "#unset_field" where parts.count > 1: unset = Array(parts[1].utf8)
    case "#path" where parts.count > 1 && parts[1] != "conn": otherLog = parts[1]
    default:
      if line.hasPrefix("#separator "), line.hasSuffix("\\x09") { separator = 0x09 }
    }
  }

  mutating func tsvLine(
    _ text: UnsafeBufferPointer<UInt8>, line: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output
  ) {
    if columns == nil {  // a file cut before its header: Zeek's default conn.log layout
      fieldCount = Self.defaultFields.count
      columns = Self.wanted.map { w in Self.defaultFields.firstIndex(of: w)! }
    }
    var fields = text.split(separator: separator, omittingEmptySubsequences: false)
    // Stratosphere's labelled files sometimes end with "   label   detailed-label" instead of tabs.
    if fields.count < fieldCount, let last = fields.last {
      let extra = splitOnTripleSpace(last)
      if extra.count > 1 { fields = fields.dropLast() + extra }
    }
    let cols = columns!
    func field(_ k: Int) -> UnsafeBufferPointer<UInt8>? {
      let c = cols[k]
      guard c >= 0, c < fields.count else { return nil }
      let f = UnsafeBufferPointer(rebasing: fields[c])
      if f.elementsEqual(unset) || f.elementsEqual("(empty)".utf8) || f.isEmpty { return nil }
      return f
    }
    guard fields.count >= (cols.filter { $0 >= 0 }.max() ?? 0) + 1 else {
      let reason: SkipReason = terminated ? .notJSON : .truncated
      out.report.skip(
        reason,
        InputProblem(
          file: file, line: line,
          message:
            "not a Zeek conn.log line: \(fields.count) tab-separated fields, expected \(fieldCount)"
        ))
      return
    }
    guard let tsText = field(0) else {
      out.report.skip(
        .missingTime, InputProblem(file: file, line: line, field: "ts", message: "missing"))
      return
    }
    guard let time = Self.epochTicks(tsText) ?? Timestamp.parse(tsText) else {
      out.report.skip(
        terminated ? .badTime : .truncated,
        InputProblem(
          file: file, line: line, field: "ts",
          message:
            "not an epoch or ISO-8601 time: \(quoted(String(decoding: tsText, as: UTF8.self)))"))
      return
    }
    var r = ConnectionRecord(time: time, deviceVendor: Self.vendor)
    r.sourceIP = field(1).map { String(decoding: $0, as: UTF8.self) }
    r.destinationIP = field(2).map { String(decoding: $0, as: UTF8.self) }
    r.sourcePort = int(field(3), "id.orig_p", 32, line, file, &out.report).map(Int32.init)
    r.destinationPort = int(field(4), "id.resp_p", 32, line, file, &out.report).map(Int32.init)
    r.protocol = field(5).map { String(decoding: $0, as: UTF8.self) }
    r.receivedBytes = int(field(6), "resp_bytes", 64, line, file, &out.report)
    r.sentBytes = int(field(7), "orig_bytes", 64, line, file, &out.report)
    out.records.append(r)
    out.report.rows += 1
  }

  func int(
    _ f: UnsafeBufferPointer<UInt8>?, _ name: String, _ bits: Int, _ line: Int, _ file: String,
    _ report: inout InputReport
  ) -> Int64? {
    guard let f else { return nil }
    return integerField(f, bits: bits, field: name, line: line, file: file, report: &report)
  }

  mutating func jsonLine(
    _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output
  ) {
    guard json.scan(p, n, line: line, terminated: terminated, file: file, report: &out.report)
    else { return }
    let s = json.slots
    func text(_ k: Int) -> String? {
      guard s[k].kind == .string || s[k].kind == .number else { return nil }
      if s[k].escaped {
        json.decode(p, s[k].start, s[k].end)
        return String(decoding: json.scratch, as: UTF8.self)
      }
      return String(
        decoding: UnsafeBufferPointer(start: p + s[k].start, count: s[k].end - s[k].start),
        as: UTF8.self)
    }
    guard s[0].kind != .absent, s[0].kind != .null else {
      out.report.skip(
        .missingTime, InputProblem(file: file, line: line, field: "ts", message: "missing or null"))
      return
    }
    guard let tsText = text(0),
      let time = tsText.utf8.withContiguousStorageIfAvailable({
        Self.epochTicks($0) ?? Timestamp.parse($0)
      }) ?? nil
    else {
      out.report.skip(
        .badTime,
        InputProblem(file: file, line: line, field: "ts", message: "not an epoch or ISO-8601 time"))
      return
    }
    var r = ConnectionRecord(time: time, deviceVendor: Self.vendor)
    r.sourceIP = text(1)
    r.destinationIP = text(2)
    func number(_ k: Int, _ bits: Int) -> Int64? {
      guard let t = text(k) else { return nil }
      var t2 = t
      return t2.withUTF8 { int($0, Self.wanted[k], bits, line, file, &out.report) }
    }
    r.sourcePort = number(3, 32).map(Int32.init)
    r.destinationPort = number(4, 32).map(Int32.init)
    r.protocol = text(5)
    r.receivedBytes = number(6, 64)
    r.sentBytes = number(7, 64)
    out.records.append(r)
    out.report.rows += 1
  }

  /// `1517336042.279652` (seconds since the epoch, any fraction) as exact ticks.
  static func epochTicks(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
    var i = 0
    var negative = false
    if i < b.count, b[i] == UInt8(ascii: "-") {
      negative = true
      i += 1
    }
    var seconds: Int64 = 0
    var digits = 0
    while i < b.count, b[i] &- 0x30 < 10 {
      let (m, o) = seconds.multipliedReportingOverflow(by: 10)
      guard !o, digits < 12 else { return nil }
      seconds = m + Int64(b[i] - 0x30)
      digits += 1
      i += 1
    }
    guard digits > 0 else { return nil }
    var fraction: Int64 = 0
    var fracDigits = 0
    if i < b.count, b[i] == UInt8(ascii: ".") {
      i += 1
      while i < b.count, b[i] &- 0x30 < 10 {
        if fracDigits < 7 {
          fraction = fraction * 10 + Int64(b[i] - 0x30)
          fracDigits += 1
        }
        i += 1
      }
    }
    guard i == b.count else { return nil }
    while fracDigits < 7 {
      fraction *= 10
      fracDigits += 1
    }
    return Timestamp.checked(
      seconds: negative ? -seconds : seconds, fractionTicks: negative ? -fraction : fraction)
  }
}

/// Splits a field at runs of three or more spaces.
private func splitOnTripleSpace(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> [Slice<
  UnsafeBufferPointer<UInt8>
>] {
  var out: [Slice<UnsafeBufferPointer<UInt8>>] = []
  var start = s.startIndex
  var i = s.startIndex
  while i < s.endIndex {
    if s[i] == 0x20, i + 2 < s.endIndex, s[i + 1] == 0x20, s[i + 2] == 0x20 {
      out.append(s[start..<i])
      while i < s.endIndex, s[i] == 0x20 { i += 1 }
      start = i
    } else {
      i += 1
    }
  }
  out.append(s[start..<s.endIndex])
  return out
}
