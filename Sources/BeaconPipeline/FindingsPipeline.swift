import BeaconCore
import BeaconEnrich
import BeaconExport
import BeaconReport
import Foundation

/// Where findings are written, and in which format.
public struct FindingsDestination: Sendable {
  public var format: OutputFormat
  /// The file to write; nil writes standard output.
  public var path: String?

  public init(format: OutputFormat = .jsonl, path: String? = nil) {
    self.format = format
    self.path = path
  }
}

/// What the pipeline tells its user while it works: run summaries, enrichment, warnings, where
/// the report went. Each message is whole lines, ready for stderr.
public typealias PipelineLog = @Sendable (String) -> Void

/// The pipeline's tail: findings → enrichment → the findings file → the HTML report. The hunt
/// command runs it after a hunt; `enrich` and `report` run it on findings written earlier.
///
/// Nothing a user owns is replaced unless `force`, and only regular files ever are
/// (`OutputFile`); every output is checked, and no two may name one file, before any work.
public struct FindingsPipeline: Sendable {
  public var enrichment: EnrichmentPlan
  /// Where the findings go; nil writes none (a report only).
  public var findings: FindingsDestination?
  /// The HTML report to write, if any.
  public var report: String?
  public var reportTitle = "BeaconHunt report"
  /// Replace existing outputs (regular files only).
  public var force: Bool
  /// Messages for the user; nil is quiet.
  public var log: PipelineLog?
  /// What went wrong without failing the run (the RDAP cache not written); `log` when nil. A
  /// quiet run still wants these.
  public var warn: PipelineLog?

  public init(
    enrichment: EnrichmentPlan = .none, findings: FindingsDestination?, report: String? = nil,
    force: Bool = false, log: PipelineLog? = nil, warn: PipelineLog? = nil
  ) {
    self.enrichment = enrichment
    self.findings = findings
    self.report = report
    self.force = force
    self.log = log
    self.warn = warn
  }

  /// The files this tail writes for the user: the findings and the report.
  public var writtenFiles: [String] { [findings?.path, report].compactMap { $0 } }

  /// Checks that each of `paths` can be written (`force` to replace one) and each of `caches`
  /// can be rewritten (`OutputFile.checkCacheFile`), and that no two of them are one file.
  public static func checkOutputs(_ paths: [String], caches: [String] = [], force: Bool)
    throws(OutputError)
  {
    try OutputFile.checkDistinct(paths + caches)
    for p in paths { try OutputFile.check(p, force: force) }
    for c in caches { try OutputFile.checkCacheFile(c) }
  }

  /// Checks this tail's outputs and caches (`checkOutputs`), before a hunt reads any data.
  public func checkOutputs() throws(OutputError) {
    try Self.checkOutputs(writtenFiles, caches: enrichment.cacheFiles, force: force)
  }

  /// Enriches `table`, writes it, and writes the report with `summary` and `parameters` (the
  /// hunt's settings, shown as a table). Returns the enriched findings: a caller decides what
  /// their `failures` mean (the CLI exits 2).
  public func finish(
    _ table: FindingsTable, summary: String, parameters: [(String, String)]
  ) async throws -> EnrichedFindings {
    try checkOutputs()
    let enriched = try await enrichment.apply(table)
    if let text = enriched.summary { log?(text) }
    for w in enriched.warnings { (warn ?? log)?("beaconhunt: warning: \(TableText.visible(w))\n") }
    if let findings {
      let text = findings.format.render(columns: enriched.table.columns, rows: enriched.table.rows)
      if let path = findings.path {
        try OutputFile.write(text, to: path, force: force)
      } else {
        try OutputFile.writeStandardOutput(text)
      }
    }
    if let report {
      let html = HTMLReport.render(
        ReportInput(
          title: reportTitle, columns: enriched.table.columns, rows: enriched.table.rows,
          summary: summary, parameters: parameters,
          attributions: enrichment.enricher?.attributions ?? [],
          generatedAt: Timestamp(ticks: Int64(Date().timeIntervalSince1970 * 1e7))))
      try OutputFile.write(html, to: report, force: force)
      log?("beaconhunt: report written to \(TableText.visible(report))\n")
    }
    return enriched
  }
}
