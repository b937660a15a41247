import BeaconCore
import BeaconNet
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconPeriodicity

@Suite struct PrepareTests {
  /// A day's kept connections are what a hunt holds most of: 32 bytes each, every field and
  /// null kept.
  @Test func aKeptConnectionTakes32BytesAndKeepsEveryField() {
    #expect(MemoryLayout<FlowRow>.stride == 32)
    let all = FlowRow(
      ticks: -7, sentBytes: .max, receivedBytes: .min, sourcePort: -1,
      flow: UInt32(FlowRow.maxFlows - 1), present: CompactRow.Present.all)
    #expect(all.flow == UInt32(FlowRow.maxFlows - 1))
    #expect(all.sourcePortValue == -1 && all.sentBytesValue == .max)
    #expect(all.receivedBytesValue == .min)
    var none = FlowRow(
      ticks: 0, sentBytes: 5, receivedBytes: 6, sourcePort: 7, flow: 0, present: 0)
    #expect(none.sourcePortValue == nil && none.sentBytesValue == nil)
    #expect(none.receivedBytesValue == nil)
    none.flow = 12_345
    #expect(none.flow == 12_345 && none.present == 0)
    let some = FlowRow(
      ticks: 0, sentBytes: 5, receivedBytes: 6, sourcePort: 7, flow: 3,
      present: CompactRow.Present.sentBytes)
    #expect(some.sentBytesValue == 5 && some.receivedBytesValue == nil && some.flow == 3)
  }
}

@Suite struct AllowlistTests {
  let scratch = TempFolder()

  func file(_ text: String) -> String {
    scratch.write("allow-\(UUID().uuidString).txt", text)
  }

  @Test func readsAddressesNetworksHostNamesAndComments() throws {
    var a = Allowlist()
    try a.load(
      file(
        "# cleared\n8.8.8.8\n 20.0.0.0/11   # Azure\n\n2001:db8::/32\nupdate.example.com\n*.cdn.example.net\n"
      ))
    #expect(
      a.networks.networks.count == 3 && a.hostNames == ["update.example.com"]
        && a.hostSuffixes == ["cdn.example.net"])
    #expect(a.containsName("update.example.com") && a.containsName("img.cdn.example.net"))
    #expect(!a.containsName("cdn.example.net") && !a.containsName("example.com"))
    for yes in ["8.8.8.8", "20.31.255.255", "2001:db8::9"] { #expect(a.contains(IPAddress(yes)!)) }
    for no in ["8.8.4.4", "20.32.0.0", "2001:db9::1"] { #expect(!a.contains(IPAddress(no)!)) }
  }

  @Test func aBadLineNamesFileAndLine() throws {
    var a = Allowlist()
    let path = file("8.8.8.8\n10.0.0.0/33\n")
    #expect(throws: PrepareError.allowlistEntry(path: path, line: 2, text: "10.0.0.0/33")) {
      try a.load(path)
    }
  }

