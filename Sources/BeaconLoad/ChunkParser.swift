import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// Turns the lines of one chunk of a JSON-lines file into `ConnectionRecord`s, counting and
/// locating every line it skips and every field it takes as null.
struct ChunkParser {
  var scanner = JSONLineScanner()
  var vendorCache = StringCache()
  var protocolCache = StringCache()

  /// The outcome of one chunk; line numbers are relative to the chunk's first line (1-based).
  struct Output {
    var records: [ConnectionRecord] = []
    var report = InputReport()
    var lines = 0
  }

  @inline(__always)
  mutating func parseLine(
    _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, terminated: Bool, file: String,
    into out: inout Output
  ) {
    if scanner.skipWhitespace(p, 0, n) == n {
      out.report.blankLines += 1
      return
    }
    guard
      scanner.scan(p, n, line: line, terminated: terminated, file: file, report: &out.report)
    else { return }
    let slots = scanner.slots
    let t = slots[0]
    guard t.kind != .absent, t.kind != .null else {
      out.report.skip(
        .missingTime,
        InputProblem(file: file, line: line, field: "TimeGenerated", message: "missing or null"))
      return
    }
    var time: Timestamp?
    if t.kind == .string {
      time = withString(p, t) { Timestamp.parse($0) }
    }
    guard let time else {
      let shown =
        t.kind == .string ? withString(p, t) { String(decoding: $0, as: UTF8.self) } : "a \(t.kind)"
      out.report.skip(
        .badTime,
        InputProblem(
          file: file, line: line, field: "TimeGenerated",
          message: "not an ISO-8601 time: \(quoted(shown))"))
      return
    }
    var r = ConnectionRecord(time: time)
    r.sourceIP = string(p, slots[1], .sourceIP, line, file, &out.report)
    r.destinationIP = string(p, slots[2], .destinationIP, line, file, &out.report)
    r.sourcePort = int(p, slots[3], .sourcePort, line, file, &out.report).flatMap(
      Int32.init(exactly:))
    r.destinationPort = int(p, slots[4], .destinationPort, line, file, &out.report).flatMap(
      Int32.init(exactly:))
    r.protocol = cachedString(p, slots[5], .protocol, line, file, &out.report, \.protocolCache)
    r.receivedBytes = int(p, slots[6], .receivedBytes, line, file, &out.report)
    r.sentBytes = int(p, slots[7], .sentBytes, line, file, &out.report)
    r.deviceVendor = cachedString(
      p, slots[8], .deviceVendor, line, file, &out.report, \.vendorCache)
    r.destinationHostName = string(p, slots[9], .destinationHostName, line, file, &out.report)
    r.requestURL = string(p, slots[10], .requestURL, line, file, &out.report)
    out.records.append(r)
    out.report.rows += 1
  }

  /// Calls `body` with the decoded bytes of a string slot.
  @inline(__always)
  mutating func withString<R>(
    _ p: UnsafePointer<UInt8>, _ s: JSONLineScanner.Slot, _ body: (UnsafeBufferPointer<UInt8>) -> R
  ) -> R {
    if s.escaped {
      scanner.decode(p, s.start, s.end)
      return scanner.scratch.withUnsafeBufferPointer(body)
    }
    return body(UnsafeBufferPointer(start: p + s.start, count: s.end - s.start))
  }

  /// A string field: strings as they are; numbers and booleans as their text (as Spark reads them
  /// into a string column); objects and arrays are the wrong type and become null.
  @inline(__always)
  mutating func string(
    _ p: UnsafePointer<UInt8>, _ s: JSONLineScanner.Slot, _ f: CSLField, _ line: Int,
    _ file: String,
    _ report: inout InputReport
  ) -> String? {
    switch s.kind {
    case .absent, .null: return nil
    case .string, .number, .boolean:
      return withString(p, s) { b in
        if let base = b.baseAddress {
          checkText(base, b.count, line: line, file: file, field: f.name, report: &report)
        }
        return String(decoding: b, as: UTF8.self)
      }
    case .container:
      report.nulled(
        f.name,
        InputProblem(
          file: file, line: line, field: f.name,
          message: "expected a string, got a \(s.kind); taken as null"))
      return nil
    }
  }

