import Foundation

/// JSON lines that exercise every rule both engines must share: ties in time, every time format,
/// null and text-typed ports and bytes, IPv6, a hostile vendor name, bad lines of each kind, and
/// beacons that just pass and just fail each threshold.
enum EdgeCaseData {
  static let hostileVendor = #"Fort'i"n`e\t\\ '; DROP TABLE x; --"#

  static func line(
    _ time: String, src: String? = "10.0.0.5", dst: String? = "203.0.113.50",
    sport: String? = "50000",
    dport: String? = "443", proto: String? = #""TCP""#, sent: String? = "100",
    recv: String? = "200",
    vendor: String? = #""Fortinet""#, extra: String = ""
  ) -> String {
    var f: [String] = [#""TimeGenerated":\#(time)"#]
    if let src { f.append(#""SourceIP":"\#(src)""#) }
    if let dst { f.append(#""DestinationIP":"\#(dst)""#) }
    if let sport { f.append(#""SourcePort":\#(sport)"#) }
    if let dport { f.append(#""DestinationPort":\#(dport)"#) }
    if let proto { f.append(#""Protocol":\#(proto)"#) }
    if let sent { f.append(#""SentBytes":\#(sent)"#) }
    if let recv { f.append(#""ReceivedBytes":\#(recv)"#) }
    if let vendor { f.append(#""DeviceVendor":\#(vendor)"#) }
    return "{" + (f + (extra.isEmpty ? [] : [extra])).joined(separator: ",") + "}"
  }

  /// The inside of a JSON string literal holding `text`.
  static func jsonEscaped(_ text: String) throws -> String {
    let array = String(decoding: try JSONSerialization.data(withJSONObject: [text]), as: UTF8.self)
    return String(array.dropFirst(2).dropLast(2))
  }

  /// `2021-11-01T00:00:00Z` + seconds, with `digits` fractional digits.
  static func time(_ seconds: Double, digits: Int = 7) -> String {
    let whole = Int(seconds.rounded(.down))
    var s = String(format: "\"2021-11-01T%02d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
    if digits > 0 {
      let frac = Int(((seconds - Double(whole)) * 1e9).rounded())
      s += "." + String(String(format: "%09d", frac).prefix(digits))
    }
    return s + "Z\""
  }

  static var lines: [String] {
    var out: [String] = []
    let jsonVendor =
      "\""
      + hostileVendor.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
        of: "\"", with: "\\\"") + "\""
    // 1. An exact 60 s beacon of 102 rows (101 deltas: Totaleventcount 101 passes > 100) and one
    //    of 101 rows (100 deltas: fails), from the hostile vendor and from Fortinet.
    for k in 0..<102 {
      out.append(
        line(time(Double(k) * 60 + 0.5), src: "10.0.1.1", dst: "198.51.100.1", vendor: jsonVendor))
    }
    for k in 0..<101 {
      out.append(line(time(Double(k) * 60 + 0.5), src: "10.0.1.2", dst: "198.51.100.2"))
    }
    // 2. Ties: a busy source whose rows share timestamps across destinations, ports, protocols,
    //    source ports and bytes; order decides which row takes the delta.
    for k in 0..<150 {
      let t = time(Double(k / 3) * 40 + 0.25)
      out.append(
        line(t, src: "10.0.2.1", dst: "203.0.113.\(9 + k % 3)", dport: k % 2 == 0 ? "443" : "8443"))
      out.append(
        line(
          t, src: "10.0.2.1", dst: "203.0.113.10", proto: k % 2 == 0 ? #""UDP""# : #""TCP""#,
          sent: "\(k % 5)"))
    }
    // 3. Every time format, 100 ns apart at the 7th digit, offsets, no zone, 9 digits, commas.
    for k in 0..<120 {
      let base = 7200 + k * 30
      let variants = [
        String(
          format: "\"2021-11-01T%02d:%02d:%02d.1234567Z\"", base / 3600, base / 60 % 60, base % 60),
        String(
          format: "\"2021-11-01T%02d:%02d:%02d.1234568Z\"", base / 3600, base / 60 % 60, base % 60),
        String(
          format: "\"2021-11-01T%02d:%02d:%02d.123456789+00:00\"", base / 3600, base / 60 % 60,
          base % 60),
        String(
          format: "\"2021-11-01T%02d:%02d:%02d,5-0130\"", (base - 5400) / 3600,
          (base - 5400) / 60 % 60, base % 60),
        String(format: "\"2021-11-01 %02d:%02d:%02d\"", base / 3600, base / 60 % 60, base % 60),
        String(format: "\"2021-11-01t%02d:%02d:%02dz\"", base / 3600, base / 60 % 60, base % 60),
      ]
      out.append(line(variants[k % variants.count], src: "10.0.3.1", dst: "2001:db8::\(k % 4 + 1)"))
    }
    // 4. Nulls and text-typed numbers: missing ports and bytes, "443", " 443 ", "+443", booleans
    //    (in integer fields: null; in Protocol: the text "true", as Spark reads it),
    //    fractions, out-of-range ports; an IPv6 source.
    let ports = [
      "\"443\"", "\" 443 \"", "\"+443\"", "443", "null", "true", "443.0", "4294967296", "\"x\"",
    ]
    for k in 0..<180 {
      out.append(
        line(
          time(Double(k) * 20 + 0.75), src: "fd12::1", dst: "192.0.2.\(k % 2 + 1)",
          sport: k % 7 == 0 ? nil : "1000",
          dport: ports[k % ports.count],
          proto: k % 11 == 0 ? "6" : k % 23 == 0 ? "true" : #""TCP""#,
          sent: k % 13 == 0 ? nil : "\"\(k)\"",
          recv: k % 17 == 0 ? "false" : "300"))
    }
    // 5. Deltas of exactly 15 s (fail) and 16 s (pass).
    for k in 0..<130 {
      out.append(
        line(
          time(Double(k) * (k % 2 == 0 ? 15 : 16) + 30_000.1), src: "10.0.4.1", dst: "198.51.100.9")
      )
    }
    // 6. Bad lines: not JSON, a broken object, an array, no time, a bad time, a wrong-typed time,
    //    blank lines.
    out += [
      "not json", #"{"TimeGenerated":"2021-11-01T00:00:00Z",,}"#, "[1,2,3]",
      #"{"SourceIP":"10.0.0.9"}"#,
      #"{"TimeGenerated":"2021-02-30T00:00:00Z"}"#, #"{"TimeGenerated":"2021-11-01T24:00:00Z"}"#,
      #"{"TimeGenerated":12345}"#, #"{"TimeGenerated":null}"#, "", "   ",
    ]
    // 7. The loader's shortcuts on Spark: a line that does not open with `{` still goes through
    //    the regular expressions (leading blanks before an object, blanks and tabs alone), and
    //    zones the shape allows but the offset rules do not (+24:00, +05:60), beside good ones.
    out += [
      " \t" + line(time(40_000), src: "10.0.5.1", dst: "198.51.100.77"), "\t \t",
      line(#""2021-11-01T12:00:00+05""#, src: "10.0.5.1", dst: "198.51.100.77"),
      line(#""2021-11-01T12:00:01.5+05:30""#, src: "10.0.5.1", dst: "198.51.100.77"),
      line(#""2021-11-01T12:00:02-0800""#, src: "10.0.5.1", dst: "198.51.100.77"),
      line(#""2021-11-01T12:00:03+24:00""#, src: "10.0.5.1", dst: "198.51.100.77"),
      line(#""2021-11-01T12:00:04+05:60""#, src: "10.0.5.1", dst: "198.51.100.77"),
    ]
    return out
  }
}
