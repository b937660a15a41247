import BeaconCore
import BeaconExport
import BeaconSpec

/// Why a hunt's findings were not written.
public enum PipelineError: Error, Sendable, Equatable {
  /// The spec was strict and the input had skipped lines or files; the summary says which.
  case skippedInput(RunSummary)
}

/// A whole hunt as a library call: the engine runs the spec, then the tail (`FindingsPipeline`)
/// enriches and writes the findings and the report. `beaconhunt hunt` is this with options.
public struct HuntPipeline: Sendable {
  public var engine: any HuntEngine
  public var tail: FindingsPipeline

  public init(engine: any HuntEngine, tail: FindingsPipeline) {
    self.engine = engine
    self.tail = tail
  }

  /// What a hunt produced: the engine's result and the findings as written.
  public struct Outcome: Sendable {
    public var result: HuntResult
    public var written: EnrichedFindings
  }

  /// Runs `spec`. Outputs are checked before any data is read; the run summary is logged before
  /// anything is written; a strict spec whose input had skips throws `skippedInput` and writes
  /// nothing.
  public func run(_ spec: HuntSpec, progress: any HuntProgress) async throws -> Outcome {
    try tail.checkOutputs()
    if let cache = spec.periodicity.cacheFolder { try OutputFile.checkFolder(cache) }
    let result = try await engine.run(spec, progress: progress)
    tail.log?(SummaryText.render(result.summary))
    if spec.strict, result.summary.input.hasSkips {
      throw PipelineError.skippedInput(result.summary)
    }
    let written = try await tail.finish(
      FindingsTable(result.findings), summary: SummaryText.render(result.summary),
      parameters: Self.reportParameters(spec, summary: result.summary))
    return Outcome(result: result, written: written)
  }

  /// The hunt's settings as the report shows them.
  public static func reportParameters(_ spec: HuntSpec, summary: RunSummary) -> [(String, String)] {
    var parameters: [(String, String)] = [
      ("engine", summary.engine), ("method", spec.method.rawValue),
      ("input", summary.sources.joined(separator: ", ")),
      ("vendor", spec.vendor ?? "all vendors"),
    ]
    switch spec.method {
    case .periodicity:
      let p = spec.periodicity
      parameters += [
        ("direction", p.anyDirection ? "any" : "internal → external"),
        (
          "internal networks",
          (p.internalNetworks ?? ["RFC 1918, RFC 6598, ULA"]).joined(separator: ", ")
        ),
        ("min score", "\(p.minScore)"), ("min connections", "\(p.minConnections)"),
        (
          "popular behaviour",
          "≥ \(p.popularDestination) internal hosts or \(p.popularShare * 100) % of them"
        ),
        ("retry window", "\(p.retryWindow) s (TCP, same source port)"),
        ("allowlists", p.allowFiles.isEmpty ? "none" : p.allowFiles.joined(separator: ", ")),
      ]
    case .notebook:
      let t = spec.notebook
      parameters += [
        ("daily event count", "> \(t.dailyEventCountThreshold)"),
        ("degree of source IPs", "< \(t.degreeOfSourceIPThreshold)"),
        ("time delta", "> \(t.timeDeltaThreshold) s"),
        ("percent beacon", "> \(t.percentBeaconThreshold)"),
      ]
    }
    return parameters
  }
}
