import BeaconCore

/// Something that executes a `HuntSpec`: the embedded native engine, or Spark through Spark Connect.
///
/// Engines return findings in the shared schemas and a run summary with the same steps, so the
/// exporters and the summary printer never need to know which engine ran.
public protocol HuntEngine: Sendable {
  /// A short name for the run summary (`native`, `spark`).
  var name: String { get }
  func run(_ spec: HuntSpec, progress: any HuntProgress) async throws -> HuntResult
}

/// The result of executing a `HuntSpec` on an engine.
public struct HuntResult: Sendable {
  public var findings: Findings
  public var summary: RunSummary

  public init(findings: Findings, summary: RunSummary) {
    self.findings = findings
    self.summary = summary
  }
}