  @Test func allowlistedFlowsAreDroppedAndCounted() throws {
    let t = Timestamp(seconds: 0)
    let rows = [
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "8.8.8.8"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "9.9.9.9"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "not-an-ip"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "192.0.2.1"),  // documentation: never external
    ]
    var p = PeriodicityParameters()
    p.allowFiles = [file("8.8.8.8\n")]
    let r = PeriodicityPrepare.apply(
      rows, vendor: nil, window: .dataSpan, context: try .init(p), parameters: p)
    #expect(r.rows.map(\.destinationIP) == ["9.9.9.9"])
    #expect(r.allowlisted == 1 && r.invalidAddresses == 1 && r.validRows == 3)
  }

  @Test func namesKeyRowsAndAProxiedRequestLeavesByItsProxy() throws {
    let t = Timestamp(seconds: 0)
    let rows = [
      // Through the internal proxy: kept, keyed by the request's host.
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "10.0.0.8", requestURL: "c2.example.net:443"),
      // SNI to an external address: keyed by the name, lower case.
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "9.9.9.9", destinationHostName: "A.Example"),
      // SNI to an internal address: internal traffic, as before.
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "10.0.0.9", destinationHostName: "intra.corp"),
      // An unusable name: kept by its address, and counted.
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "9.9.9.8", destinationHostName: "x\u{1B}]0;"),
      // Allowlisted by a suffix entry, by an exact name; the proxy's own address is listed
      // too, and does not drop what goes through it.
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "9.9.9.7",
        destinationHostName: "x.cdn.example"),
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "10.0.0.8",
        requestURL: "https://updates.example.com/a"),
    ]
    var p = PeriodicityParameters()
    p.allowFiles = [file("10.0.0.8\n*.cdn.example\nupdates.example.com\n")]
    let r = PeriodicityPrepare.apply(
      rows, vendor: nil, window: .dataSpan, context: try .init(p), parameters: p)
    #expect(r.rows.map(\.destinationHostName) == ["c2.example.net", "a.example", nil])
    #expect(r.rows.allSatisfy { $0.requestURL == nil })
    #expect(r.namedRows == 5 && r.proxiedRows == 2 && r.invalidNames == 1)
    #expect(r.afterDirection == 5 && r.allowlisted == 2 && r.allowlistedByName == 2)
  }

  @Test func allowlistPortEntriesMatchPortAndProtocol() throws {
    var a = Allowlist()
    try a.load(file("udp/123\n*:8530\n*:5353/udp  # mDNS\n443/TCP\n"))
    #expect(a.ports.count == 4)
    #expect(a.containsPort(123, "UDP") && !a.containsPort(123, "tcp"))
    #expect(a.containsPort(8530, "tcp") && a.containsPort(8530, nil))
    #expect(a.containsPort(443, "tcp") && !a.containsPort(443, nil) && !a.containsPort(nil, "tcp"))
    for bad in ["udp/65536", "*:", "*:123/", "udp/12a", "/123", "udp/123/tcp", "*:-1"] {
      var b = Allowlist()
      let path = file(bad + "\n")
      #expect(throws: PrepareError.allowlistEntry(path: path, line: 1, text: bad)) {
        try b.load(path)
      }
    }
  }

  @Test func icmpErrorsAndLinkLocalOrMulticastAreNoiseEvenInAnyDirection() throws {
    let t = Timestamp(seconds: 1_700_000_000)
    let rows = [
      // Zeek writes the ICMP type as the source port: 3 unreachable, 11 time exceeded, 8 echo.
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "8.8.8.8", sourcePort: 3, protocol: "icmp"),
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "8.8.8.8", sourcePort: 11, protocol: "ICMP"),
      ConnectionRecord(
        time: t, sourceIP: "10.0.0.1", destinationIP: "8.8.8.8", sourcePort: 8, protocol: "icmp"),
      ConnectionRecord(
        time: t, sourceIP: "fd00::1", destinationIP: "2001:4860::8888", sourcePort: 1,
        protocol: "icmp"),
      ConnectionRecord(
        time: t, sourceIP: "fd00::1", destinationIP: "2001:4860::8888", sourcePort: 128,
        protocol: "icmp6"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "224.0.0.251"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "169.254.1.1"),
      ConnectionRecord(time: t, sourceIP: "fe80::1", destinationIP: "ff02::fb"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "255.255.255.255"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "10.0.0.2"),
    ]
    var p = PeriodicityParameters()
    p.anyDirection = true
    let r = PeriodicityPrepare.apply(
      rows, vendor: nil, window: .dataSpan, context: try .init(p), parameters: p)
    #expect(r.icmpErrors == 3 && r.noiseDestinations == 4)
    #expect(r.rows.map(\.destinationIP) == ["8.8.8.8", "2001:4860::8888", "10.0.0.2"])
  }

  @Test func rowsOutsideTheHuntedDayOrTheDataSpanSetNothing() throws {
    let day = CivilDate(year: 2024, month: 3, day: 5)!
    let noon = Int64(day.daysSinceEpoch) * 86_400 + 43_200
    let rows = [
      ConnectionRecord(time: Timestamp(seconds: 0), sourceIP: "10.0.0.1", destinationIP: "8.8.8.8"),
      ConnectionRecord(
        time: Timestamp(seconds: noon), sourceIP: "10.0.0.1", destinationIP: "8.8.8.8"),
      ConnectionRecord(
        time: Timestamp(seconds: noon + 86_400), sourceIP: "10.0.0.1", destinationIP: "8.8.8.8"),
      ConnectionRecord(
        time: Timestamp(seconds: 253_402_300_000), sourceIP: "10.0.0.1", destinationIP: "8.8.8.8"),
    ]
    let p = PeriodicityParameters()
    let hunted = PeriodicityPrepare.apply(
      rows, vendor: nil, window: .day(day), context: try .init(p), parameters: p)
    #expect(hunted.rows.count == 1 && hunted.outsideWindow == 3)
    #expect(hunted.outsideExample == 0)
    let span = PeriodicityPrepare.apply(
      rows, vendor: nil, window: .dataSpan, context: try .init(p), parameters: p)
    #expect(span.rows.count == 2 && span.outsideWindow == 2)
    #expect(span.window.firstDay == Int64(day.daysSinceEpoch) && !span.window.looksRelative)
  }
}
