import BeaconCore

/// The periodicity method (`spec/periodicity-method.md`): per-flow intervals at full precision,
/// scored for relative regularity, dispersion, persistence and size consistency.
///
/// Why these statistics:
/// - The period is the median interval, refined once by dividing each interval by its nearest
///   whole number of periods, so missed beats (2×, 3× the period) count as evidence, not noise.
/// - Jitter is measured relative to the period (twice the median relative residual), so a 600 s
///   beacon with ±30 % is exactly as regular as a 60 s one with ±30 %.
/// - Browsing is bursty: many intervals far shorter than its median and a heavy tail of long ones.
///   Bounded jitter produces neither; the dispersion score measures exactly those two shares.
/// - Beacons run around the clock, sessions do not: persistence is the share of the observed
///   window's buckets (an hour, or two periods if longer) in which the flow was active.
public enum PeriodicityMethod {
  /// One flow's connections, in time order.
  public struct Flow: Sendable {
    public var sourceIP: String
    public var destinationIP: String
    public var destinationPort: Int32?
    public var `protocol`: String?
    public var times: [Timestamp]
    public var sent: [Int64?]
    public var received: [Int64?]
    public var prevalence: Int

    public init(
      sourceIP: String, destinationIP: String, destinationPort: Int32?, protocol: String?,
      times: [Timestamp],
      sent: [Int64?], received: [Int64?], prevalence: Int
    ) {
      self.sourceIP = sourceIP
      self.destinationIP = destinationIP
      self.destinationPort = destinationPort
      self.protocol = `protocol`
      self.times = times
      self.sent = sent
      self.received = received
      self.prevalence = prevalence
    }
  }

  /// The statistics of one flow's intervals.
  public struct Evidence: Sendable, Equatable {
    public var checkIns: Int
    public var period: Double
    public var jitter: Double
    public var missedBeatShare: Double
    /// Intervals too long to be a few missed beats (over 4.5 periods).
    public var gapShare: Double
    /// Intervals under 0.45 periods: bursts, which bounded jitter does not produce.
    public var shortShare: Double
    public var regularity: Double
    public var dispersion: Double
  }

