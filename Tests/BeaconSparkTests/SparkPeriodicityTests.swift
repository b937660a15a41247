import BeaconArrow
import BeaconCore
import BeaconEngine
import BeaconLoad
import BeaconNet
import BeaconPeriodicity
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconSpark

/// The periodicity method on a real Spark against the native engine: the same flows, scores and
/// reasons (byte-identical output in every format), the same steps and counts.
@Suite(
  .serialized,
  .enabled(if: SparkTest.enabled, "set SPARK_REMOTE=sc://127.0.0.1:15002 (see .ci/run)"))
struct SparkPeriodicityTests {
  /// Address texts both parsers must agree on, valid and not, several of them hostile.
  static let addressTexts = [
    "10.0.0.1", "8.8.8.8", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3.04", "01.2.3.4",
    "1.2.3", "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "1.2.3.4\u{301}", "١.٢.٣.٤",
    "1.2.3.-4", "+1.2.3.4", "::", "::1", "1::", "::ffff:1.2.3.4", "::ffff:10.1.2.3",
    "::FFFF:8.8.8.8", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "2001:db8:0:0:0:0:0:0:1",
    "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", ":::",
    "1::2::3", "1:::2", "12345::", "g::1", "fe80::1%eth0", "fe80::1%", "fe80::1%é",
    "fe80::1%e\u{301}", "1.2.3.4%x:y", "%:", "::1.2.3.4", "1::1.2.3.4", "1.2.3.4::",
    "::1.2.3.4:5", "::ffff:1.2.3.256", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "[::1]",
    "8.8.8.8:53", "fc00::1", "fd12:3456::1", "100.64.0.1", "100.128.0.1", "192.0.2.1",
    "224.0.0.1", "ff02::1", "64:ff9b:1::1", "2001:4860:4860::8888", "x", "",
    "0000:0000:0000:0000:0000:ffff:255.255.255.255",
    "0000:0000:0000:0000:0000:ffff:255.255.255.2555",
    "8.8.4.4", "2001:db8:1::ab", "'; DROP TABLE x; --", "::%", ":", "1:2",
  ]

  @Test func addressesParseAndClassifyAsOnTheNativeEngine() async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    let lines = try Self.addressTexts.map {
      EdgeCaseData.line(EdgeCaseData.time(1), src: try EdgeCaseData.jsonEscaped($0), dst: "8.8.8.8")
    }
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: folder + "/a.json", atomically: true, encoding: .utf8)
    let allow = ["8.8.4.0/24", "2001:db8:1::/48"].map { IPNetwork($0)! }
    let internalNetworks = AddressClassifier.defaultInternal.map { IPNetwork($0)! }
    let sql =
      "WITH "
      + [
        LoadSQL.rowsCTE,
        PeriodicityPrepare.SQL.networksCTE(internal: internalNetworks, allow: allow),
        PeriodicityPrepare.SQL.vendorCTE(rows: "bh_rows", prefix: "bh_p"),
        PeriodicityPrepare.SQL.addressesCTE(of: ["bh_pvendor"]),
      ].joined(separator: ",\n")
      + "\nSELECT c.ip, c.valid, a.w0, a.w1, a.w2, a.w3, c.internal, c.special, c.allowed FROM bh_ip_class c JOIN bh_ip a ON c.ip = a.ip"
    let table = try await SparkTest.query(sql, lines: [folder + "/a.json"])
    var seen: [ExactString: [ArrowValue]] = [:]
    for r in table.rows { if case .string(let ip) = r[0] { seen[ExactString(ip)] = r } }
    let classifier = AddressClassifier(internal: internalNetworks)
    let allowSet = NetworkSet(allow)
    for text in Self.addressTexts + ["8.8.8.8"] {
      let row = try #require(
        seen[ExactString(text)], "\(text.debugDescription) did not reach Spark")
      let native = IPAddress(text)
      #expect(row[1] == .bool(native != nil), "valid: \(text.debugDescription)")
      guard let a = native else { continue }
      let words = [a.high >> 32, a.high & 0xFFFF_FFFF, a.low >> 32, a.low & 0xFFFF_FFFF].map {
        ArrowValue.int(Int64($0))
      }
      #expect(Array(row[2...5]) == words, "words: \(text.debugDescription)")
      let c = classifier.classify(a)
      #expect(
        Array(row[6...8])
          == [
            .bool(c == .internal), .bool(SpecialPurpose.contains(a)), .bool(allowSet.contains(a)),
          ],
        "class: \(text.debugDescription)")
    }
  }
}