  @inline(__always)
  mutating func cachedString(
    _ p: UnsafePointer<UInt8>, _ s: JSONLineScanner.Slot, _ f: CSLField, _ line: Int,
    _ file: String,
    _ report: inout InputReport, _ cache: WritableKeyPath<ChunkParser, StringCache>
  ) -> String? {
    guard s.kind == .string, !s.escaped, !(p + s.start).hasHighBytes(s.end - s.start) else {
      return string(p, s, f, line, file, &report)
    }
    return self[keyPath: cache].string(
      UnsafeBufferPointer(start: p + s.start, count: s.end - s.start))
  }

  /// An integer field: a JSON integer, or a string holding one (`"443"`). Anything else present
  /// (a fraction, text, a boolean, out of range) is the wrong type: null, and counted.
  @inline(__always)
  mutating func int(
    _ p: UnsafePointer<UInt8>, _ s: JSONLineScanner.Slot, _ f: CSLField, _ line: Int,
    _ file: String,
    _ report: inout InputReport
  ) -> Int64? {
    switch s.kind {
    case .absent, .null: return nil
    case .number, .string:
      return withString(p, s) {
        integerField(
          $0, bits: f.kind == .int32 ? 32 : 64, field: f.name, line: line, file: file,
          report: &report)
      }
    case .boolean, .container:
      report.nulled(
        f.name,
        InputProblem(
          file: file, line: line, field: f.name,
          message: "expected an integer, got a \(s.kind); taken as null"))
      return nil
    }
  }
}

/// An integer field's value from its text, as `parseInteger` reads it and within 32 or 64 bits;
/// anything else is nil, counted in `report` as a wrong-typed value taken as null. Every reader
/// (export JSON, Zeek, CSV, CEF) types its integer fields through this one function.
func integerField(
  _ text: UnsafeBufferPointer<UInt8>, bits: Int, field: String, line: Int, file: String,
  report: inout InputReport
) -> Int64? {
  if let v = parseInteger(text), bits == 64 || Int32(exactly: v) != nil { return v }
  report.nulled(
    field,
    InputProblem(
      file: file, line: line, field: field,
      message:
        "not an integer\(bits == 32 ? " (32-bit)" : ""): \(quoted(String(decoding: text, as: UTF8.self))); taken as null"
    ))
  return nil
}

/// An integer as Spark's `try_cast` reads text: surrounding whitespace and control bytes
/// (≤ 0x20) ignored, an optional sign, then digits, within Int64; else nil.
@inline(__always)
func parseInteger(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
  var i = 0
  var end = b.count
  while i < end, b[i] <= 0x20 { i += 1 }
  while end > i, b[end - 1] <= 0x20 { end -= 1 }
  let negative = i < end && b[i] == UInt8(ascii: "-")
  if negative || (i < end && b[i] == UInt8(ascii: "+")) { i += 1 }
  guard i < end else { return nil }
  var v: Int64 = 0
  while i < end {
    let d = b[i] &- 0x30
    guard d < 10 else { return nil }
    let (m, o1) = v.multipliedReportingOverflow(by: 10)
    let (a, o2) =
      negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
    guard !o1, !o2 else { return nil }
    v = a
    i += 1
  }
  return v
}

/// A value shown in an error message: quoted, shortened, control characters escaped so that log
/// data cannot rewrite the user's terminal.
func quoted(_ s: String) -> String {
  var out = "\""
  for (k, ch) in s.unicodeScalars.enumerated() {
    if k == 80 {
      out += "…"
      break
    }
    switch ch {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case _ where ch.value < 0x20 || ch.value == 0x7F || (0x80..<0xA0).contains(ch.value):
      out += "\\u{\(String(ch.value, radix: 16))}"
    default: out.unicodeScalars.append(ch)
    }
  }
  return out + "\""
}

/// Reuses `String`s for the few values that repeat on every row (vendors, protocols), so that
/// long vendor names are not allocated once per row.
struct StringCache {
  var entries: [(bytes: [UInt8], string: String)] = []

  @inline(__always)
  mutating func string(_ b: UnsafeBufferPointer<UInt8>) -> String {
    for e in entries where e.bytes.count == b.count && e.bytes.elementsEqual(b) { return e.string }
    let s = String(decoding: b, as: UTF8.self)
    if entries.count < 32 { entries.append((Array(b), s)) }
    return s
  }
}

extension UnsafePointer<UInt8> {
  /// True when any of the `n` bytes here is not ASCII (so the text needs UTF-8 validation).
  @inline(__always)
  func hasHighBytes(_ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
      if UnsafeRawPointer(self + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
        return true
      }
      i += 8
    }
    while i < n {
      if self[i] >= 0x80 { return true }
      i += 1
    }
    return false
  }
}
