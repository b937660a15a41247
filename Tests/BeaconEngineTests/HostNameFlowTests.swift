import BeaconCore
import BeaconEngine
import BeaconLoad
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

/// Flows keyed by host name: a C2 on an address every host reaches is a rare *name*, a SaaS name
/// every host polls stays out, and a name's addresses are reported with it.
@Suite struct HostNameFlowTests {
  static func line(_ seconds: Double, src: String, dst: String, name: String?) -> String {
    let whole = Int(seconds)
    let time = String(
      format: "2021-11-01T%02d:%02d:%02d.%03dZ", whole / 3600, whole / 60 % 60, whole % 60,
      Int((seconds - Double(whole)) * 1000))
    let host = name.map { #","DestinationHostName":"\#($0)""# } ?? ""
    return
      #"{"TimeGenerated":"\#(time)","SourceIP":"\#(src)","DestinationIP":"\#(dst)","SourcePort":\#(40000 + whole % 20000),"DestinationPort":443,"Protocol":"TCP","SentBytes":400,"ReceivedBytes":200,"DeviceVendor":"Fortinet"\#(host)}"#
  }

  static let front = "151.101.1.69"

  /// 30 hosts poll `saas.example` on the CDN front every 5 min; one also beacons to
  /// `c2.evil.example` every minute, on the same front and on a second address.
  static func day() -> String {
    var lines: [String] = []
    for h in 1...30 {
      var t = Double(h) * 7
      while t < 86_400 {
        lines.append(line(t, src: "10.0.1.\(h)", dst: front, name: "saas.example"))
        t += 300 + Double((h * 13 + Int(t)) % 7) - 3
      }
    }
    var t = 11.0
    var k = 0
    while t < 86_400 {
      let dst = k % 3 == 0 ? "151.101.65.140" : front
      lines.append(line(t, src: "10.0.1.5", dst: dst, name: "C2.evil.example"))
      t += 60 + Double(k % 5) - 2
      k += 1
    }
    return lines.joined(separator: "\n") + "\n"
  }

  @Test func aRareNameOnAPopularAddressIsReportedAndAPopularNameIsNot() throws {
    let scratch = TempFolder()
    let folder = scratch.path
    try Self.day().write(toFile: folder + "/day.json", atomically: true, encoding: .utf8)
    let result = try NativeEngine().runSynchronously(
      HuntSpec(input: .paths([folder]), method: .periodicity))
    let findings = try #require(result.findings.periodicity)
    #expect(findings.count == 1, "\(findings.map(\.pairKey))")
    let c2 = try #require(findings.first)
    #expect(c2.destinationHostName == "c2.evil.example" && c2.sourceIP == "10.0.1.5")
    // The name's addresses: the least first, all counted; prevalence is the name's (1 host),
    // not the front's (30).
    #expect(c2.destinationIP == Self.front)
    #expect(c2.destinationIPs == [Self.front, "151.101.65.140"] && c2.destinationIPCount == 2)
    #expect(c2.prevalence == 1 && c2.periodicPeers == 1)
    // The SaaS polling is periodic from every host: popular behaviour, counted, not reported.
    let popular = try #require(result.summary.steps.first { $0.step == "popular behaviour" })
    #expect(popular.rows == 30)
    let flows = try #require(result.summary.steps.first { $0.step == "flows" })
    #expect(flows.rows == 31)  // each check-in counted once: under its name, never its address
  }

  /// A named flow's addresses are the hunted day's. A late row of the day before, first in the
  /// day's folder, makes its address the first the flow met; it is outside the window, so it is
  /// not one of the flow's addresses.
  @Test func aNamedFlowsAddressesAreTheHuntedDaysOnly() throws {
    let scratch = TempFolder()
    let end = CivilDate(iso: "2021-11-01")!
    let late =
      #"{"TimeGenerated":"2021-10-31T23:59:30.000Z","SourceIP":"10.0.1.5","DestinationIP":"151.101.193.69","SourcePort":40000,"DestinationPort":443,"Protocol":"TCP","SentBytes":400,"ReceivedBytes":200,"DeviceVendor":"Fortinet","DestinationHostName":"c2.evil.example"}"#
    let folder = ExportLayout.dayFolder(root: scratch.path, date: end) + "/h=00/m=00"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try (late + "\n" + Self.day()).write(
      toFile: folder + "/PT05M.json", atomically: true, encoding: .utf8)
    let result = try NativeEngine().runSynchronously(
      HuntSpec(input: .export(root: scratch.path, endDate: end, lookbackDays: 0)))
    let c2 = try #require(result.findings.periodicity?.first)
    #expect(c2.destinationHostName == "c2.evil.example")
    #expect(c2.destinationIPs == [Self.front, "151.101.65.140"] && c2.destinationIPCount == 2)
    let window = try #require(result.summary.steps.first { $0.step == "time window" })
    #expect(window.rows == result.summary.input.rows - 1)
  }
}
