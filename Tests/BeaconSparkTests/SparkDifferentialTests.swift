import BeaconCore
import BeaconEngine
import BeaconExport
import BeaconNotebook
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconSpark

/// The same hunts on the native engine and on a real Spark, with identical results required.
@Suite(
  .serialized,
  .enabled(if: SparkTest.enabled, "set SPARK_REMOTE=sc://127.0.0.1:15002 (see .ci/run)"))
struct SparkDifferentialTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var seed: UInt64
    var hosts = 30
    var rows = 8_000
    var hourly = false
    var overflow = 0
    var corrupt = 0
    var vendor: String? = nil
    var thresholds = NotebookThresholds()
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "defaults", seed: 21),
    Case(
      name: "Fortinet only, hourly files with overflow, bad lines", seed: 22, hourly: true,
      overflow: 30, corrupt: 12, vendor: "Fortinet"),
    Case(
      name: "permissive thresholds: many findings, IPv6, ICMP without ports",
      seed: 23,
      thresholds: NotebookThresholds(
        dailyEventCount: 5, degreeOfSourceIP: 40, timeDelta: 1, percentBeacon: 20)),
  ]

  @Test(arguments: cases)
  func simulatedExports(_ c: Case) async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    var config = SimulationConfig()
    config.seed = c.seed
    config.hosts = c.hosts
    config.rowsPerDay = c.rows
    config.hourly = c.hourly
    config.maxRecordsPerFile = c.overflow
    config.corruptLines = c.corrupt
    try Simulator(config).write(to: folder)
    let spec = HuntSpec(
      input: .export(root: folder, endDate: config.endDate, lookbackDays: 0), vendor: c.vendor,
      method: .notebook, notebook: c.thresholds)
    let r = try await SparkTest.both(spec)
    #expect(r.native.findings.count > 0, "the case proves too little")
    SparkTest.expectSame(r)
  }

  static let edgeThresholds: [NotebookThresholds] = [
    NotebookThresholds(),
    NotebookThresholds(dailyEventCount: 10, degreeOfSourceIP: 25, timeDelta: 15, percentBeacon: 10),
    NotebookThresholds(dailyEventCount: 0, degreeOfSourceIP: 100, timeDelta: 0, percentBeacon: 0),
  ]

  @Test(arguments: edgeThresholds)
  func edgeCases(_ t: NotebookThresholds) async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    // Half plain, half gzip, in a folder whose name holds quotes, a backtick and a backslash.
    let dir = folder + #"/it's "odd" `x` \ {a,b} [c] * ? dir"#
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let lines = EdgeCaseData.lines
    try (lines.prefix(lines.count / 2).joined(separator: "\n") + "\n").write(
      toFile: dir + "/a.json", atomically: true, encoding: .utf8)
    try (lines.suffix(from: lines.count / 2).joined(separator: "\n") + "\n").write(
      toFile: dir + "/b.json", atomically: true, encoding: .utf8)
    let gz = Process()
    gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gz.arguments = [dir + "/b.json"]
    try gz.run()
    gz.waitUntilExit()
    #expect(gz.terminationStatus == 0)
    for vendor in [nil, EdgeCaseData.hostileVendor, "Fortinet"] {
      let r = try await SparkTest.both(
        HuntSpec(input: .paths([dir]), vendor: vendor, method: .notebook, notebook: t))
      SparkTest.expectSame(r)
      // Section 6's "" and "   " and section 7's tabs are blank; section 6's two impossible times
      // and its number-typed time (read as the text "12345"), and section 7's two impossible
      // offsets, are bad times (the same on Spark, by expectSame).
      #expect(r.native.summary.input.blankLines == 3)
      #expect(r.native.summary.input.skipped[.badTime] == 5)
      if vendor == EdgeCaseData.hostileVendor, t == NotebookThresholds() {
        // The hostile vendor's 102-row beacon just passes; it arrived intact through the parameters.
        let f = try #require(r.spark.findings.notebook)
        #expect(f.map(\.deviceVendor) == [EdgeCaseData.hostileVendor])
      }
    }
  }
}

