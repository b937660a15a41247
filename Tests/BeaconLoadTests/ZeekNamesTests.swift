import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconLoad

/// Zeek's http, ssl and dns logs beside conn.log: joined by uid (DNS by time and address), with
/// a bounded table.
@Suite struct ZeekNamesTests {
  static func tsv(_ path: String, _ fields: [String], _ rows: [[String]]) -> String {
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t\(path)\n"
      + "#fields\t" + fields.joined(separator: "\t") + "\n"
      + rows.map { $0.joined(separator: "\t") + "\n" }.joined()
  }

  static let connFields = [
    "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "orig_bytes",
    "resp_bytes",
  ]

  /// A folder with four connections: one through a proxy (CONNECT), one with SNI, one named by
  /// DNS, one that nothing names; and an unrelated dhcp log.
  static func folder(_ f: TempFolder) {
    f.write(
      "conn.log",
      tsv(
        "conn", connFields,
        [
          ["1000.5", "Cproxy1", "10.0.0.5", "40000", "10.0.0.16", "3128", "tcp", "10", "20"],
          ["1001.0", "Csni1", "10.0.0.5", "40001", "203.0.113.9", "443", "tcp", "10", "20"],
          ["1100.0", "Cdns1", "10.0.0.5", "40002", "198.51.100.7", "443", "tcp", "10", "20"],
          ["9000.0", "Cdns2", "10.0.0.5", "40003", "198.51.100.7", "443", "tcp", "10", "20"],
          ["1002.0", "Cnone", "10.0.0.5", "40004", "192.0.2.1", "443", "tcp", "10", "20"],
        ]))
    f.write(
      "http.log",
      tsv(
        "http", ["ts", "uid", "id.orig_h", "id.resp_h", "method", "host", "uri"],
        [
          [
            "1000.6", "Cproxy1", "10.0.0.5", "10.0.0.16", "CONNECT", "c2.example.net",
            "c2.example.net:8443",
          ],
          ["1000.7", "Cproxy1", "10.0.0.5", "10.0.0.16", "GET", "other.example", "/later"],
        ]))
    f.write(
      "ssl.log",
      tsv(
        "ssl", ["ts", "uid", "id.orig_h", "id.resp_h", "server_name"],
        [["1001.1", "Csni1", "10.0.0.5", "203.0.113.9", "Front.CDN.example"]]))
    f.write(
      "dns.log",
      tsv(
        "dns", ["ts", "uid", "id.orig_h", "id.resp_h", "query", "answers", "TTLs"],
        [
          [
            "1099.0", "Dq1", "10.0.0.5", "10.0.0.53", "api.slow.example",
            "cname.slow.example,198.51.100.7", "60.000000,60.000000",
          ]
        ]))
    f.write("dhcp.log", tsv("dhcp", ["ts", "uid"], [["1.0", "X"]]))
  }

  @Test func namesJoinByUIDAndByDNS() throws {
    let f = TempFolder()
    Self.folder(f)
    let rows = RecordLoader(threads: 2).load(try InputFiles.expand([f.path]))
    #expect(rows.report.rows == 5 && !rows.report.hasSkips)
    let byUID = Dictionary(uniqueKeysWithValues: rows.records.map { ($0.sourcePort!, $0) })
    // CONNECT: the target is the request, its port the destination port; the proxy stays the hop.
    #expect(byUID[40000]?.requestURL == "c2.example.net:8443")
    #expect(byUID[40000]?.destinationPort == 8443)
    #expect(byUID[40000]?.destinationIP == "10.0.0.16")
    #expect(byUID[40001]?.destinationHostName == "Front.CDN.example")
    #expect(byUID[40001]?.requestURL == nil)
    // DNS: the query resolved just before, within the answer's hold (300 s at least) …
    #expect(byUID[40002]?.destinationHostName == "api.slow.example")
    // … and not two hours later.
    #expect(byUID[40003]?.destinationHostName == nil)
    #expect(byUID[40004]?.destinationHostName == nil && byUID[40004]?.requestURL == nil)
    #expect(rows.report.names.logs == ["http": 1, "ssl": 1, "dns": 1])
    #expect(rows.report.names.joined == ["http": 1, "ssl": 1, "dns": 1])
    #expect(rows.report.names.overflow == 0)
    #expect(rows.report.otherLogs == ["dhcp": 1])
  }

  @Test func withoutNameLogsNothingChanges() throws {
    let f = TempFolder()
    Self.folder(f)
    let all = RecordLoader().load(try InputFiles.expand([f.path]))
    let connOnly = RecordLoader().load(try InputFiles.expand([f.path + "/conn.log"]))
    #expect(connOnly.records.allSatisfy { $0.destinationHostName == nil && $0.requestURL == nil })
    #expect(connOnly.records.map(\.sourcePort) == all.records.map(\.sourcePort))
    #expect(connOnly.report.names.isEmpty)
  }

  @Test func theJoinTableIsBoundedAndItsOverflowCounted() throws {
    let f = TempFolder()
    Self.folder(f)
    var loader = RecordLoader(threads: 2)
    loader.limits.maxJoinNames = 2
    let rows = loader.load(try InputFiles.expand([f.path]))
    #expect(rows.report.rows == 5)
    #expect(rows.report.names.entries == 2)
    // Three entries in all (CONNECT, SNI, one DNS answer; the second http line adds to its uid).
    #expect(rows.report.names.overflow == 1)
    // Files are read in path order (dns, http, ssl): the DNS answer and the CONNECT fit.
    let named = rows.records.filter { $0.destinationHostName != nil || $0.requestURL != nil }
    #expect(named.count == 2)
  }

  @Test func jsonNameLogsJoinToo() throws {
    let f = TempFolder()
    f.write(
      "conn.log",
      #"{"ts":1000.5,"uid":"Cj1","id.orig_h":"10.0.0.5","id.orig_p":40000,"id.resp_h":"203.0.113.9","id.resp_p":443,"proto":"tcp"}"#
        + "\n"
        + #"{"ts":1200.5,"uid":"Cj2","id.orig_h":"10.0.0.5","id.orig_p":40001,"id.resp_h":"198.51.100.7","id.resp_p":443,"proto":"tcp"}"#
        + "\n")
    f.write(
      "ssl.log",
      #"{"ts":1000.6,"uid":"Cj1","id.orig_h":"10.0.0.5","id.resp_h":"203.0.113.9","server_name":"json.example"}"#
        + "\n")
    f.write(
      "dns.log",
      #"{"ts":1199.0,"uid":"D","id.orig_h":"10.0.0.5","query":"q.example","answers":["x.example","198.51.100.7"],"TTLs":[30.0,30.0]}"#
        + "\n")
    let rows = RecordLoader().load(try InputFiles.expand([f.path]))
    #expect(rows.records.map(\.destinationHostName) == ["json.example", "q.example"])
  }
}
