import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// The keys a CSV field mapping (`--map key=column`) may name, in the reader's order.
public enum CSVMapping {
  public static var keys: [String] { CSVConnParser.keys.map(\.key) }
}

/// Reads connection records from CSV with a header row, through a field mapping
/// (`ts=frame.time_epoch,src=ip.src,dst=ip.dst,dport=dstport`). Times are epoch seconds (any
/// fraction) or ISO-8601. Quoted fields (RFC 4180, on one line) are supported.
struct CSVConnParser {
  /// The mapping keys, with the column names tried when a key is not mapped.
  static let keys: [(key: String, defaults: [String])] = [
    ("ts", ["ts", "time", "timestamp", "frame.time_epoch", "TimeGenerated", "t_rel_s"]),
    ("src", ["src", "SourceIP", "ip.src", "id.orig_h", "source"]),
    ("dst", ["dst", "DestinationIP", "ip.dst", "id.resp_h", "destination"]),
    ("sport", ["sport", "SourcePort", "srcport", "tcp.srcport", "id.orig_p"]),
    ("dport", ["dport", "DestinationPort", "dstport", "tcp.dstport", "id.resp_p"]),
    ("proto", ["proto", "Protocol", "ip.proto", "protocol"]),
    ("sent", ["sent", "SentBytes", "orig_bytes", "bytes_out"]),
    ("recv", ["recv", "ReceivedBytes", "resp_bytes", "bytes_in"]),
    ("vendor", ["vendor", "DeviceVendor"]),
    ("host", ["DestinationHostName", "server_name", "sni", "dhost"]),
    ("url", ["url", "RequestURL", "request"]),
  ]

  let mapping: [String: String]
  var columns: [Int]? = nil
  var names: [String] = []
  var width = 0

  init(mapping: [String: String]) { self.mapping = mapping }

  /// False once a header that cannot be read ended the file (reported once).
  private(set) var reading = true

  /// Parses one line.
  mutating func parseLine(
    _ p: UnsafePointer<UInt8>, _ n: Int, line number: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output
  ) {
    if p.hasHighBytes(n) { checkText(p, n, line: number, file: file, report: &out.report) }
    let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    let problems = out.report.fileProblems.count
    line(text, line: number, terminated: terminated, file: file, into: &out)
    reading = !(columns == nil && out.report.fileProblems.count > problems)
  }

  mutating func line(
    _ text: String, line: Int, terminated: Bool, file: String, into out: inout ChunkParser.Output
  ) {
    if text.allSatisfy({ $0 == " " || $0 == "\t" }) {
      out.report.blankLines += 1
      return
    }
    guard let fields = Self.split(text) else {
      out.report.skip(
        terminated ? .notJSON : .truncated,
        InputProblem(file: file, line: line, message: "unterminated quoted CSV field"))
      return
    }
    guard let cols = columns else {
      header(fields, file: file, into: &out)
      return
    }
    guard fields.count == width else {
      out.report.skip(
        terminated ? .notJSON : .truncated,
        InputProblem(
          file: file, line: line, message: "\(fields.count) CSV fields, the header has \(width)"))
      return
    }
    func value(_ k: Int) -> String? {
      let c = cols[k]
      guard c >= 0 else { return nil }
      let v = fields[c]
      return v.isEmpty || v == "-" ? nil : v
    }
    guard let ts = value(0) else {
      out.report.skip(
        .missingTime, InputProblem(file: file, line: line, field: mappedName(0), message: "missing")
      )
      return
    }
    var tsCopy = ts
    guard let time = tsCopy.withUTF8({ ZeekConnParser.epochTicks($0) ?? Timestamp.parse($0) })
    else {
      out.report.skip(
        .badTime,
        InputProblem(
          file: file, line: line, field: mappedName(0),
          message: "not an epoch or ISO-8601 time: \(quoted(ts))"))
      return
    }
    func int(_ k: Int, _ bits: Int) -> Int64? {
      guard var v = value(k) else { return nil }
      return v.withUTF8 {
        integerField(
          $0, bits: bits, field: mappedName(k), line: line, file: file, report: &out.report)
      }
    }
    var r = ConnectionRecord(time: time, deviceVendor: value(8) ?? "CSV")
    r.sourceIP = value(1)
    r.destinationIP = value(2)
    r.sourcePort = int(3, 32).map(Int32.init)
    r.destinationPort = int(4, 32).map(Int32.init)
    r.protocol = value(5)
    r.sentBytes = int(6, 64)
    r.receivedBytes = int(7, 64)
    r.destinationHostName = value(9)
    r.requestURL = value(10)
    out.rows.append(r)
    out.report.rows += 1
  }

  /// The column a key reads, for messages.
  func mappedName(_ k: Int) -> String {
    if let c = columns?[k], c >= 0, c < names.count { return names[c] }
    return mapping[Self.keys[k].key] ?? Self.keys[k].key
  }

  mutating func header(_ names: [String], file: String, into out: inout ChunkParser.Output) {
    var cols: [Int] = []
    for (key, defaults) in Self.keys {
      if let mapped = mapping[key] {
        guard let c = names.firstIndex(of: mapped) else {
          out.report.fileProblems.append(
            InputProblem(
              file: file, line: 1, field: mapped,
              message:
                "--map \(key)=\(mapped): no such column (have \(names.joined(separator: ", ")))"))
          return
        }
        cols.append(c)
      } else {
        cols.append(defaults.lazy.compactMap { names.firstIndex(of: $0) }.first ?? -1)
      }
    }
    guard cols[0] >= 0, cols[1] >= 0, cols[2] >= 0 else {
      out.report.fileProblems.append(
        InputProblem(
          file: file, line: 1,
          message:
            "CSV header needs time, source and destination columns; map them with --map ts=…,src=…,dst=…"
        ))
      return
    }
    width = names.count
    self.names = names
    columns = cols
  }

  /// Splits one CSV line (RFC 4180 quoting), or nil when a quote is left open.
  static func split(_ line: String) -> [String]? {
    var out: [String] = []
    var field = ""
    var quoted = false
    var it = line.makeIterator()
    var atStart = true
    while let ch = it.next() {
      if quoted {
        if ch == "\"" {
          var peek = it
          if peek.next() == "\"" {
            field.append("\"")
            _ = it.next()
          } else {
            quoted = false
          }
        } else {
          field.append(ch)
        }
      } else if ch == "," {
        out.append(field)
        field = ""
        atStart = true
        continue
      } else if ch == "\"", atStart {
        quoted = true
      } else {
        field.append(ch)
      }
      atStart = false
    }
    guard !quoted else { return nil }
    out.append(field)
    return out
  }
}
