import BeaconCore
import BeaconEngine
import BeaconEnrich
import BeaconExport
import BeaconPeriodicity
import BeaconPipeline
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Synchronization
import Testing

/// A hunt as a library user runs it: the engine, then enrichment, the findings file and the
/// report, with the same checks the CLI makes.
@Suite struct HuntPipelineTests {
  /// One host beacons every minute to an address the GeoLite2 test database places in London;
  /// 20 hosts browse at random.
  static func day() -> String {
    func line(_ s: Int, _ src: String, _ dst: String) -> String {
      let time = String(format: "2021-11-01T%02d:%02d:%02dZ", s / 3600, s / 60 % 60, s % 60)
      return
        #"{"TimeGenerated":"\#(time)","SourceIP":"\#(src)","DestinationIP":"\#(dst)","SourcePort":\#(40000 + s % 20000),"DestinationPort":443,"Protocol":"TCP","SentBytes":400,"ReceivedBytes":200,"DeviceVendor":"Fortinet"}"#
    }
    var rng = SimRandom(seed: 3)
    var lines: [String] = []
    for s in stride(from: 17, to: 86_400, by: 60) { lines.append(line(s, "10.0.0.9", c2)) }
    for h in 1...20 {
      for _ in 0..<200 {
        lines.append(line(rng.below(86_400), "10.0.1.\(h)", "198.51.100.\(1 + rng.below(199))"))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static let c2 = "81.2.69.160"
  static let cityDB = SharedData.maxMindTestDatabase("GeoLite2-City-Test.mmdb")

  final class Messages: Sendable {
    let lines = Mutex<[String]>([])
    var log: PipelineLog { { text in self.lines.withLock { $0.append(text) } } }
    var text: String { lines.withLock { $0.joined() } }
  }

  @Test func aHuntIsEnrichedWrittenAndReported() async throws {
    let scratch = TempFolder()
    let input = scratch.write("day.json", Self.day())
    let messages = Messages()
    let tail = FindingsPipeline(
      enrichment: EnrichmentPlan(enricher: try Enricher(geoIP: Self.cityDB)),
      findings: FindingsDestination(format: .csv, path: scratch.path("found.csv")),
      report: scratch.path("report.html"), log: messages.log)
    let outcome = try await HuntPipeline(engine: NativeEngine(), tail: tail).run(
      HuntSpec(input: .paths([input])), progress: NoProgress())

    let found = try #require(outcome.result.findings.periodicity)
    #expect(found.map(\.destinationIP) == [Self.c2])
    // The written table is the finding's columns, then enrichment's, and the file holds it.
    let table = outcome.written.table
    #expect(table.columns == PeriodicityFinding.columns + Enrichment.columns)
    let country = try #require(table.columns.firstIndex(of: .destinationCountry))
    #expect(table.rows.map { $0[country] } == [.string("GB")])
    #expect(outcome.written.failures == 0)
    let csv = try String(contentsOfFile: scratch.path("found.csv"), encoding: .utf8)
    #expect(csv == OutputFormat.csv.render(columns: table.columns, rows: table.rows))
    // The report names the hunt's settings and the destination.
    let html = try String(contentsOfFile: scratch.path("report.html"), encoding: .utf8)
    #expect(html.contains(Self.c2) && html.contains("internal → external"))
    // The log: the run summary, what enrichment used, where the report went.
    #expect(messages.text.contains("beaconhunt: enrichment\n  geoip"))
    #expect(messages.text.contains("report written to \(scratch.path("report.html"))"))
    #expect(messages.text.contains("findings  1:"))
    // The process's peak memory by the end of each stage, in the summary: it can only grow.
    let peaks = outcome.result.summary.peaks
    #expect(peaks.map(\.stage) == outcome.result.summary.timings.map(\.stage))
    #expect(peaks.allSatisfy { $0.bytes > 0 })
    #expect(zip(peaks, peaks.dropFirst()).allSatisfy { $0.bytes <= $1.bytes })
    #expect(messages.text.contains("  memory    peak by the end of load "))
  }

  @Test func anExistingFileStopsTheHuntBeforeItReadsAnything() async throws {
    let scratch = TempFolder()
    let mine = scratch.write("mine.jsonl", "keep me\n")
    // The input does not exist: reaching it would be a load error, not an output error.
    let tail = FindingsPipeline(
      findings: FindingsDestination(path: mine), report: scratch.path("report.html"))
    await #expect(throws: OutputError.self) {
      try await HuntPipeline(engine: NativeEngine(), tail: tail).run(
        HuntSpec(input: .paths([scratch.path("missing")])), progress: NoProgress())
    }
    #expect(try String(contentsOfFile: mine, encoding: .utf8) == "keep me\n")
    #expect(!FileManager.default.fileExists(atPath: scratch.path("report.html")))
    // Two outputs naming one file are refused as well.
    let same = FindingsPipeline(
      findings: FindingsDestination(path: scratch.path("a")), report: scratch.path("a"))
    #expect(throws: OutputError.self) { try same.checkOutputs() }
  }

  @Test func aStrictHuntWithSkippedLinesWritesNothing() async throws {
    let scratch = TempFolder()
    let input = scratch.write("day.json", Self.day() + "{\"TimeGenerated\": \"not a time\"}\n")
    let tail = FindingsPipeline(
      findings: FindingsDestination(path: scratch.path("found.jsonl")),
      report: scratch.path("report.html"))
    var spec = HuntSpec(input: .paths([input]))
    spec.strict = true
    do {
      _ = try await HuntPipeline(engine: NativeEngine(), tail: tail).run(
        spec, progress: NoProgress())
      Issue.record("a strict hunt over a skipped line wrote its findings")
    } catch PipelineError.skippedInput(let summary) {
      #expect(summary.input.skippedLines == 1)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["day.json"])
  }

  /// A local lookup that finds nothing is not a failure; an RDAP lookup that cannot be made is,
  /// on its row, and counted (the CLI exits 2 on it), while the findings are still written.
  @Test func aLookupThatFailsMarksItsRowAndIsCounted() async throws {
    let scratch = TempFolder()
    let table = FindingsTable(
      columns: [FindingColumn.sourceIP, .destinationIP].map(\.name),
      rows: [
        [.string("10.0.0.1"), .string(Self.c2)],
        [.string("10.0.0.2"), .string("<script>not an address")],
      ])
    // Port 9 (discard) on the loopback: nothing listens, so the bootstrap cannot be fetched.
    let rdap = try RDAPClient(
      bootstrap: URL(string: "http://127.0.0.1:9/")!, cachePath: nil, timeout: 2)
    let messages = Messages()
    let written = try await FindingsPipeline(
      enrichment: EnrichmentPlan(enricher: try Enricher(geoIP: Self.cityDB), rdap: rdap),
      findings: FindingsDestination(format: .jsonl, path: scratch.path("out.jsonl")),
      log: messages.log
    ).finish(table, summary: "", parameters: [])
    #expect(written.failures == 2)
    let columns = written.table.columns
    let enrichment = try #require(columns.firstIndex(of: .enrichmentError))
    let rdapError = try #require(columns.firstIndex(of: .rdapError))
    let country = try #require(columns.firstIndex(of: .destinationCountry))
    #expect(written.table.rows.map { $0[enrichment] } == [.null, .null])
    #expect(written.table.rows.map { $0[country] } == [.string("GB"), .null])
    #expect(written.table.rows[1][rdapError] == .string("not an IP"))
    #expect(written.table.rows[0][rdapError] != .null)
    let lines = try String(contentsOfFile: scratch.path("out.jsonl"), encoding: .utf8)
      .split(separator: "\n")
    #expect(lines.count == 2)
    #expect(messages.text.contains("  rdap      "))
  }
}