extension SparkDifferentialTests {
  /// A byte-order mark, a NUL byte, a line over the limit, CRLF and CR-only line ends: skipped and
  /// counted by the same rules on both engines.
  @Test func hostileLinesAreCountedAlikeOnBothEngines() async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    let beacon = (0..<200).map { k in
      let s = k * 60
      let time = String(format: "2021-11-01T%02d:%02d:%02d.5Z", s / 3600, s / 60 % 60, s % 60)
      return
        #"{"TimeGenerated":"\#(time)","SourceIP":"10.0.0.5","DestinationIP":"203.0.113.50","SourcePort":50000,"DestinationPort":443,"Protocol":"TCP","ReceivedBytes":1,"SentBytes":2,"DeviceVendor":"Fortinet"}"#
    }
    var a: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(beacon[0..<100].joined(separator: "\r\n").utf8)
    a += Array("\r\n".utf8)
    var nul = Array(beacon[0].utf8)
    nul.insert(0, at: 30)
    a += nul + [0x0A]
    a +=
      Array(#"{"TimeGenerated":"2021-11-01T00:00:00Z","Message":""#.utf8)
      + [UInt8](repeating: 0x61, count: 5000) + Array("\"}\n".utf8)
    try Data(a).write(to: URL(fileURLWithPath: folder + "/a.json"))
    let b = Array(beacon[100...].joined(separator: "\r").utf8) + [0x0D]
    try Data(b).write(to: URL(fileURLWithPath: folder + "/b.json"))
    var spec = HuntSpec(input: .paths([folder]), method: .notebook)
    spec.limits.maxLineBytes = 4096
    let r = try await SparkTest.both(spec)
    SparkTest.expectSame(r)
    #expect(r.native.summary.input.rows == 200)
    #expect(r.native.summary.input.skipped == [.nulBytes: 1, .tooLong: 1])
    spec.method = .periodicity
    spec.periodicity.anyDirection = true
    let p = try await SparkTest.both(spec)
    SparkTest.expectSame(p)
    #expect(p.native.findings.count == 1)
  }
}

extension NotebookThresholds: CustomTestStringConvertible {
  public var testDescription: String {
    "daily \(dailyEventCountThreshold), degree \(degreeOfSourceIPThreshold), delta \(timeDeltaThreshold), percent \(percentBeaconThreshold)"
  }
}

@Suite(
  .serialized,
  .enabled(if: SparkTest.enabled, "set SPARK_REMOTE=sc://127.0.0.1:15002 (see .ci/run)"))
struct SparkOutputTests {
  @Test func findingsAreAlsoWrittenOnTheClusterAndNothingIsReplacedUnasked() async throws {
    let scratch = TempFolder()
    let folder = scratch.path
    var config = SimulationConfig()
    config.seed = 31
    config.rowsPerDay = 6_000
    config.hosts = 20
    try Simulator(config).write(to: folder + "/export")
    let spec = HuntSpec(
      input: .export(root: folder + "/export", endDate: config.endDate, lookbackDays: 0),
      method: .notebook)
    var engine = SparkEngine(remote: try SparkTest.remote())
    engine.clusterOutput = folder + "/findings"
    let result = try await engine.run(spec, progress: NoProgress())
    let parts = try FileManager.default.contentsOfDirectory(atPath: folder + "/findings").filter {
      $0.hasSuffix(".json")
    }
    #expect(parts.count == 1)  // coalesce(1): one file, like the notebook's export
    let text = try String(contentsOfFile: folder + "/findings/" + parts[0], encoding: .utf8)
    let rows = text.split(separator: "\n").map {
      try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    #expect(rows.count == result.findings.count && rows.count > 0)
    #expect(
      rows.first?["SourceIP"] as? String != nil && rows.first?["Timedeltalist"] as? [Int] != nil)
    // A second run may not replace it unasked, and may with force.
    await #expect(throws: SparkError.self) { try await engine.run(spec, progress: NoProgress()) }
    engine.force = true
    _ = try await engine.run(spec, progress: NoProgress())
  }
}
