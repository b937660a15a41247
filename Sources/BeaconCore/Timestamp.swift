/// An instant in UTC with 100 ns resolution: the full precision of Log Analytics' `TimeGenerated`
/// (up to seven fractional digits).
///
/// Stored as ticks since 1970-01-01T00:00:00Z so that ordering is integer comparison and the
/// notebook's whole-second deltas are exact floor divisions, with no floating point involved.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
  public static let ticksPerSecond: Int64 = 10_000_000

  public var ticks: Int64

  public init(ticks: Int64) { self.ticks = ticks }

  public init(seconds: Int64, fractionTicks: Int64 = 0) {
    self.ticks = seconds * Timestamp.ticksPerSecond + fractionTicks
  }

  /// The earliest and latest instants a log time may name: years 0001–9999, as in ISO-8601 and
  /// Spark's timestamps. Readers turn anything outside into a counted bad time, never an overflow.
  public static let earliest = Timestamp(ticks: -62_135_596_800 * 10_000_000)
  public static let latest = Timestamp(ticks: 253_402_300_800 * 10_000_000 - 1)

  /// `seconds` and `fractionTicks` since the epoch, or nil outside `earliest...latest`.
  public static func checked(seconds: Int64, fractionTicks: Int64 = 0) -> Timestamp? {
    let (m, o1) = seconds.multipliedReportingOverflow(by: ticksPerSecond)
    let (t, o2) = m.addingReportingOverflow(fractionTicks)
    guard !o1, !o2, (earliest.ticks...latest.ticks).contains(t) else { return nil }
    return Timestamp(ticks: t)
  }

  /// Milliseconds since the epoch, or nil outside `earliest...latest`.
  public static func checked(milliseconds: Int64) -> Timestamp? {
    let (t, o) = milliseconds.multipliedReportingOverflow(by: 10_000)
    guard !o, (earliest.ticks...latest.ticks).contains(t) else { return nil }
    return Timestamp(ticks: t)
  }

  /// floor(epoch seconds), as Spark's `unix_timestamp` gives it.
  public var epochSecondsFloor: Int64 {
    let (q, r) = ticks.quotientAndRemainder(dividingBy: Timestamp.ticksPerSecond)
    return r < 0 ? q - 1 : q
  }

  /// Epoch seconds with the fraction, for methods that work at full precision.
  public var epochSeconds: Double { Double(ticks) / Double(Timestamp.ticksPerSecond) }

  public static func < (a: Timestamp, b: Timestamp) -> Bool { a.ticks < b.ticks }

  /// ISO-8601 in UTC with seven fractional digits, as Log Analytics writes it.
  public var description: String {
    let secs = epochSecondsFloor
    let frac = ticks - secs * Timestamp.ticksPerSecond
    let (days, sod) = secs.quotientAndRemainder(dividingBy: 86_400)
    let dayIndex = sod < 0 ? days - 1 : days
    let s = sod < 0 ? sod + 86_400 : sod
    let date = CivilDate(daysSinceEpoch: Int(dayIndex))
    return "\(date)T\(CivilDate.pad(Int(s / 3600), 2)):\(CivilDate.pad(Int(s / 60 % 60), 2)):"
      + "\(CivilDate.pad(Int(s % 60), 2)).\(CivilDate.pad(Int(frac), 7))Z"
  }

  /// Parses ISO-8601 text: `YYYY-MM-DD(T| )HH:MM:SS[.f…][Z|±HH:MM|±HHMM|±HH]`.
  ///
  /// Up to seven fractional digits are kept; further digits are accepted and truncated. A time
  /// without a zone is taken as UTC, since `TimeGenerated` is UTC by definition.
  public init?(iso text: String) {
    var text = text
    guard let t = text.withUTF8({ Timestamp.parse($0) }) else { return nil }
    self = t
  }

  /// The byte-level parser the loader calls on the raw JSON string contents.
  public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
    let n = b.count
    guard n >= 19 else { return nil }
    @inline(__always) func digit(_ i: Int) -> Int? {
      let c = b[i] &- 48
      return c < 10 ? Int(c) : nil
    }
    @inline(__always) func num(_ i: Int, _ len: Int) -> Int? {
      var v = 0
      for k in i..<(i + len) {
        guard let d = digit(k) else { return nil }
        v = v * 10 + d
      }
      return v
    }
    guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2),
      b[7] == UInt8(ascii: "-"), let day = num(8, 2),
      b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"),
      let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2),
      b[16] == UInt8(ascii: ":"), let second = num(17, 2)
    else { return nil }
    guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
      hour < 24, minute < 60, second < 60
    else { return nil }
    var i = 19
    var fraction: Int64 = 0
    if i < n, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
      i += 1
      var digits = 0
      while i < n, let d = digit(i) {
        if digits < 7 { fraction = fraction * 10 + Int64(d) }
        digits += 1
        i += 1
      }
      guard digits > 0 else { return nil }
      while digits < 7 {
        fraction *= 10
        digits += 1
      }
    }
    var offsetSeconds = 0
    if i < n {
      let c = b[i]
      if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
        i += 1
      } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
        let sign = c == UInt8(ascii: "-") ? -1 : 1
        i += 1
        guard i + 2 <= n, let oh = num(i, 2), oh <= 23 else { return nil }
        i += 2
        var om = 0
        if i < n {
          if b[i] == UInt8(ascii: ":") { i += 1 }
          guard i + 2 <= n, let m = num(i, 2), m <= 59 else { return nil }
          om = m
          i += 2
        }
        offsetSeconds = sign * (oh * 3600 + om * 60)
      } else {
        return nil
      }
    }
    guard i == n else { return nil }
    let days = Int64(CivilDate.daysFromCivil(year, month, day))
    let secs = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    return Timestamp(seconds: secs, fractionTicks: fraction)
  }
}
