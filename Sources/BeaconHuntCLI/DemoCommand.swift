import ArgumentParser
import BeaconCore
import BeaconEngine
import BeaconExport
import BeaconPipeline
import BeaconSimulate
import BeaconSpec
import Foundation

struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Simulate a small export with labelled beacons, hunt it, and show what was found.")

  @Option(help: "Keep the simulated export in this (new) folder instead of a temporary one.")
  var keep: String?

  @Option(help: "Random seed of the simulation.")
  var seed: UInt64 = 7

  @Option(
    help: ArgumentHelp(
      "Write the HTML report here (default: a new file in the temporary folder, named at the end).",
      valueName: "file.html"))
  var report: String?

  @OptionGroup(title: "Enrichment for the report (or $BEACONHUNT_GEOIP_DB, $BEACONHUNT_ASN_DB)")
  var enrich: EnrichOptions

  /// Real, routed addresses that MaxMind's GeoLite2 test databases (and the real ones) locate:
  /// London, Linköping, Milton WA, Changchun, Boxford, Thimphu, the Philippines.
  static let c2Addresses = [
    "81.2.69.160", "89.160.20.130", "216.160.83.58", "175.16.199.7", "2.125.160.218",
    "67.43.156.9", "202.196.224.11",
  ]

  func run() async throws {
    if let report { try OutputFile.check(report, force: false) }
    let enrichment = try enrich.prepare()
    let folder = keep ?? (NSTemporaryDirectory() + "beaconhunt-demo-\(UUID().uuidString)")
    defer { if keep == nil { try? FileManager.default.removeItem(atPath: folder) } }
    var config = SimulationConfig()
    config.seed = seed
    config.c2Addresses = Self.c2Addresses
    config.hosts = 40
    config.rowsPerDay = 40_000
    let truth = try Simulator(config).write(to: folder)
    print(
      "Simulated \(truth.rows) CommonSecurityLog rows for \(truth.endDate) with \(truth.beacons.count) labelled beacons."
    )
    // The default method first, then the notebook's, side by side.
    print("Hunting with the periodicity method (the default: beaconhunt hunt):\n")
    let periodic = try await NativeEngine().run(
      HuntSpec(input: .export(root: folder, endDate: config.endDate, lookbackDays: 0)),
      progress: NoProgress())
    guard case .periodicity(let pf) = periodic.findings else { return }
    print(SummaryText.render(periodic.summary))
    print("")
    let rows: [[Cell]] = pf.map {
      [
        .string($0.sourceIP), $0.destinationHostName.map(Cell.string) ?? .null,
        .string($0.destinationIP), $0.destinationPort.map { .int(Int64($0)) } ?? .null,
        .double(($0.score * 1000).rounded() / 1000), .string($0.reason),
      ]
    }
    print(
      OutputFormat.table.render(
        columns: ([
          .sourceIP, .destinationHostName, .destinationIP, .destinationPort, .score, .reason,
        ] as [FindingColumn]).map(\.name), rows: rows))
    print(
      "The same day with the notebook method (--method notebook; > 100 rows per source, < 25 sources per destination, deltas > 15 s, > 75 %):\n"
    )
    let spec = HuntSpec(
      input: .export(root: folder, endDate: config.endDate, lookbackDays: 0), method: .notebook)
    let result = try await NativeEngine().run(spec, progress: NoProgress())
    print(OutputFormat.table.render(result.findings))
    guard case .notebook(let findings) = result.findings else { return }
    print("Labelled beacons (truth.json) and which method reported them:")
    print("  notebook  periodicity")
    for b in truth.beacons {
      let byNotebook = findings.contains {
        "\($0.sourceIP)>\($0.destinationIP)" == b.addressPairKey
      }
      let byPeriodicity = pf.contains { $0.pairKey == b.pairKey }
      let s = b.scenario
      let shape =
        "every \(SummaryText.fixed(s.period, 0)) s"
        + (s.jitter > 0 ? " ±\(Int(s.jitter * 100)) % \(s.jitterKind.rawValue)" : " exactly")
        + (s.missedBeats > 0 ? ", \(Int(s.missedBeats * 100)) % missed" : "")
        + ", \(s.host.rawValue) host"
      let marks =
        (byNotebook ? "found " : "missed") + "    " + (byPeriodicity ? "found " : "missed")
      print(
        "  \(marks)       \(s.name.padding(26)) \(b.sourceIP) → \(b.destinationHostName.map { "\($0) " } ?? "")\(b.destinationIP):\(s.viaProxy == true ? "\(BeaconScenario.proxyPort) (proxy)" : "\(s.destinationPort)")  (\(shape))"
      )
    }
    let others = pf.filter { f in
      !truth.beacons.contains { $0.pairKey == f.pairKey }
    }
    print(
      "  The periodicity method reported \(others.count) other flow\(others.count == 1 ? "" : "s")."
    )
    print(
      "\nThe notebook method's misses are its known limits: jitter, intervals ≤ 15 s, and hosts that also browse."
    )
    if let keep {
      print(
        "The export is kept in \(keep); hunt it again with: beaconhunt hunt --root \(keep) --end-date \(truth.endDate) --format table"
      )
    }
    // The report of the periodicity hunt, enriched when databases or feeds are given.
    let path =
      report
      ?? (NSTemporaryDirectory() + "beaconhunt-demo-report-\(UUID().uuidString.prefix(8)).html")
    _ = try await FindingsPipeline(
      enrichment: enrichment, findings: nil, report: path, warn: Stderr.warn
    ).finish(
      FindingsTable(periodic.findings), summary: SummaryText.render(periodic.summary),
      parameters: [("demo", "simulated day, seed \(seed)"), ("method", "periodicity")])
    print(
      "\nThe HTML report (map, table, run summary) is \(path)"
        + (enrichment.isEmpty
          ? "; give --geoip-db GeoLite2-City.mmdb (or set $BEACONHUNT_GEOIP_DB) to place the destinations on its map."
          : "."))
  }
}

extension String {
  fileprivate func padding(_ w: Int) -> String {
    count >= w ? self : self + String(repeating: " ", count: w - count)
  }
}
