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
