import BeaconCore
import BeaconExport
import BeaconPipeline
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

enum Stderr {
  static func write(_ text: String) {
    var text = text
    text.withUTF8 { b in _ = Glibc.write(2, b.baseAddress, b.count) }
  }

  static var isTerminal: Bool { isatty(2) == 1 }
}

/// A one-line progress display on stderr, redrawn at most ten times a second; silent when stderr is
/// not a terminal or with `--quiet`.
final class TerminalProgress: HuntProgress {
  private let enabled: Bool
  private let state = Mutex<(last: UInt64, shown: Bool)>((0, false))

  init(enabled: Bool) { self.enabled = enabled && Stderr.isTerminal }

  func update(stage: String, done: Int, total: Int?, unit: ProgressUnit) {
    guard enabled else { return }
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    let now = UInt64(ts.tv_sec) * 1_000 + UInt64(ts.tv_nsec) / 1_000_000
    let draw = state.withLock { s -> Bool in
      guard now - s.last >= 100 || (total != nil && done >= total!) else { return false }
      s.last = now
      s.shown = true
      return true
    }
    guard draw else { return }
    func amount(_ v: Int) -> String { unit == .bytes ? SummaryText.megabytes(v) : "\(v) tasks" }
    var line = "\r\u{1B}[2K\(stage): \(amount(done))"
    if let total, total > 0 {
      line += " of \(amount(total)) (\(min(100, done * 100 / total))%)"
    }
    Stderr.write(line)
  }

  /// Clears the progress line.
  func finish() {
    guard enabled else { return }
    if state.withLock({ $0.shown }) { Stderr.write("\r\u{1B}[2K") }
  }
}

extension Stderr {
  /// The pipeline's warnings on stderr, with or without `--quiet` (as before the pipeline).
  static let warn: PipelineLog = { write($0) }

  /// The pipeline's messages on stderr, or nil with `--quiet`. A message first clears the
  /// progress line, if one is shown.
  static func log(quiet: Bool, clearing progress: TerminalProgress? = nil) -> PipelineLog? {
    guard !quiet else { return nil }
    return { text in
      progress?.finish()
      write(text)
    }
  }
}
