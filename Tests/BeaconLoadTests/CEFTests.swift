import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconLoad

@Suite struct CEFTests {
  @Test func proxyAndWebFilterNamesAreRead() throws {
    let t = TempFolder()
    t.write(
      "proxy.log",
      "CEF:0|Zscaler|NSS|1|1|web|3|rt=1635724801000 src=10.0.0.5 dst=10.0.0.8 dpt=8080 request=https://c2.example.net/a dhost=c2.example.net\n"
        + "CEF:0|V|P|1|1|n|3|rt=1635724802000 src=10.0.0.5 dst=8.8.8.8 dpt=443 destinationHostName=dns.google\n"
    )
    let rows = RecordLoader().load([.file(t.path + "/proxy.log")])
    #expect(rows.records.map(\.requestURL) == ["https://c2.example.net/a", nil])
    #expect(rows.records.map(\.destinationHostName) == ["c2.example.net", "dns.google"])
    // CSV: the mapping's `host` and `url` keys, or their usual column names.
    t.write(
      "conn.csv",
      "ts,src,dst,dport,server_name,url\n1635724801,10.0.0.5,8.8.8.8,443,dns.google,\n")
    let csv = RecordLoader().load([.file(t.path + "/conn.csv")], format: .csv)
    #expect(csv.records.first?.destinationHostName == "dns.google")
    #expect(csv.records.first?.requestURL == nil)
  }

  @Test func readsSyslogCEFWithAliasesEscapesAndTimes() throws {
    let t = TempFolder()
    t.write(
      "fw.log",
      #"""
      <134>Nov  1 00:00:01 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.2|end|TRAFFIC|3|rt=1635724801123 src=10.0.0.5 dst=203.0.113.50 spt=50000 dpt=443 proto=TCP out=412 in=180 msg=allow a=b\=c
      <134>Nov  1 00:00:02 fw01 CEF:0|Fortinet|Fortigate|7.2|13|traffic:forward accept|3|deviceReceiptTime=Nov 01 2021 00:00:02 UTC sourceAddress=10.0.0.6 destinationAddress=2001:db8::1 destinationPort=80 transportProtocol=UDP bytesOut=5 bytesIn=x
      CEF:0|Pipe\|Vendor|P|1|2|n|5|rt=2021-11-01T00:00:03.5Z src=10.0.0.7 dst=8.8.8.8 dpt=53
      CEF:0|V|P|1|2|n|5|src=10.0.0.7 dst=8.8.8.8
      CEF:0|V|P|1|2|n|5|rt=yesterday src=10.0.0.7
      just a syslog line
      CEF:0|V|P
      """#)
    let rows = RecordLoader().load([.file(t.path + "/fw.log")])
    #expect(rows.report.rows == 3)
    let a = rows.records[0]
    #expect(
      a.time == Timestamp(ticks: 16_357_248_011_230_000) && a.deviceVendor == "Palo Alto Networks")
    #expect(
      a.sourceIP == "10.0.0.5" && a.destinationIP == "203.0.113.50" && a.sourcePort == 50000
        && a.destinationPort == 443)
    #expect(a.protocol == "TCP" && a.sentBytes == 412 && a.receivedBytes == 180)
    let b = rows.records[1]
    #expect(
      b.time == Timestamp(iso: "2021-11-01T00:00:02Z") && b.destinationIP == "2001:db8::1"
        && b.destinationPort == 80)
    #expect(
      b.protocol == "UDP" && b.sentBytes == 5 && b.receivedBytes == nil
        && rows.report.nulledFields == ["in": 1])
    #expect(
      rows.records[2].deviceVendor == "Pipe|Vendor"
        && rows.records[2].time == Timestamp(iso: "2021-11-01T00:00:03.5Z"))
    #expect(rows.report.skipped == [.missingTime: 1, .badTime: 1, .notJSON: 1, .truncated: 1])
    #expect(rows.report.skippedExamples.map(\.line) == [4, 5, 6, 7])
  }

  @Test func extensionValuesMayHoldSpaces() {
    let e = CEFParser.extensions(#"msg=hello world src=1.2.3.4 cs1=a\=b\\c"#)
    #expect(e == ["msg": "hello world", "src": "1.2.3.4", "cs1": #"a=b\c"#])
  }
}