extension SparkPeriodicityTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var seed: UInt64
    var days = 3
    var lookback = 2
    var hourly = false
    var overflow = 0
    var corrupt = 0
    var vendor: String? = nil
    var internalNetworks: [String]? = nil
    var popular = PeriodicityParameters().popularDestination
    var allowFirstBeacon = false
    /// Every labelled beacon must be found (the evaluation's floor, on Spark).
    var expectAllLabelled = false
    /// The failure modes of real traffic: retried opens, a C2 on a browsed address, a session,
    /// a campaign, and stray rows from 1970 and 2200.
    var failureModes = false
    var testDescription: String { name }
  }

  static var failureModeBeacons: [BeaconScenario] {
    var retried = BeaconScenario(name: "retried-23s", period: 23, jitter: 0.1)
    retried.retries = 2
    var cdn = BeaconScenario(name: "cdn-300s", period: 300, jitter: 0.2)
    cdn.behindPopularAddress = true
    var session = BeaconScenario(name: "session-60s", period: 60, jitter: 0.3, host: .busy)
    session.activeFrom = 36_000
    session.activeUntil = 36_000 + 3 * 3600
    let campaign = (0..<3).map { k -> BeaconScenario in
      var b = BeaconScenario(name: "campaign-\(k)", period: 120, jitter: 0.2)
      b.campaign = "c2"
      return b
    }
    // Twelve check-ins a day: found only over the lookback (history rows on Spark, summaries here).
    let slow = BeaconScenario(name: "slow-2h", period: 7200, jitter: 0.2)
    // Eight a day, fewer than a flow needs (`minConnections`): a candidate only because the
    // history has a series for it, which on Spark reaches the day's rows as a marker row.
    let slower = BeaconScenario(name: "slow-3h", period: 10_800, jitter: 0.1)
    var proxied = BeaconScenario(name: "proxied-300s", period: 300, jitter: 0.2, host: .busy)
    proxied.viaProxy = true
    return [retried, cdn, session, slow, slower, proxied] + campaign
  }

  static let cases: [Case] = [
    Case(name: "defaults, two history days", seed: 41, expectAllLabelled: true),
    Case(
      name:
        "Fortinet only, hourly files with overflow, bad lines, --internal, --allow, lower popularity",
      seed: 42, days: 2, lookback: 3, hourly: true, overflow: 40, corrupt: 10, vendor: "Fortinet",
      internalNetworks: ["10.0.0.0/8", "192.168.0.0/16"], popular: 4, allowFirstBeacon: true),
    Case(
      name: "real-traffic failure modes, one history day", seed: 43, days: 2, lookback: 1,
      expectAllLabelled: true, failureModes: true),
  ]

  @Test(arguments: cases)
  func simulatedExports(_ c: Case) async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    var config = SimulationConfig()
    config.seed = c.seed
    config.days = c.days
    config.hosts = 30
    config.rowsPerDay = 6_000
    config.hourly = c.hourly
    config.maxRecordsPerFile = c.overflow
    config.corruptLines = c.corrupt
    if c.failureModes {
      config.beacons = Self.failureModeBeacons
      config.strayTimestamps = true
    }
    let truth = try Simulator(config).write(to: folder + "/export")
    var spec = HuntSpec(
      input: .export(root: folder + "/export", endDate: config.endDate, lookbackDays: c.lookback),
      vendor: c.vendor, method: .periodicity)
    spec.periodicity.internalNetworks = c.internalNetworks
    spec.periodicity.popularDestination = c.popular
    if c.allowFirstBeacon, let b = truth.beacons.first {
      // An address, a name nothing uses, and every CDN front's names (the browsing to them).
      try "# cleared\n\(b.destinationIP)\nexample.com\n*.cdn-edge.net\n".write(
        toFile: folder + "/allow.txt", atomically: true, encoding: .utf8)
      spec.periodicity.allowFiles = [folder + "/allow.txt"]
    }
    let r = try await SparkTest.both(spec)
    #expect((r.native.findings.periodicity?.count ?? 0) > 0, "the case proves too little")
    SparkTest.expectSame(r)
    let found = Set((r.spark.findings.periodicity ?? []).map(\.pairKey))
    if c.expectAllLabelled {
      // Exact, Cobalt Strike and Sliver jitter, 5 s, busy hosts, missed beats, a C2 on a CDN
      // front and one through the proxy: all found on Spark, by name.
      for b in truth.beacons {
        #expect(b.destinationHostName != nil, "\(b.scenario.name) has a name")
        #expect(found.contains(b.pairKey), "\(b.scenario.name)")
      }
    }
    if c.allowFirstBeacon, let b = truth.beacons.first {
      #expect(!found.contains(b.pairKey), "allowlisted")
      let steps = r.spark.summary.steps.first { $0.step == "allowlist" }?.detail ?? ""
      #expect(steps.contains("2 host names ("), "\(steps)")
      #expect(!steps.contains("(0 rows)"), "the suffix entry dropped browsing: \(steps)")
    }
  }

  @Test func edgeCases() async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    try (PeriodicityEdgeData.lines.joined(separator: "\n") + "\n").write(
      toFile: folder + "/edge.json", atomically: true, encoding: .utf8)
    try "8.8.4.0/24\n*:4444\nudp/5353\n443/tcp\n".write(
      toFile: folder + "/allow.txt", atomically: true, encoding: .utf8)
    var permissive = PeriodicityParameters()
    permissive.anyDirection = true
    permissive.minConnections = 5
    permissive.minScore = 0.3
    var strict = PeriodicityParameters()
    strict.allowFiles = [folder + "/allow.txt"]
    for (p, vendor) in [(permissive, nil), (strict, nil), (permissive, EdgeCaseData.hostileVendor)]
    {
      var spec = HuntSpec(input: .paths([folder]), vendor: vendor, method: .periodicity)
      spec.periodicity = p
      let r = try await SparkTest.both(spec)
      SparkTest.expectSame(r)
      let kinds = Set((r.native.findings.periodicity ?? []).map(\.kind))
      if vendor == nil, p.anyDirection {
        #expect(kinds == [.beacon, .strobe], "the edge data holds beacons and a strobe")
        let steps = Dictionary(
          r.spark.summary.steps.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(steps["time window"]?.detail?.contains("2 rows outside it") == true)
        #expect(steps["noise"]?.detail?.hasPrefix("30 ICMP error replies, 60 to") == true)
        #expect(
          steps["host names"]?.detail?.contains(
            "40 through a proxy; 40 rows with an unusable name") == true,
          "\(steps["host names"]?.detail ?? "")")
        let named = (r.spark.findings.periodicity ?? []).filter { $0.destinationHostName != nil }
        #expect(
          Set(named.map(\.destinationKey)) == ["c2.proxied.example", "cdn.named.example"],
          "\(named.map(\.pairKey))")
        #expect(named.contains { $0.destinationIPs == ["45.33.32.9", "45.33.32.90"] })
        // The byte sums of one flow overflow 64 bits: null on both engines.
        #expect(r.spark.findings.periodicity?.contains { $0.totalSentBytes == nil } == true)
      } else if vendor == nil {
        let steps = Dictionary(
          r.spark.summary.steps.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(steps["popular behaviour"].map { $0.rows == 12 } == true)
        #expect(kinds.contains(.burst), "the operator's session is a burst at the default score")
        #expect(steps["allowlist"]?.detail?.contains("1 networks, 3 ports") == true)
      }
    }
  }

  @Test func refusesWhatItCannotDoOnSpark() async throws {
    var spec = HuntSpec(input: .paths(["/nonexistent"]), method: .periodicity)
    var engine = SparkEngine(remote: try SparkRemote(parsing: "sc://127.0.0.1:1"))
    // Nothing listens on port 1: each refusal must come before any connection is tried.
    func refusal() async -> SparkError? {
      do {
        _ = try await engine.run(spec, progress: NoProgress())
        return nil
      } catch { return error as? SparkError }
    }
    spec.periodicity.cacheFolder = "/tmp/cache"
    #expect(await refusal() == .unsupported(.cache))
    spec.periodicity.cacheFolder = nil
    engine.clusterOutput = "/tmp/out"
    #expect(await refusal() == .unsupported(.periodicityClusterOutput))
    engine.clusterOutput = nil
    spec.inputFormat = .zeek
    #expect(await refusal() == .unsupported(.inputFormat(.zeek)))
  }
}

