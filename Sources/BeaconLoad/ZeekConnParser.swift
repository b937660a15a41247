import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// Reads Zeek `conn.log` files, TSV (with its `#fields` header) or JSON lines, into the same
/// `ConnectionRecord`s as the export loader, with the same bad-input accounting; and, in the
/// loader's first pass, the `http`, `ssl` and `dns` logs beside them into `ZeekNames`.
///
/// Mapping: `ts` → time, `id.orig_h`/`id.orig_p` → source, `id.resp_h`/`id.resp_p` → destination,
/// `proto` → Protocol, `orig_bytes` → SentBytes, `resp_bytes` → ReceivedBytes, and DeviceVendor
/// `Zeek`; the name logs' `uid` joins them (`ZeekJoin`). In TSV, `-` (or the header's
/// `#unset_field`) and `(empty)` are null.
///
/// A line's log is its file's `#path` (TSV) or `_path` (JSON), else the kind the file's name
/// says (`http` of `http.00:00:00-01:00:00.log.gz`), else, for JSON, the keys it has
/// (`server_name`: ssl, `method` or `uri`: http, `query`: dns); otherwise conn.
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

  /// The columns read, by their Zeek names.
  enum Column: Int, CaseIterable {
    case ts, source, destination, sourcePort, destinationPort, proto, receivedBytes, sentBytes
    case uid, serverName, method, host, uri, query, answers, ttls, path

    var name: String {
      switch self {
      case .ts: "ts"
      case .source: "id.orig_h"
      case .destination: "id.resp_h"
      case .sourcePort: "id.orig_p"
      case .destinationPort: "id.resp_p"
      case .proto: "proto"
      case .receivedBytes: "resp_bytes"
      case .sentBytes: "orig_bytes"
      case .uid: "uid"
      case .serverName: "server_name"
      case .method: "method"
      case .host: "host"
      case .uri: "uri"
      case .query: "query"
      case .answers: "answers"
      case .ttls: "TTLs"
      case .path: "_path"
      }
    }
  }

  static let wanted = Column.allCases.map(\.name)

  var json = JSONLineScanner(names: wanted.map { Array($0.utf8) })
  var columns: [Int]? = nil  // TSV: index of each wanted column
  var fieldCount = 0
  var unset: [UInt8] = Array("-".utf8)
  var separator: UInt8 = 0x09
  var setSeparator: UInt8 = UInt8(ascii: ",")
  /// The `#path` of a TSV log.
  var path: String?
  /// The log kind the file's name gives, once known.
  var fileKind: String??
  /// A log that is not hunted here (dns, dhcp, …, or a name log met in the second pass): counted
  /// by kind, and the rest of the file is not read.
  var otherLog: String?
  /// First pass: the names collected; nil when reading conn logs.
  var names: ZeekNames?
  /// Second pass: the names to give conn rows.
  let join: ZeekJoin?
  /// First pass: the file turned out to be a conn log, to be read in the second pass.
  var misfiled = false

  init(names: ZeekNames? = nil, join: ZeekJoin? = nil) {
    self.names = names
    self.join = join
  }

  /// Whether the rest of the file is to be read.
  var reading: Bool { otherLog == nil && !misfiled }

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
    if fileKind == nil {
      let base = String(file.split(separator: "/").last ?? "")
      // Only a name log's kind: `conn_top.log` or `z.log` is a conn log by its content.
      fileKind = .some(ZeekArchive.logKind(base).flatMap(ZeekNames.Kind.init)?.rawValue)
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
    case "#set_separator" where parts.count > 1 && parts[1].utf8.count == 1:
      setSeparator = parts[1].utf8.first!
    case "#path" where parts.count > 1:
      path = parts[1]
      decide(parts[1])
    default:
      if line.hasPrefix("#separator "), line.hasSuffix("\\x09") { separator = 0x09 }
    }
  }

  /// Whether lines of log `kind` are read in this pass; marks the file otherwise.
  @discardableResult
  mutating func decide(_ kind: String) -> Bool {
    let nameKind = ZeekNames.Kind(rawValue: kind)
    if names != nil {
      if kind == "conn" { misfiled = true } else if nameKind == nil { otherLog = kind }
    } else if kind != "conn" {
      otherLog = kind
    }
    return reading
  }

  /// One line's fields, by column, as text (nil when unset).
  typealias Field = (Column) -> String?

  mutating func tsvLine(
    _ text: UnsafeBufferPointer<UInt8>, line: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output
  ) {
    if columns == nil {  // a file cut before its header: Zeek's default conn.log layout
      fieldCount = Self.defaultFields.count
      columns = Self.wanted.map { w in Self.defaultFields.firstIndex(of: w) ?? -1 }
    }
    let kind = path ?? (fileKind ?? nil) ?? "conn"
    guard decide(kind) else { return }
    var fields = text.split(separator: separator, omittingEmptySubsequences: false)
    // Stratosphere's labelled files sometimes end with "   label   detailed-label" instead of tabs.
    if fields.count < fieldCount, let last = fields.last {
      let extra = splitOnTripleSpace(last)
      if extra.count > 1 { fields = fields.dropLast() + extra }
    }
    let cols = columns!
    let unset = self.unset
    let field: Field = { column in
      let c = cols[column.rawValue]
      guard c >= 0, c < fields.count else { return nil }
      let f = UnsafeBufferPointer(rebasing: fields[c])
      if f.elementsEqual(unset) || f.elementsEqual("(empty)".utf8) || f.isEmpty { return nil }
      return String(decoding: f, as: UTF8.self)
    }
    guard fields.count >= (cols.filter { $0 >= 0 }.max() ?? 0) + 1 else {
      let reason: SkipReason = terminated ? .notJSON : .truncated
      out.report.skip(
        reason,
        InputProblem(
          file: file, line: line,
          message:
            "not a Zeek \(kind).log line: \(fields.count) tab-separated fields, expected \(fieldCount)"
        ))
      return
    }
    guard var tsText = field(.ts) else {
      out.report.skip(
        .missingTime, InputProblem(file: file, line: line, field: "ts", message: "missing"))
      return
    }
    guard let time = tsText.withUTF8({ Self.epochTicks($0) ?? Timestamp.parse($0) }) else {
      out.report.skip(
        terminated ? .badTime : .truncated,
        InputProblem(
          file: file, line: line, field: "ts",
          message: "not an epoch or ISO-8601 time: \(quoted(tsText))"))
      return
    }
    let set = Character(Unicode.Scalar(setSeparator))
    record(
      kind: kind, time: time, field,
      list: { column in
        field(column).map { $0.split(separator: set).map(String.init) } ?? []
      }, line: line, file: file, into: &out)
  }

  /// A conn row (or, in the first pass, a name log's facts) from one line's fields.
  mutating func record(
    kind: String, time: Timestamp, _ field: Field, list: (Column) -> [String], line: Int,
    file: String, into out: inout ChunkParser.Output
  ) {
    if names != nil {
      guard let nameKind = ZeekNames.Kind(rawValue: kind) else { return }
      collect(nameKind, time: time, field, list: list)
      return
    }
    var r = ConnectionRecord(time: time, deviceVendor: Self.vendor)
    r.sourceIP = field(.source)
    r.destinationIP = field(.destination)
    func number(_ c: Column, _ bits: Int) -> Int64? {
      int(field(c), c.name, bits, line, file, &out.report)
    }
    r.sourcePort = number(.sourcePort, 32).map(Int32.init)
    r.destinationPort = number(.destinationPort, 32).map(Int32.init)
    r.protocol = field(.proto)
    r.receivedBytes = number(.receivedBytes, 64)
    r.sentBytes = number(.sentBytes, 64)
    if let join, let source = join.name(&r, uid: field(.uid)) {
      out.report.names.joined[source.rawValue, default: 0] += 1
    }
    out.rows.append(r)
    out.report.rows += 1
  }

  /// What one http, ssl or dns line says (`ZeekNames`' rules).
  mutating func collect(
    _ kind: ZeekNames.Kind, time: Timestamp, _ text: (Column) -> String?,
    list: (Column) -> [String]
  ) {
    switch kind {
    case .ssl:
      guard let uid = text(.uid), let sni = text(.serverName) else { return }
      names!.add(uid: uid) { e in e.serverName = e.serverName ?? sni }
    case .http:
      guard let uid = text(.uid) else { return }
      let method = text(.method)
      let uri = text(.uri)
      let host = text(.host)
      var request: String? = nil
      var port: Int32? = nil
      if method == "CONNECT", let uri {
        request = uri
        port = ZeekNames.connectPort(uri)
      } else if let uri, HostName.isAbsoluteURL(uri) {
        request = uri
      }
      guard request != nil || host != nil else { return }
      names!.add(uid: uid) { e in
        if e.request == nil, let request {
          e.request = request
          e.connectPort = port
        }
        e.hostHeader = e.hostHeader ?? host
      }
    case .dns:
      guard let source = text(.source), let query = text(.query) else { return }
      let answers = list(.answers)
      let ttls = list(.ttls)
      for (k, a) in answers.enumerated() where ZeekNames.isAddress(a) {
        let ttl = k < ttls.count ? Double(ttls[k]).flatMap { $0.isFinite ? $0 : nil } : nil
        names!.addAnswer(source: source, address: a, ticks: time.ticks, ttl: ttl, name: query)
      }
    }
  }

  func int(
    _ f: String?, _ name: String, _ bits: Int, _ line: Int, _ file: String,
    _ report: inout InputReport
  ) -> Int64? {
    guard var f else { return nil }
    return f.withUTF8 {
      integerField($0, bits: bits, field: name, line: line, file: file, report: &report)
    }
  }

  mutating func jsonLine(
    _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output
  ) {
    guard json.scan(p, n, line: line, terminated: terminated, file: file, report: &out.report)
    else { return }
    let s = json.slots
    // Decoded text of each wanted field, once (escapes resolved).
    var values = [[UInt8]?](repeating: nil, count: s.count)
    for k in s.indices where s[k].kind == .string || s[k].kind == .number {
      if s[k].escaped {
        json.decode(p, s[k].start, s[k].end)
        values[k] = json.scratch
      } else {
        values[k] = Array(UnsafeBufferPointer(start: p + s[k].start, count: s[k].end - s[k].start))
      }
    }
    func present(_ c: Column) -> Bool { s[c.rawValue].kind != .absent }
    let kind: String
    if let v = values[Column.path.rawValue] {
      kind = String(decoding: v, as: UTF8.self)
    } else if let k = fileKind ?? nil {
      kind = k
    } else if present(.serverName) {
      kind = "ssl"
    } else if present(.method) || present(.uri) {
      kind = "http"
    } else if present(.query) {
      kind = "dns"
    } else {
      kind = "conn"
    }
    guard decide(kind) else { return }
    guard s[0].kind != .absent, s[0].kind != .null else {
      out.report.skip(
        .missingTime, InputProblem(file: file, line: line, field: "ts", message: "missing or null"))
      return
    }
    guard let ts = values[0],
      let time = ts.withUnsafeBufferPointer({ Self.epochTicks($0) ?? Timestamp.parse($0) })
    else {
      out.report.skip(
        .badTime,
        InputProblem(file: file, line: line, field: "ts", message: "not an epoch or ISO-8601 time"))
      return
    }
    // Arrays (DNS answers and TTLs): their plain elements, as text.
    let containers: [Int: [String]] = Dictionary(
      uniqueKeysWithValues: [Column.answers, .ttls].compactMap { c in
        let slot = s[c.rawValue]
        guard slot.kind == .container else { return nil }
        return (c.rawValue, Self.arrayElements(p + slot.start, slot.end - slot.start))
      })
    let texts = values.map { $0.map { String(decoding: $0, as: UTF8.self) } }
    record(
      kind: kind, time: time, { c in texts[c.rawValue] },
      list: { c in containers[c.rawValue] ?? texts[c.rawValue].map { [$0] } ?? [] },
      line: line, file: file, into: &out)
  }

  /// The strings and numbers of a flat JSON array's text (`["a", 1.5]`); elements with escapes,
  /// and nested values, are passed over.
  static func arrayElements(_ p: UnsafePointer<UInt8>, _ n: Int) -> [String] {
    var out: [String] = []
    var i = 1
    while i < n {
      let c = p[i]
      if c == UInt8(ascii: "\"") {
        var j = i + 1
        var escaped = false
        while j < n, p[j] != UInt8(ascii: "\"") {
          if p[j] == UInt8(ascii: "\\") {
            escaped = true
            j += 1
          }
          j += 1
        }
        if !escaped, j <= n {
          out.append(
            String(
              decoding: UnsafeBufferPointer(start: p + i + 1, count: min(j, n) - i - 1),
              as: UTF8.self))
        }
        i = j + 1
      } else if c == UInt8(ascii: "-") || c &- 0x30 < 10 {
        var j = i
        while j < n, p[j] != UInt8(ascii: ","), p[j] != UInt8(ascii: "]"), p[j] != 0x20 { j += 1 }
        out.append(String(decoding: UnsafeBufferPointer(start: p + i, count: j - i), as: UTF8.self))
        i = j
      } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
        return out
      } else {
        i += 1
      }
    }
    return out
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
