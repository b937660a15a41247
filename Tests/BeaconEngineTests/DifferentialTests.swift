import BeaconCore
import BeaconEngine
import BeaconExport
import BeaconLoad
import BeaconNotebook
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

/// Holds the native engine to an independent reading of the spec: `Tests/Reference/notebook_reference.py`
/// (Python's own JSON parser, every step written out plainly) must produce byte-identical JSON lines
/// on simulated exports. Python 3 is part of the test environment; its absence fails these tests.
@Suite(.serialized) struct DifferentialTests {
  static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Reference/notebook_reference.py").path

  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var seed: UInt64
    var hosts = 40
    var rows = 12_000
    var hourly = false
    var overflow = 0
    var corrupt = 0
    var vendor: String? = nil
    var thresholds = NotebookThresholds()
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "defaults", seed: 1),
    Case(name: "Fortinet only", seed: 2, vendor: "Fortinet"),
    Case(
      name: "hourly files with overflow and bad lines", seed: 3, hourly: true, overflow: 40,
      corrupt: 25),
    Case(
      name: "permissive thresholds (many findings, ties, IPv6)", seed: 4, hosts: 30, rows: 8_000,
      thresholds: NotebookThresholds(
        dailyEventCount: 5, degreeOfSourceIP: 40, timeDelta: 1, percentBeacon: 20)),
    Case(
      name: "just passing and just failing", seed: 5,
      thresholds: NotebookThresholds(
        dailyEventCount: 286, degreeOfSourceIP: 2, timeDelta: 59, percentBeacon: 99.9)),
  ]

  @Test(arguments: cases)
  func nativeMatchesTheReference(_ c: Case) throws {
    let scratch = TempFolder()
    let folder = scratch.path("beaconhunt-diff")
    var config = SimulationConfig()
    config.seed = c.seed
    config.hosts = c.hosts
    config.rowsPerDay = c.rows
    config.hourly = c.hourly
    config.maxRecordsPerFile = c.overflow
    config.corruptLines = c.corrupt
    let truth = try Simulator(config).write(to: folder)

    let spec = HuntSpec(
      input: .export(root: folder, endDate: config.endDate, lookbackDays: 0), vendor: c.vendor,
      method: .notebook, notebook: c.thresholds)
    let result = try NativeEngine().runSynchronously(spec)
    let native = OutputFormat.jsonl.render(result.findings)
    #expect(result.summary.input.skippedLines == truth.corruptLines)
    #expect(result.summary.input.rows == truth.rows)  // every simulated row loads; the corrupt lines are extra

    let files = try InputFiles.currentDay(root: folder, endDate: config.endDate).files.sources.map(
      \.name)
    let t = c.thresholds
    var args = [Self.reference]
    if let v = c.vendor { args += ["--vendor", v] }
    args += [
      "--daily", "\(t.dailyEventCountThreshold)", "--degree", "\(t.degreeOfSourceIPThreshold)",
      "--delta", "\(t.timeDeltaThreshold)", "--percent", "\(t.percentBeaconThreshold)",
    ]
    let expected = try python(args + files)
    #expect(!expected.isEmpty, "the reference found nothing: the case proves too little")
    #expect(native == expected)
  }

  func python(_ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + args
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
  }
}

@Suite struct SimulatorTests {
  @Test func sameSeedGivesIdenticalFiles() throws {
    var config = SimulationConfig()
    config.rowsPerDay = 3_000
    config.hosts = 10
    config.days = 2
    let scratch = TempFolder()
    let a = scratch.path("a")
    let b = scratch.path("b")
    let ta = try Simulator(config).write(to: a)
    let tb = try Simulator(config).write(to: b)
    #expect(ta.beacons == tb.beacons)
    let files = InputFiles.files(under: a)
    #expect(files.count > 500)  // two days of 5-minute files plus truth.json
    for f in files.prefix(40) {
      #expect(
        FileManager.default.contents(atPath: f)
          == FileManager.default.contents(atPath: b + f.dropFirst(a.count)))
    }
    // Records are full-width, like real exports.
    let sample = try String(
      contentsOfFile: files.first { $0.hasSuffix("PT05M.json") }!, encoding: .utf8)
    let lines = sample.split(separator: "\n")
    #expect(lines.map(\.utf8.count).reduce(0, +) / lines.count > 1000)
  }

  @Test func refusesToWriteIntoAFolderWithFiles() throws {
    let scratch = TempFolder()
    let folder = scratch.path("beaconhunt-sim")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: folder + "/mine.txt", contents: Data("keep".utf8))
    #expect(throws: SimulateError.folderNotEmpty(path: folder)) {
      try Simulator(SimulationConfig()).write(to: folder)
    }
    #expect(FileManager.default.contents(atPath: folder + "/mine.txt") == Data("keep".utf8))
  }

  @Test func notebookFindsExactlyTheBeaconsItCanSee() throws {
    let scratch = TempFolder()
    let folder = scratch.path("beaconhunt-sim")
    var config = SimulationConfig()
    config.seed = 11
    config.rowsPerDay = 30_000
    let truth = try Simulator(config).write(to: folder)
    let result = try NativeEngine().runSynchronously(
      HuntSpec(
        input: .export(root: folder, endDate: config.endDate, lookbackDays: 21), method: .notebook))
    let findings = try #require(result.findings.notebook)
    let found = Set(findings.map { "\($0.sourceIP)>\($0.destinationIP)" })
    for b in truth.beacons {
      let visible =
        b.scenario.jitter == 0 && b.scenario.missedBeats == 0 && b.scenario.period > 15
        && b.scenario.host == .quiet
      if visible {
        #expect(found.contains("\(b.sourceIP)>\(b.destinationIP)"), "\(b.scenario.name)")
      }
      if b.scenario.jitter >= 0.2 || b.scenario.period <= 15 {
        #expect(!found.contains("\(b.sourceIP)>\(b.destinationIP)"), "\(b.scenario.name)")
      }
    }
  }
}
