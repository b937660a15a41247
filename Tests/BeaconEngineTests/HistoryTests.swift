import BeaconCore
import BeaconEngine
import BeaconLoad
import BeaconPeriodicity
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

/// History for the periodicity method: per-day summaries, cached, invalidated when a day changes,
/// feeding prevalence and first-seen.
@Suite struct HistoryTests {
  let end = CivilDate(iso: "2021-11-03")!

  /// An export with a 300 s beacon 10.0.0.5 → 198.51.100.77 on the last day, and on the day before
  /// it, `visitors` other internal hosts reaching the same destination a few times.
  func export(visitors: Int, in scratch: TempFolder, named name: String = "export") throws -> String
  {
    let root = scratch.path(name)
    func line(_ date: CivilDate, _ s: Int, _ src: String) -> String {
      let t = String(
        format: "%@T%02d:%02d:%02d.25Z", date.description, s / 3600, s / 60 % 60, s % 60)
      return
        #"{"TimeGenerated":"\#(t)","SourceIP":"\#(src)","DestinationIP":"198.51.100.77","SourcePort":5000,"DestinationPort":443,"Protocol":"TCP","SentBytes":400,"ReceivedBytes":300,"DeviceVendor":"Fortinet"}"#
    }
    func write(_ date: CivilDate, _ lines: [String]) throws {
      let dir = ExportLayout.dayFolder(root: root, date: date) + "/h=00/m=00"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try (lines.joined(separator: "\n") + "\n").write(
        toFile: dir + "/PT05M.json", atomically: true, encoding: .utf8)
    }
    let yesterday = end.adding(days: -1)
    // 198.51.100.0/24 is documentation space; these tests treat it as the internet via --internal.
    try write(end, (0..<288).map { line(end, $0 * 300, "10.0.0.5") })
    try write(
      yesterday,
      (0..<max(1, visitors)).flatMap { v in
        (0..<3).map { line(yesterday, 3600 * v + $0, "10.0.1.\(v + 1)") }
      })
    try write(end.adding(days: -2), [line(end.adding(days: -2), 42, "10.0.2.1")])
    return root
  }

  func hunt(_ root: String, lookback: Int, cache: String? = nil) throws -> HuntResult {
    var spec = HuntSpec(
      input: .export(root: root, endDate: end, lookbackDays: lookback), method: .periodicity)
    spec.periodicity.anyDirection = true
    spec.periodicity.cacheFolder = cache
    return try NativeEngine().runSynchronously(spec)
  }

  func findings(_ r: HuntResult) throws -> [PeriodicityFinding] {
    try #require(r.findings.periodicity)
  }

  @Test func historyRaisesPrevalenceAndSetsFirstSeen() throws {
    let scratch = TempFolder()
    let root = try export(visitors: 12, in: scratch)
    let today = try findings(try hunt(root, lookback: 0))
    #expect(today.count == 1 && today.first?.prevalence == 1)
    // Twelve more internal sources reached it yesterday, but none of them periodically: the
    // destination is popular, the behaviour is not, so the beacon is still reported.
    let browsed = try #require(try findings(try hunt(root, lookback: 2)).first)
    #expect(browsed.prevalence == 14 && browsed.periodicPeers == 1)
    #expect(browsed.score == today.first?.score)
    let quiet = try export(visitors: 1, in: scratch, named: "quiet")
    let f = try #require(try findings(try hunt(quiet, lookback: 2)).first)
    #expect(f.prevalence == 3)  // 10.0.0.5 today, 10.0.1.1 yesterday, 10.0.2.1 the day before
    #expect(f.destinationFirstSeen.description.hasPrefix(end.adding(days: -2).description))
  }

