import ArgumentParser
import BeaconCore
import BeaconExport
import BeaconPipeline
import BeaconSpec
import Foundation

/// `beaconhunt report FINDINGS -o FILE.html`: the HTML report of findings written earlier (by
/// either engine), enriched on the way if enrichment options are given.
struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write a self-contained HTML report (map, table) of findings written earlier.")

  @Argument(help: "A findings file (JSON lines or JSON; enriched or not).")
  var findings: String

  @Option(
    name: [.short, .long], help: ArgumentHelp("The report to write.", valueName: "file.html"))
  var output: String

  @Flag(help: "Replace --output if it exists.")
  var force = false

  @Flag(name: [.short, .long], help: "Nothing on stderr.")
  var quiet = false

  @OptionGroup(title: "Enrichment") var enrich: EnrichOptions

  func run() async throws {
    try FindingsPipeline.checkOutputs([output], caches: enrich.cacheFiles, force: force)
    let plan = try enrich.prepare()
    let table = try FindingsFile.read(findings)
    let written = try await FindingsPipeline(
      enrichment: plan, findings: nil, report: output, force: force,
      log: Stderr.log(quiet: quiet), warn: Stderr.warn
    ).finish(
      FindingsTable(columns: table.columns, rows: table.rows),
      summary: "Findings read from \(findings).", parameters: [("findings", findings)])
    if written.failures > 0 { enrichmentFailed(written.failures) }
  }
}
