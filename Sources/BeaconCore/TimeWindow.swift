/// Which rows a hunt's window holds. One stray row (dated 1970, or far in the future) must not
/// stretch the window: every persistence would collapse. So a hunt of an export day keeps the
/// hunted day, and a hunt of files keeps the data's span, the run of days holding most rows;
/// everything else is counted and sets nothing. `PeriodicityPrepare.SQL` computes the same.
public enum TimeWindow {
  public static let ticksPerDay = 86_400 * Timestamp.ticksPerSecond

  /// Days within a run of the data's span are at most this many days apart: a week without any
  /// row ends the run.
  public static let spanGapDays = 7

  public static let ticksPerHour = 3600 * Timestamp.ticksPerSecond

  /// `ticks` divided by `unit`, rounded down (before 1970 too): the day or hour a time is in.
  public static func floor(_ ticks: Int64, _ unit: Int64) -> Int64 {
    let (q, r) = ticks.quotientAndRemainder(dividingBy: unit)
    return r < 0 ? q - 1 : q
  }

  /// `floor` in Spark SQL, of a BIGINT ticks expression: the same floored division.
  public static func sqlFloor(_ ticks: String, _ unit: Int64) -> String {
    "((\(ticks) - pmod(\(ticks), \(unit)L)) div \(unit)L)"
  }

  /// The day (since the epoch) of a time in ticks.
  public static func day(_ ticks: Int64) -> Int64 { floor(ticks, ticksPerDay) }

  /// `day` in Spark SQL.
  public static func sqlDay(_ ticks: String) -> String { sqlFloor(ticks, ticksPerDay) }

  /// Rows per day.
  public struct DayCounts: Sendable {
    public var counts: [Int64: Int] = [:]
    public init() {}
    public mutating func add(_ ticks: Int64) { counts[TimeWindow.day(ticks), default: 0] += 1 }
  }

  /// The days kept, inclusive.
  public struct Span: Sendable, Equatable {
    public var firstDay: Int64
    public var lastDay: Int64

    public init(firstDay: Int64, lastDay: Int64) {
      self.firstDay = firstDay
      self.lastDay = lastDay
    }

    public func contains(_ ticks: Int64) -> Bool {
      let d = TimeWindow.day(ticks)
      return d >= firstDay && d <= lastDay
    }

    /// Before 1971: the capture's times are relative (seconds since its start), not dates.
    public var looksRelative: Bool { firstDay < 365 }
  }

  public enum Rule: Sendable, Equatable {
    /// An export's hunted day.
    case day(CivilDate)
    /// The data's span: the run of days (gaps under `spanGapDays`) with most rows; on a tie,
    /// the latest.
    case dataSpan

    public func span(_ days: DayCounts) -> Span {
      switch self {
      case .day(let d):
        return Span(firstDay: Int64(d.daysSinceEpoch), lastDay: Int64(d.daysSinceEpoch))
      case .dataSpan:
        var best: (rows: Int, span: Span)? = nil
        var run: (rows: Int, span: Span)? = nil
        for d in days.counts.keys.sorted() {
          let n = days.counts[d]!
          if var r = run, d - r.span.lastDay <= Int64(TimeWindow.spanGapDays) {
            r.rows += n
            r.span.lastDay = d
            run = r
          } else {
            if let r = run, best.map({ r.rows >= $0.rows }) ?? true { best = r }
            run = (n, Span(firstDay: d, lastDay: d))
          }
        }
        if let r = run, best.map({ r.rows >= $0.rows }) ?? true { best = r }
        return best?.span ?? Span(firstDay: 0, lastDay: 0)
      }
    }
  }
}