  @Test func summariesAreCachedAndInvalidatedWhenTheirDayChanges() throws {
    let scratch = TempFolder()
    let root = try export(visitors: 1, in: scratch)
    let cache = scratch.path("cache")
    func historyStep(_ r: HuntResult) -> String? {
      r.summary.steps.first { $0.step == "history days" }?.detail
    }
    let cold = try hunt(root, lookback: 2, cache: cache)
    #expect(historyStep(cold) == "2 asked: 0 from the cache, 2 summarised, 0 missing")
    let warm = try hunt(root, lookback: 2, cache: cache)
    #expect(historyStep(warm) == "2 asked: 2 from the cache, 0 summarised, 0 missing")
    #expect(try findings(warm) == findings(cold))
    // A late file lands in yesterday's folder: that day is summarised again, the other is not.
    let late = ExportLayout.dayFolder(root: root, date: end.adding(days: -1)) + "/h=00/m=05"
    try FileManager.default.createDirectory(atPath: late, withIntermediateDirectories: true)
    try "\n".write(toFile: late + "/PT05M.json", atomically: true, encoding: .utf8)
    #expect(
      historyStep(try hunt(root, lookback: 2, cache: cache))
        == "2 asked: 1 from the cache, 1 summarised, 0 missing")
    #expect(
      historyStep(try hunt(root, lookback: 5, cache: cache))
        == "5 asked: 2 from the cache, 0 summarised, 3 missing")
  }

  @Test func theCacheIsSharedByNamesOfOneRootAndADamagedFileIsMadeAgain() throws {
    let scratch = TempFolder()
    let root = try export(visitors: 3, in: scratch)
    let cache = scratch.path("cache")
    let alias = scratch.path("alias")
    func historyStep(_ r: HuntResult) -> String? {
      r.summary.steps.first { $0.step == "history days" }?.detail
    }
    let cold = try hunt(root, lookback: 2, cache: cache)
    #expect(historyStep(cold) == "2 asked: 0 from the cache, 2 summarised, 0 missing")
    // The same export through a link, or with a trailing `/.`, reads the same summaries.
    try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: root)
    for name in [alias, root + "/."] {
      let warm = try hunt(name, lookback: 2, cache: cache)
      #expect(historyStep(warm) == "2 asked: 2 from the cache, 0 summarised, 0 missing", "\(name)")
      #expect(try findings(warm) == findings(cold))
    }
    // A summary cut short (a full disk, a crash of another tool) is not trusted: that day is
    // summarised again, with the same findings, and the file is whole again.
    let files = try #require(FileManager.default.subpaths(atPath: cache)).filter {
      $0.hasSuffix(".summary")
    }.sorted()
    #expect(files.count == 2)
    let damaged = cache + "/" + files[0]
    let whole = try Data(contentsOf: URL(fileURLWithPath: damaged))
    try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: damaged))
    let again = try hunt(root, lookback: 2, cache: cache)
    #expect(historyStep(again) == "2 asked: 1 from the cache, 1 summarised, 0 missing")
    #expect(try findings(again) == findings(cold))
    #expect(try Data(contentsOf: URL(fileURLWithPath: damaged)) == whole)
  }

  @Test func aSlowBeaconIsScoredOverTheLookbackFromCachedSummaries() throws {
    // Every 4 h ±10 % for 8 days: six check-ins a day, 48 over the week before and today.
    let scratch = TempFolder()
    let root = scratch.path("export")
    let cache = scratch.path("cache")
    var config = SimulationConfig()
    config.seed = 3
    config.days = 8
    config.hosts = 20
    config.rowsPerDay = 3000
    config.beacons = [BeaconScenario(name: "slow", period: 14_400, jitter: 0.1)]
    let truth = try Simulator(config).write(to: root)
    let c2 = try #require(truth.beacons.first)
    func slow(_ lookback: Int) throws -> PeriodicityFinding? {
      var spec = HuntSpec(
        input: .export(root: root, endDate: config.endDate, lookbackDays: lookback),
        method: .periodicity)
      spec.periodicity.cacheFolder = cache
      return try findings(try NativeEngine().runSynchronously(spec)).first {
        $0.sourceIP == c2.sourceIP && $0.destinationIP == c2.destinationIP
      }
    }
    #expect(try slow(0) == nil)  // six check-ins today are too few
    let cold = try #require(try slow(7))
    #expect(cold.checkIns >= 40 && cold.connections <= 7 && abs(cold.period - 14_400) < 1500)
    #expect(cold.reason.contains("over 7.") || cold.reason.contains("over 8."), "\(cold.reason)")
    #expect(try slow(7) == cold)  // from the cache
  }
}
