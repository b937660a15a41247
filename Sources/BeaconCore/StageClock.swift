#if canImport(Glibc)
  import Glibc
#endif

/// Measures stages in wall-clock seconds, and the process's peak memory at each stage's end, for
/// the run summary.
public struct StageClock {
  private let clock = ContinuousClock()
  private var last: ContinuousClock.Instant
  public private(set) var timings: [(stage: String, seconds: Double)] = []
  /// The process's peak resident memory (bytes) when each stage ended: where a hunt's memory
  /// goes, for `--memory-limit` and for the bench's per-stage figures.
  public private(set) var peaks: [(stage: String, bytes: Int)] = []

  public init() { last = clock.now }

  /// Ends the current stage under `name` and starts the next.
  public mutating func lap(_ name: String) {
    let now = clock.now
    let d = now - last
    timings.append((name, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
    peaks.append((name, Self.peakResidentBytes()))
    last = now
  }

  /// The process's peak resident set so far (`getrusage`; Linux counts it in KiB).
  public static func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
  }
}
