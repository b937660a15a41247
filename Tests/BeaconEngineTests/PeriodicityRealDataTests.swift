import BeaconCore
import BeaconEngine
import BeaconEvaluate
import BeaconPeriodicity
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

/// The periodicity method on the real captures in ../shared/data/real (see its README) and on a
/// labelled simulation.
@Suite struct PeriodicityRealDataTests {
  static let real = SharedData.realCaptures

  func hunt(_ path: String, _ configure: (inout PeriodicityParameters) -> Void = { _ in }) throws
    -> [PeriodicityFinding]
  {
    var spec = HuntSpec(input: .paths([Self.real + "/" + path]), method: .periodicity)
    configure(&spec.periodicity)
    return try #require(try NativeEngine().runSynchronously(spec).findings.periodicity)
  }

  @Test func ritaProxyBeaconIsFoundWhenInternalDestinationsAreAllowed() throws {
    #expect(try hunt("rita-proxy/conn.log").isEmpty)  // internal → internal: not external traffic
    let f = try hunt("rita-proxy/conn.log") { $0.anyDirection = true }
    let proxy = try #require(
      f.first {
        $0.sourceIP == "10.136.0.18" && $0.destinationIP == "10.136.0.16"
          && $0.destinationPort == 3128
      })
    #expect(proxy.kind == .beacon && (200...300).contains(proxy.period) && proxy.jitter < 0.5)
  }

  /// The whole capture folder: its http.log names the CONNECT target, so the beacon is reported
  /// by name at default settings, with the proxy as the hop (RITA's own test expects about 357
  /// connections at 0.98).
  @Test func ritaProxyBeaconIsReportedByNameThroughTheProxy() throws {
    let f = try hunt("rita-proxy")
    let c2 = try #require(f.first { $0.destinationHostName == "www.honestimnotevil.com" })
    #expect(c2.sourceIP == "10.136.0.18" && c2.destinationIP == "10.136.0.16")
    #expect(c2.destinationIPs == ["10.136.0.16"] && c2.destinationIPCount == 1)
    #expect(c2.destinationPort == 443)  // CONNECT's target port; the proxy listens on 3128
    #expect(c2.kind == .beacon && c2.connections == 397 && c2.score >= 0.9)
    #expect(abs(c2.period - 249) < 5)
    // The ten CONNECTs to www.google.com are a flow of their own, and too few to report.
    #expect(!f.contains { $0.destinationHostName == "www.google.com" })
    #expect(f.count == 1)
  }

  @Test func remcosReconnectsAreAStrobe() throws {
    let f = try hunt("slips-test18-remcos/zeek-labeled/conn.log.labeled")
    let remcos = try #require(
      f.first { $0.destinationIP == "66.63.168.35" && $0.destinationPort == 5888 })
    #expect(remcos.kind == .strobe && remcos.sourceIP == "192.168.1.107")
  }

  /// Benign Windows PCs (their network is 147.32.0.0/16): a handful of findings, all of them the
  /// update and telemetry check-ins the dataset documents (ESET on 8883, Microsoft and Dropbox on 443).
  @Test(arguments: ["strato-008-normal40/conn.log.labeled", "strato-010-normal42/conn.log.labeled"])
  func benignPCsYieldAHandfulOfExplainableFindings(path: String) throws {
    let f = try hunt(path) { $0.internalNetworks = ["147.32.0.0/16"] }
    #expect(f.count <= 10)
    for finding in f {
      let p = finding.destinationPort
      #expect(p == 443 || p == 8883, "\(finding.destinationIP):\(p.map(String.init) ?? "-")")
      #expect(finding.period > 250, "every benign one checks in every 5 minutes or slower")
    }
  }

  @Test func slipsCaptureOneIsAPeriodicSeries() throws {
    let f = try hunt("slips-test-cc/test-cc-capture-1.conn-starts.csv") { $0.anyDirection = true }
    let cc = try #require(f.first { $0.destinationIP == "141.193.213.21" })
    #expect(cc.kind == .beacon && abs(cc.period - 2.2) < 0.1 && cc.connections == 297)
  }

  /// The capstone lab's C2 connection starts (no addresses in the data: each capture gets a
  /// made-up pair): Empire, PoshC2, Merlin and Sliver's beacon mode are beacons; Covenant keeps
  /// one long connection and is invisible to connection-log methods.
  @Test(arguments: [
    ("empire_beaconing_0.csv", 5.0), ("posh_beaconing_0.csv", 5.0),
    ("merlin_beaconing_0.csv", 31.6),
    ("sliver_beaconing_1.csv", 75.0), ("covenant_beaconing_2.csv", 0),
  ])
  func capstoneC2FrameworksAreBeacons(capture: String, period: Double) throws {
    let csv = try RealCaptures.capstoneCSV(folder: Self.real, capture: capture)
    let scratch = TempFolder()
    let path = scratch.write("capstone.csv", csv)
    var spec = HuntSpec(input: .paths([path]), method: .periodicity)
    spec.periodicity.anyDirection = true
    let f = try #require(try NativeEngine().runSynchronously(spec).findings.periodicity)
    if period == 0 {
      #expect(f.isEmpty)
    } else {
      let beacon = try #require(f.first)
      #expect(
        beacon.kind == .beacon && abs(beacon.period - period) / period < 0.15, "\(beacon.reason)")
    }
  }

  @Test func everyLabelledBeaconOfTheDemoIsFoundAndNothingElse() throws {
    let scratch = TempFolder()
    let folder = scratch.path("beaconhunt-periodicity")
    var config = SimulationConfig()
    config.seed = 7
    config.hosts = 40
    config.rowsPerDay = 40_000
    let truth = try Simulator(config).write(to: folder)
    var spec = HuntSpec(
      input: .export(root: folder, endDate: config.endDate, lookbackDays: 0), method: .periodicity)
    spec.periodicity = PeriodicityParameters()
    let f = try #require(try NativeEngine().runSynchronously(spec).findings.periodicity)
    let found = Set(f.map { "\($0.sourceIP)>\($0.destinationIP)" })
    let labelled = Set(truth.beacons.map { "\($0.sourceIP)>\($0.destinationIP)" })
    #expect(found == labelled)
  }
}
