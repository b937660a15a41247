/// Something that executes a `HuntSpec`: the embedded native engine, or Spark through Spark Connect.
///
/// Engines return findings in the shared schemas and a run summary with the same steps, so the
/// exporters and the summary printer never need to know which engine ran.
public protocol HuntEngine: Sendable {
  /// A short name for the run summary (`native`, `spark`).
  var name: String { get }
  func run(_ spec: HuntSpec, progress: any HuntProgress) async throws -> HuntResult
}

/// Measures stages in wall-clock seconds for the run summary.
public struct StageClock {
  private let clock = ContinuousClock()
  private var last: ContinuousClock.Instant
  public private(set) var timings: [(stage: String, seconds: Double)] = []

  public init() { last = clock.now }

  /// Ends the current stage under `name` and starts the next.
  public mutating func lap(_ name: String) {
    let now = clock.now
    let d = now - last
    timings.append((name, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
    last = now
  }
}
