import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// Turns the lines of one chunk of a JSON-lines file into rows (`RowChunk`), counting and
/// locating every line it skips and every field it takes as null.
struct ChunkParser {
  var scanner = JSONLineScanner()

  /// The outcome of one chunk; line numbers are relative to the chunk's first line (1-based).
  struct Output {
    var rows = RowChunk()
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
    // Strings go straight from the line's bytes into the chunk's pool: a value seen before
    // costs a hash and a compare, never an allocation.
    let src = interned(p, slots[1], .sourceIP, line, file, &out)
    let dst = interned(p, slots[2], .destinationIP, line, file, &out)
    let sport = int(p, slots[3], .sourcePort, line, file, &out.report).flatMap(
      Int32.init(exactly:))
    let dport = int(p, slots[4], .destinationPort, line, file, &out.report).flatMap(
      Int32.init(exactly:))
    let proto = interned(p, slots[5], .protocol, line, file, &out)
    let received = int(p, slots[6], .receivedBytes, line, file, &out.report)
    let sent = int(p, slots[7], .sentBytes, line, file, &out.report)
    let vendor = interned(p, slots[8], .deviceVendor, line, file, &out)
    let host = interned(p, slots[9], .destinationHostName, line, file, &out)
    let url = interned(p, slots[10], .requestURL, line, file, &out)
    out.rows.rows.append(
      CompactRow(
        ticks: time.ticks, source: src, destination: dst, sourcePort: sport,
        destinationPort: dport, protocol: proto, receivedBytes: received, sentBytes: sent,
        vendor: vendor, hostName: host, requestURL: url))
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

  /// A string field's id in the chunk's pool (`StringPool.none` for null): plain ASCII bytes
  /// are interned as they stand; anything else is decoded (and checked) by `string` first, so
  /// the pool holds the same text a `String` would.
  @inline(__always)
  mutating func interned(
    _ p: UnsafePointer<UInt8>, _ s: JSONLineScanner.Slot, _ f: CSLField, _ line: Int,
    _ file: String, _ out: inout Output
  ) -> UInt32 {
    if s.kind == .string || s.kind == .number || s.kind == .boolean, !s.escaped,
      !(p + s.start).hasHighBytes(s.end - s.start)
    {
      return out.rows.pool.id(UnsafeBufferPointer(start: p + s.start, count: s.end - s.start))
    }
    guard let text = string(p, s, f, line, file, &out.report) else { return StringPool.none }
    return out.rows.pool.id(text)
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
