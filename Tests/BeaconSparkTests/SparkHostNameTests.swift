import BeaconArrow
import BeaconCore
import BeaconEngine
import BeaconLoad
import BeaconPeriodicity
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconSpark

/// `HostName` on a real Spark against the native rule: the same name, proxied flag and invalid
/// count for every field form, hostile text included.
@Suite(.enabled(if: SparkTest.enabled, "set SPARK_REMOTE=sc://127.0.0.1:15002 (see .ci/run)"))
struct SparkHostNameTests {
  static let texts: [String?] = [
    nil, "www.Example.COM", "example.com.", "https://c2.example.net/api/v2?id=1",
    "HTTP://user:pw@Proxy-Target.example.org:8080/x", "www.honestimnotevil.com:443",
    "_dmarc.example.com", "203.0.113.7", "203.0.113.7:443", "[2001:db8::1]:443", "", ".",
    "http://", "/relative/path", "a..b", "bad name.com", "evil\u{1B}[31m.com", "new\nline.com",
    "caf\u{E9}.example", "\u{212A}ey.example", "'; DROP TABLE x; --", "a@b@c.com",
    "1http://x.example", "h+t.t-p://x.example/", "x.example?q=a@b", "x.example#frag@y",
    "user@host.example:1/p", "x.example.\n", "tab\t.example", "\u{202E}moc.example",
    String(repeating: "a", count: 254), String(repeating: "a", count: 253),
    String(repeating: "a.", count: 126) + "a", "ÀB.example", "x.EXAMPLE:65536",
  ]

  @Test func namesParseAsOnTheNativeEngine() async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    // Every request text against two host fields (none, and a valid fallback).
    var pairs: [(String?, String?)] = []
    for t in Self.texts {
      pairs.append((t, nil))
      pairs.append((nil, t))
      pairs.append((t, "fallback.example"))
    }
    var lines: [String] = []
    for (k, (request, host)) in pairs.enumerated() {
      var extra: [String] = []
      if let request { extra.append(#""RequestURL":"\#(try EdgeCaseData.jsonEscaped(request))""#) }
      if let host {
        extra.append(#""DestinationHostName":"\#(try EdgeCaseData.jsonEscaped(host))""#)
      }
      lines.append(
        EdgeCaseData.line(
          EdgeCaseData.time(1), sport: String(k), extra: extra.joined(separator: ",")))
    }
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: folder + "/a.json", atomically: true, encoding: .utf8)
    let sql =
      "WITH " + LoadSQL.rowsCTE + ",\n"
      + PeriodicityPrepare.SQL.vendorCTE(rows: "bh_rows", prefix: "bh_p")
        + """

        SELECT SourcePort, DestinationName, proxied, name_invalid FROM (
          SELECT *, \(HostName.sqlDestinationColumns) FROM (SELECT *, \(HostName.sqlKindsColumns) FROM bh_pvendor)
        )
        """
    let table = try await SparkTest.query(sql, lines: [folder + "/a.json"])
    #expect(table.rows.count == pairs.count)
    // What the native loader reads from the same lines (JSON escapes resolved the same way).
    let loaded = RecordLoader().load([.file(folder + "/a.json")])
    let records = Dictionary(uniqueKeysWithValues: loaded.records.map { (Int($0.sourcePort!), $0) })
    for r in table.rows {
      guard case .int(let k) = r[0], let record = records[Int(k)] else {
        Issue.record("row \(r) has no native counterpart")
        continue
      }
      let native = HostName.destination(
        requestURL: record.requestURL, hostName: record.destinationHostName)
      let label = "\(pairs[Int(k)].0.debugDescription) / \(pairs[Int(k)].1.debugDescription)"
      #expect(r[1] == (native.name.map(ArrowValue.string) ?? .null), "name: \(label)")
      #expect(r[2] == .bool(native.proxied), "proxied: \(label)")
      #expect(r[3] == .bool(native.invalid), "invalid: \(label)")
    }
  }
}