  /// Check-in times from connection times: a connection less than `mergeWindow` seconds after
  /// the previous one continues the same check-in (a session), which is timed by its first
  /// connection.
  ///
  /// Why sessions (gap to the previous connection) rather than a fixed window from the check-in's
  /// start: it depends on adjacent pairs only, so Spark computes it with the same arithmetic in
  /// one pass over the sorted times (`PeriodicitySQL`), with no sequential state.
  public static func checkIns(_ times: [Timestamp], mergeWindow: Double) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(times.count)
    var previous = -Double.infinity
    for t in times {
      let s = t.epochSeconds
      if s - previous >= mergeWindow { out.append(s) }
      previous = s
    }
    return out
  }

  /// The sum of the known values, or nil when it overflows (as Spark's `try_sum`).
  public static func total(_ values: [Int64?]) -> Int64? {
    var sum: Int64 = 0
    for case let v? in values {
      let (r, overflow) = sum.addingReportingOverflow(v)
      if overflow { return nil }
      sum = r
    }
    return sum
  }

  /// The interval statistics of a sorted series of check-in times (seconds), or nil if too short.
  public static func evidence(_ checkIns: [Double]) -> Evidence? {
    guard checkIns.count >= 3 else { return nil }
    var deltas: [Double] = []
    deltas.reserveCapacity(checkIns.count - 1)
    for k in 1..<checkIns.count { deltas.append(checkIns[k] - checkIns[k - 1]) }
    var period = median(deltas)
    guard period > 0 else { return nil }
    // Refine: divide each interval by its nearest whole number of periods (missed beats).
    for _ in 0..<2 {
      let perBeat = deltas.compactMap { d -> Double? in
        let k = (d / period).rounded()
        return k >= 1 && k <= 4 ? d / k : nil
      }
      guard !perBeat.isEmpty else { break }
      period = median(perBeat)
    }
    var residuals: [Double] = []
    var beats = 0.0
    var missed = 0.0
    var gaps = 0
    var short = 0
    for d in deltas {
      let r = d / period
      if r < 0.45 { short += 1 }
      if r > 4.5 {
        gaps += 1
        continue
      }
      let k = max(1, r.rounded())
      residuals.append(abs(r / k - 1))
      beats += k
      missed += k - 1
    }
    let n = Double(deltas.count)
    let jitter = residuals.isEmpty ? 1 : min(1, 2 * median(residuals))
    let gapShare = Double(gaps) / n
    let shortShare = Double(short) / n
    let missedShare = beats > 0 ? missed / beats : 0
    // Jitter up to 50 % keeps regularity at 0.5 or more; gaps count against it.
    let regularity = clamp(1 - jitter) * (1 - gapShare)
    // Bursts (short intervals) and many missed beats are what browsing looks like.
    let dispersion = clamp(1 - 3 * shortShare) * clamp(1 - 2 * max(0, missedShare - 0.25))
    return Evidence(
      checkIns: checkIns.count, period: period, jitter: jitter, missedBeatShare: missedShare,
      gapShare: gapShare,
      shortShare: shortShare, regularity: regularity, dispersion: dispersion)
  }

  /// Share of the observed window's buckets (an hour, or two periods if longer) with a check-in.
  public static func persistence(_ checkIns: [Double], period: Double, window: ClosedRange<Double>)
    -> Double
  {
    let bucket = max(3600, 2 * period)
    let total = max(1, Int(((window.upperBound - window.lowerBound) / bucket).rounded(.up)))
    var active = Set<Int>()
    for t in checkIns { active.insert(min(total - 1, Int((t - window.lowerBound) / bucket))) }
    return Double(active.count) / Double(total)
  }

  /// 1 for constant check-in sizes, falling to 0 as the median absolute deviation reaches half
  /// the median; nil when fewer than half the connections have a size.
  public static func sizeConsistency(_ sizes: [Int64?]) -> Double? {
    let known = sizes.compactMap { $0 }.map(Double.init)
    guard known.count * 2 >= sizes.count, known.count >= 3 else { return nil }
    let m = median(known)
    guard m > 0 else { return 1 }
    let mad = median(known.map { abs($0 - m) })
    return clamp(1 - mad / m / 0.5)
  }

  /// Scores one flow; nil when it has too little evidence or is not periodic enough to report.
  public static func score(
    _ flow: Flow, window: ClosedRange<Double>, parameters p: PeriodicityParameters
  ) -> PeriodicityFinding? {
    let raw = flow.times.map(\.epochSeconds)
    let sentTotal = total(flow.sent)
    let receivedTotal = total(flow.received)
    // Strobes: dense, very fast series, reported apart from beacon scores.
    if raw.count >= p.strobeMinConnections {
      var deltas: [Double] = []
      for k in 1..<raw.count { deltas.append(raw[k] - raw[k - 1]) }
      let m = median(deltas)
      // A storm is sustained: most 10-second slots of its span hold a connection (DNS bursts do not).
      let slots = max(1, Int(((raw.last! - raw.first!) / 10).rounded(.up)))
      let covered = Set(raw.map { Int(($0 - raw.first!) / 10) }).count
      if m < p.strobeInterval, Double(covered) / Double(slots) >= 0.5 {
        return PeriodicityFinding(
          sourceIP: flow.sourceIP, destinationIP: flow.destinationIP,
          destinationPort: flow.destinationPort,
          protocol: flow.protocol, kind: .strobe, score: 1, regularity: 0, dispersion: 0,
          persistence: 0,
          sizeConsistency: sizeConsistency(flow.sent), period: m, jitter: 0, missedBeatShare: 0,
          connections: Int64(raw.count), firstSeen: flow.times.first!, lastSeen: flow.times.last!,
          totalSentBytes: sentTotal, totalReceivedBytes: receivedTotal,
          prevalence: Int64(flow.prevalence),
          reason: strobeReason(connections: raw.count, median: m, span: raw.last! - raw.first!),
          intervalHistogram: histogram(deltas, period: m), timeline: timeline(raw, window: window))
      }
    }
    let series = checkIns(flow.times, mergeWindow: p.mergeWindow)
    guard series.count >= p.minConnections, let e = evidence(series) else { return nil }
    guard (series.last! - series.first!) / e.period >= p.minPeriods else { return nil }
    let persist = persistence(series, period: e.period, window: window)
    let size = sizeConsistency(flow.sent)
    var weighted = 0.35 * e.regularity + 0.25 * e.dispersion + 0.2 * persist
    var weights = 0.8
    if let size {
      weighted += 0.2 * size
      weights += 0.2
    }
    let score = weighted / weights
    guard score >= p.minScore else { return nil }
    let reason = beaconReason(
      period: e.period, jitter: e.jitter, missedBeatShare: e.missedBeatShare,
      checkIns: series.count, span: series.last! - series.first!, persistence: persist,
      sizeConsistency: size)
    return PeriodicityFinding(
      sourceIP: flow.sourceIP, destinationIP: flow.destinationIP,
      destinationPort: flow.destinationPort,
      protocol: flow.protocol, kind: .beacon, score: score, regularity: e.regularity,
      dispersion: e.dispersion,
      persistence: persist, sizeConsistency: size, period: e.period, jitter: e.jitter,
      missedBeatShare: e.missedBeatShare, connections: Int64(flow.times.count),
      firstSeen: flow.times.first!,
      lastSeen: flow.times.last!, totalSentBytes: sentTotal, totalReceivedBytes: receivedTotal,
      prevalence: Int64(flow.prevalence), reason: reason,
      intervalHistogram: histogram(
        (1..<series.count).map { series[$0] - series[$0 - 1] }, period: e.period),
      timeline: timeline(raw, window: window))
  }

  /// Counts of `intervals / period` in quarter-period bins; the last bin holds 4.5 periods and
  /// more. `PeriodicitySQL.histogram` is the same in SQL.
  public static func histogram(_ intervals: [Double], period: Double) -> [Int64] {
    let n = PeriodicityFinding.histogramBins
    var bins = [Int64](repeating: 0, count: n)
    for d in intervals {
      let r = period > 0 ? d / period : 0
      bins[min(n - 1, Int((r / PeriodicityFinding.histogramBinWidth).rounded(.down)))] += 1
    }
    return bins
  }

  /// Connections in each of the window's equal slices. `PeriodicitySQL.timeline` is the same.
  public static func timeline(_ times: [Double], window: ClosedRange<Double>) -> [Int64] {
    let n = PeriodicityFinding.timelineBins
    var bins = [Int64](repeating: 0, count: n)
    let span = window.upperBound - window.lowerBound
    for t in times {
      let k =
        span > 0 ? min(n - 1, Int(((t - window.lowerBound) / span * Double(n)).rounded(.down))) : 0
      bins[max(0, k)] += 1
    }
    return bins
  }

  /// The one-line reason of a strobe. Both engines build it from the same numbers.
  public static func strobeReason(connections: Int, median m: Double, span: Double) -> String {
    let perMinute = Double(connections) / max(1, span / 60)
    return
      "strobe: \(connections) connections, median \(fixed(m, 2)) s apart (\(fixed(perMinute, 0))/min)"
  }

  /// The one-line reason of a beacon. Both engines build it from the same numbers.
  public static func beaconReason(
    period: Double, jitter: Double, missedBeatShare: Double, checkIns: Int, span: Double,
    persistence: Double, sizeConsistency: Double?
  ) -> String {
    "beacon every \(duration(period)) ±\(Int((jitter * 100).rounded())) %"
      + (missedBeatShare >= 0.01 ? ", \(Int((missedBeatShare * 100).rounded())) % missed" : "")
      + ", \(checkIns) check-ins over \(duration(span))"
      + ", active in \(Int((persistence * 100).rounded())) % of the window"
      + (sizeConsistency.map { $0 >= 0.8 ? ", near-constant size" : "" } ?? "")
  }

  /// Findings order: strobes and beacons together by score, then source, destination, port.
  public static func findingOrder(_ a: PeriodicityFinding, _ b: PeriodicityFinding) -> Bool {
    let (ra, rb) = ((a.score * 1e6).rounded(), (b.score * 1e6).rounded())
    if ra != rb { return ra > rb }
    var c = utf8Compare(a.sourceIP, b.sourceIP)
    if c != 0 { return c < 0 }
    c = utf8Compare(a.destinationIP, b.destinationIP)
    if c != 0 { return c < 0 }
    c = Order.compare(a.destinationPort, b.destinationPort)
    if c != 0 { return c < 0 }
    return Order.compare(a.protocol, b.protocol) < 0
  }

  static func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    guard !s.isEmpty else { return 0 }
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
  }

  static func clamp(_ v: Double) -> Double { min(1, max(0, v)) }

  static func fixed(_ v: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let n = (v * scale).rounded()
    let whole = Int(n / scale)
    let frac = Int(abs(n).truncatingRemainder(dividingBy: scale))
    guard places > 0 else { return String(whole) }
    let f = String(frac)
    return "\(whole).\(String(repeating: "0", count: places - f.count))\(f)"
  }

  /// 75 → "75 s", 300 → "5.0 min", 7200 → "2.0 h".
  static func duration(_ s: Double) -> String {
    s < 120
      ? "\(fixed(s, s < 10 ? 1 : 0)) s"
      : s < 7200 ? "\(fixed(s / 60, 1)) min" : "\(fixed(s / 3600, 1)) h"
  }
}