/// Rows that exercise the periodicity method's rules on both engines: sessions of several
/// connections, millisecond jitter, missed beats, ties in time, a strobe, null ports and sizes,
/// byte sums that overflow, IPv6, invalid addresses and a hostile vendor.
enum PeriodicityEdgeData {
  static var lines: [String] {
    typealias E = EdgeCaseData
    var out: [String] = []
    var state: UInt64 = 0x9E37_79B9
    func noise() -> Double {  // deterministic, in [-1, 1)
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 52) - 1
    }
    // A 30 s beacon, ±20 %, each check-in two connections 0.2 s apart, times to the millisecond.
    for k in 0..<60 {
      let t = Double(k) * 30 + noise() * 6 + 100
      out.append(E.line(E.time(t, digits: 3), src: "10.0.0.7", dst: "45.33.32.156", sent: "512"))
      out.append(
        E.line(E.time(t + 0.2, digits: 3), src: "10.0.0.7", dst: "45.33.32.156", sent: "512"))
    }
    // A 5 min beacon with every fourth beat missed, and two connections at the same instant.
    for k in 0..<48 where k % 4 != 3 {
      out.append(E.line(E.time(Double(k) * 300 + 7), src: "10.0.0.8", dst: "93.184.216.34"))
    }
    out.append(E.line(E.time(7), src: "10.0.0.8", dst: "93.184.216.34", sent: "90"))
    // A strobe: 300 connections 0.25 s apart.
    for k in 0..<300 {
      out.append(
        E.line(E.time(Double(k) * 0.25 + 900), src: "10.0.0.9", dst: "45.33.32.1", dport: "4444"))
    }
    // Byte sums that overflow, no ports or protocol, sizes mostly missing.
    for k in 0..<20 {
      out.append(
        E.line(
          E.time(Double(k) * 60 + 11), src: "10.0.0.10", dst: "45.33.32.2", dport: nil, proto: nil,
          sent: k < 3 ? "9000000000000000000" : nil))
    }
    // IPv6 and IPv4-mapped text, and the hostile vendor's own beacon.
    let vendor = "\"" + (try! E.jsonEscaped(E.hostileVendor)) + "\""
    for k in 0..<25 {
      out.append(E.line(E.time(Double(k) * 120 + 3), src: "fd00::5", dst: "2001:4860:4860::8888"))
      out.append(E.line(E.time(Double(k) * 120 + 5), src: "10.0.0.11", dst: "::ffff:8.8.4.4"))
      out.append(
        E.line(E.time(Double(k) * 90 + 1), src: "10.0.0.12", dst: "45.33.32.3", vendor: vendor))
    }
    // A 23 s beacon whose opens go unanswered: each retried from its source port after 3 and 9 s.
    for k in 0..<80 {
      let t = Double(k) * 23 + noise() * 0.5 + 2000
      for g in [0.0, 3, 9] {
        out.append(
          E.line(
            E.time(t + g, digits: 3), src: "10.0.0.13", dst: "45.33.32.4", sport: "\(40000 + k)",
            sent: "0", recv: "0"))
      }
    }
    // An operator's session: 60 s ±30 % for three hours, new ports, in a day-long window.
    for k in 0..<180 {
      let t = Double(k) * 60 + noise() * 18 + 30_000
      out.append(
        E.line(
          E.time(t, digits: 3), src: "10.0.0.14", dst: "45.33.32.5", sport: "\(41000 + k)",
          dport: "8080"))
    }
    out.append(E.line(E.time(86_000), src: "10.0.0.14", dst: "45.33.32.6"))
    // Twelve hosts poll one service every 120 s: popular behaviour, scored half.
    for h in 0..<12 {
      for k in 0..<40 {
        out.append(
          E.line(
            E.time(Double(k) * 120 + Double(h) * 7 + 500), src: "10.0.1.\(h + 1)",
            dst: "45.33.32.7",
            sport: "\(42000 + k)", dport: "8443", sent: "300"))
      }
    }
    // ICMP errors (Zeek writes the type as the source port), and link-local or multicast noise.
    for k in 0..<30 {
      let t = Double(k) * 60 + 40
      out.append(
        E.line(
          E.time(t), src: "10.0.0.15", dst: "45.33.32.8", sport: k % 2 == 0 ? "3" : "11",
          dport: "1", proto: #""ICMP""#))
      out.append(
        E.line(
          E.time(t), src: "10.0.0.15", dst: "224.0.0.251", sport: "5353", dport: "5353",
          proto: #""UDP""#))
      out.append(
        E.line(E.time(t + 1), src: "10.0.0.15", dst: "169.254.10.10", sport: "\(43000 + k)"))
    }
    // A broken clock: rows from 1970 and 2200 set nothing.
    out.append(E.line(#""1970-01-01T00:00:05Z""#, src: "10.0.0.7", dst: "45.33.32.156"))
    out.append(E.line(#""2200-01-01T00:00:00Z""#, src: "10.0.0.8", dst: "93.184.216.34"))
    // Invalid addresses: counted, with the least one as the example.
    for bad in ["not-an-ip", "1.2.3.256", "", "fe80::1%"] {
      out.append(E.line(E.time(50), src: try! E.jsonEscaped(bad), dst: "45.33.32.156"))
    }
    out.append(E.line(E.time(51), src: nil, dst: "45.33.32.156"))
    // Names: a 2 min beacon through the internal proxy (a CONNECT and a URL by turns), one on a
    // name served by two addresses, and rows whose names are unusable (kept by address).
    for k in 0..<40 {
      let t = Double(k) * 120 + noise() * 10 + 50
      let request = k % 2 == 0 ? "c2.Proxied.example:443" : "https://c2.proxied.example/p?\(k)"
      out.append(
        E.line(
          E.time(t), src: "10.0.0.20", dst: "10.0.0.8", dport: "8080",
          extra: #""RequestURL":"\#(request)""#))
      out.append(
        E.line(
          E.time(t + 7), src: "10.0.0.21", dst: k % 3 == 0 ? "45.33.32.90" : "45.33.32.9",
          extra: #""DestinationHostName":"cdn.named.example.""#))
      let bad = [#"evil\u001b[2J.example"#, "a..b", "x y"][k % 3]
      out.append(
        E.line(
          E.time(t + 30), src: "10.0.0.22", dst: "45.33.32.77",
          extra: #""DestinationHostName":"\#(bad)""#))
    }
    return out
  }
}
