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
  /// The score's weights (regularity, dispersion, persistence, size consistency), one place for
  /// both engines: `PeriodicityMethod.SQL` interpolates these values, it never retypes them.
  public enum Weight {
    public static let regularity = 0.35
    public static let dispersion = 0.25
    public static let persistence = 0.2
    public static let size = 0.2
  }

  /// The rules' constants, one place for both engines (`PeriodicityMethod.SQL` interpolates them).
  public enum Rule {
    /// A missed-beat interval is at most this many periods (the period's refinement)…
    public static let maxBeats = 4.0
    /// …and an interval over this many periods is a gap, not missed beats.
    public static let gapRatio = 4.5
    /// Intervals under this many periods are bursts, which bounded jitter does not produce.
    public static let shortRatio = 0.45
    /// Jitter is this times the median relative residual (so ±j uniform jitter reads about j).
    public static let jitterScale = 2.0
    /// Dispersion loses this times the short share…
    public static let shortPenalty = 3.0
    /// …and this times the near missed share beyond the tolerance.
    public static let missedPenalty = 2.0
    public static let missedTolerance = 0.25
    /// Size consistency reaches 0 when the sizes' MAD is this share of their median.
    public static let sizeMADScale = 0.5
    /// A strobe holds a connection in at least this share of its slots of this many seconds.
    public static let strobeCoverage = 0.5
    public static let strobeSlotSeconds = 10.0
  }

  /// Persistence divides the observed span into this many slots (of at most an hour, and at
  /// least two periods), so a 90-minute capture is judged on 24 slots, not on two hours.
  public static let persistenceSlots = 24.0
  public static let maxSlotSeconds = 3600.0

  /// One flow's connections, in time order.
  public struct Flow: Sendable {
    public var sourceIP: String
    /// The flow's key when it is a name (`HostName`), with the addresses it went to.
    public var destinationHostName: String?
    /// The least address (byte order); for a name, `destinationIPs` holds the first
    /// `PeriodicityFinding.maxDestinationIPs`, and `destinationIPCount` counts them all.
    public var destinationIP: String
    public var destinationIPs: [String]
    public var destinationIPCount: Int
    public var destinationPort: Int32?
    public var `protocol`: String?
    public var times: [Timestamp]
    public var sent: [Int64?]
    public var received: [Int64?]
    /// Source ports, beside `times`; nil where the input has none.
    public var sourcePorts: [Int32?]
    public var prevalence: Int

    public init(
      sourceIP: String, destinationHostName: String? = nil, destinationIP: String,
      destinationIPs: [String]? = nil, destinationIPCount: Int? = nil,
      destinationPort: Int32?, protocol: String?,
      times: [Timestamp],
      sent: [Int64?], received: [Int64?], sourcePorts: [Int32?]? = nil, prevalence: Int
    ) {
      self.sourceIP = sourceIP
      self.destinationHostName = destinationHostName
      self.destinationIP = destinationIP
      self.destinationIPs = destinationIPs ?? [destinationIP]
      self.destinationIPCount = destinationIPCount ?? self.destinationIPs.count
      self.destinationPort = destinationPort
      self.protocol = `protocol`
      self.times = times
      self.sent = sent
      self.received = received
      self.sourcePorts = sourcePorts ?? Array(repeating: nil, count: times.count)
      self.prevalence = prevalence
    }
  }

  /// The statistics of one flow's intervals.
  public struct Evidence: Sendable, Equatable {
    public var checkIns: Int
    public var period: Double
    public var jitter: Double
    /// Share of the expected check-ins over the whole series that did not happen, the long gaps
    /// (over 4.5 periods) included: what the reason line reports.
    public var missedBeatShare: Double
    /// The same share within near intervals (up to 4.5 periods), which the dispersion uses.
    public var nearMissedShare: Double
    /// Intervals too long to be a few missed beats (over 4.5 periods), and their share.
    public var gaps: Int
    public var gapShare: Double
    /// Intervals under 0.45 periods: bursts, which bounded jitter does not produce.
    public var shortShare: Double
    public var regularity: Double
    public var dispersion: Double
  }

  /// Whether the retry rule applies: TCP retransmits an unanswered or refused open from the same
  /// source port, while UDP clients (NTP from port 123, DNS) legitimately reuse one.
  public static func retriesApply(_ protocol: String?) -> Bool {
    guard let p = `protocol`?.lowercased() else { return false }
    return tcpProtocols.contains(p)
  }

  /// The protocol names (lower case) the retry rule applies to; `PeriodicityMethod.SQL` uses the same.
  public static let tcpProtocols = ["tcp", "6"]

  /// Which connections (sorted by time) repeat an earlier one: TCP, the same source port as a
  /// connection of the flow less than `retryWindow` seconds before. A new connection gets a
  /// new ephemeral port, and TIME_WAIT (60 s on Linux, 120–240 s on Windows) keeps a closed
  /// 4-tuple from being reused sooner, so within the window the same port is the same attempt
  /// (SYN retransmits back off 1, 2, 4 … 32 s on Linux; Windows retries a refused open after
  /// 0.5 s and an unanswered one after 3 and 6 s).
  public static func retries(
    _ times: [Timestamp], sourcePorts: [Int32?], protocol: String?, retryWindow: Double
  ) -> [Bool] {
    guard retriesApply(`protocol`) else { return Array(repeating: false, count: times.count) }
    var last: [Int32: Double] = [:]
    var out: [Bool] = []
    out.reserveCapacity(times.count)
    for (t, port) in zip(times, sourcePorts) {
      guard let port else {
        out.append(false)
        continue
      }
      let s = t.epochSeconds
      out.append(last[port].map { s - $0 < retryWindow } ?? false)
      last[port] = s
    }
    return out
  }

  /// Check-in times in ticks: connections less retries (`retries`), then a connection less than
  /// the merge window after the previous one continues the same check-in (a session), which is
  /// timed by its first connection.
  ///
  /// Why sessions (gap to the previous connection) rather than a fixed window from the check-in's
  /// start: it depends on adjacent pairs only, so Spark computes it with the same arithmetic in
  /// one pass over the sorted times (`PeriodicityMethod.SQL.mergedTicks`), with no sequential state.
  public static func checkInTicks(
    _ times: [Timestamp], sourcePorts: [Int32?], protocol: String?,
    parameters p: PeriodicityParameters
  ) -> [Int64] {
    let retried = retries(
      times, sourcePorts: sourcePorts, protocol: `protocol`, retryWindow: p.retryWindow)
    var out: [Int64] = []
    var previous = -Double.infinity
    for (t, isRetry) in zip(times, retried) where !isRetry {
      let s = t.epochSeconds
      if s - previous >= p.mergeWindow { out.append(t.ticks) }
      previous = s
    }
    return out
  }

  /// Slow flows are scored over the lookback. A history day keeps a flow's check-ins when it
  /// had from `slowMinCheckIns` to `slowMaxCheckIns` of them (a period of 30 min or more) in at
  /// least `slowMinHours` hours of the day: so a summary holds at most 48 times per flow, and
  /// only for flows that could be a slow beacon (a single visit or one session cannot).
  public static let slowMinCheckIns = 3
  public static let slowMaxCheckIns = 48
  public static let slowMinHours = 3

  /// Whether one day's check-ins (ticks, ascending) are kept for the lookback.
  public static func isSlowDay(_ ticks: [Int64]) -> Bool {
    guard (slowMinCheckIns...slowMaxCheckIns).contains(ticks.count) else { return false }
    let hours = Set(ticks.map { TimeWindow.floor($0, TimeWindow.ticksPerHour) })
    return hours.count >= slowMinHours
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
        return k >= 1 && k <= Rule.maxBeats ? d / k : nil
      }
      guard !perBeat.isEmpty else { break }
      period = median(perBeat)
    }
    var residuals: [Double] = []
    var beats = 0.0
    var missed = 0.0
    var allBeats = 0.0
    var allMissed = 0.0
    var gaps = 0
    var short = 0
    for d in deltas {
      let r = d / period
      if r < Rule.shortRatio { short += 1 }
      let k = max(1, r.rounded())
      allBeats += k
      allMissed += k - 1
      if r > Rule.gapRatio {
        gaps += 1
        continue
      }
      residuals.append(abs(r / k - 1))
      beats += k
      missed += k - 1
    }
    let n = Double(deltas.count)
    let jitter = residuals.isEmpty ? 1 : min(1, Rule.jitterScale * median(residuals))
    let gapShare = Double(gaps) / n
    let shortShare = Double(short) / n
    let nearMissed = beats > 0 ? missed / beats : 0
    // Jitter up to 50 % keeps regularity at 0.5 or more; gaps count against it.
    let regularity = clamp(1 - jitter) * (1 - gapShare)
    // Bursts (short intervals) and many missed beats are what browsing looks like.
    let dispersion =
      clamp(1 - Rule.shortPenalty * shortShare)
      * clamp(1 - Rule.missedPenalty * max(0, nearMissed - Rule.missedTolerance))
    return Evidence(
      checkIns: checkIns.count, period: period, jitter: jitter,
      missedBeatShare: allBeats > 0 ? allMissed / allBeats : 0, nearMissedShare: nearMissed,
      gaps: gaps, gapShare: gapShare, shortShare: shortShare, regularity: regularity,
      dispersion: dispersion)
  }

  /// The slots persistence is measured in, and how many of them hold a check-in.
  public struct Persistence: Sendable, Equatable {
    public var active: Int
    public var slots: Int
    /// Seconds per slot.
    public var slot: Double
    public var share: Double { Double(active) / Double(slots) }

    public init(active: Int, slots: Int, slot: Double) {
      self.active = active
      self.slots = slots
      self.slot = slot
    }
  }

  /// Share of `persistenceSlots` slots of the span (each at most `maxSlotSeconds` and at least
  /// two periods) that hold a check-in. `checkIns` are ascending, so their slots are too, and
  /// the active slots are counted without a set.
  public static func persistence(_ checkIns: [Double], period: Double, window: ClosedRange<Double>)
    -> Persistence
  {
    let span = window.upperBound - window.lowerBound
    let slot = max(2 * period, min(maxSlotSeconds, span / persistenceSlots))
    let total = max(1, Int((span / slot).rounded(.up)))
    var active = 0
    var last: Int? = nil
    for t in checkIns {
      let k = min(total - 1, Int((t - window.lowerBound) / slot))
      assert(last.map { k >= $0 } ?? true, "check-ins are ascending")
      if k != last { active += 1 }
      last = k
    }
    return Persistence(active: active, slots: total, slot: slot)
  }

  /// 1 for constant check-in sizes, falling to 0 as the median absolute deviation reaches half
  /// the median; nil when fewer than half the connections have a size.
  public static func sizeConsistency(_ sizes: [Int64?]) -> Double? {
    let known = sizes.compactMap { $0 }.map(Double.init)
    guard known.count * 2 >= sizes.count, known.count >= 3 else { return nil }
    let m = median(known)
    guard m > 0 else { return 1 }
    let mad = median(known.map { abs($0 - m) })
    return clamp(1 - mad / m / Rule.sizeMADScale)
  }

  /// The weighted score; size counts only where sizes are known.
  public static func combine(
    regularity: Double, dispersion: Double, persistence: Double, size: Double?
  ) -> Double {
    var weighted =
      Weight.regularity * regularity + Weight.dispersion * dispersion + Weight.persistence
      * persistence
    var weights = Weight.regularity + Weight.dispersion + Weight.persistence
    if let size {
      weighted += Weight.size * size
      weights += Weight.size
    }
    return weighted / weights
  }

  /// How much a flow's score keeps when `peers` internal sources (itself included) poll the
  /// same destination, port and protocol periodically: all of it up to half the popular
  /// threshold, then falling linearly to ½ at the threshold. Behaviour that much of the
  /// organisation shows (NTP, telemetry, update checks) scores below any report threshold, while
  /// a campaign of a few infected hosts sharing one C2 keeps its score.
  public static func rarity(peers: Int, popular: Int) -> Double {
    let knee = Double(popular) / 2
    return 1 - rarityDrop * clamp((Double(peers) - knee) / knee)
  }

  /// The share of the score behaviour loses at the popular threshold.
  public static let rarityDrop = 0.5

  /// The popular threshold for a hunt with `internalHosts` distinct internal sources.
  public static func popularThreshold(internalHosts: Int, parameters p: PeriodicityParameters)
    -> Int
  {
    max(p.popularDestination, Int((p.popularShare * Double(internalHosts)).rounded(.up)))
  }

  /// Scores one flow; nil when it has too little evidence or is not periodic enough to report.
  /// The score is before `rarity`, which needs every flow's result (`PeriodicityRun`).
  /// `history` holds the flow's check-ins (ticks) from the lookback days' summaries, and
  /// `historyStart` the first time those days hold (seconds): a slow flow is scored over them.
  public static func score(
    _ flow: Flow, window: ClosedRange<Double>, parameters p: PeriodicityParameters,
    history: [Int64]? = nil, historyStart: Double? = nil
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
      let slots = max(1, Int(((raw.last! - raw.first!) / Rule.strobeSlotSeconds).rounded(.up)))
      let covered = Set(raw.map { Int(($0 - raw.first!) / Rule.strobeSlotSeconds) }).count
      if m < p.strobeInterval, Double(covered) / Double(slots) >= Rule.strobeCoverage {
        return PeriodicityFinding(
          sourceIP: flow.sourceIP, destinationHostName: flow.destinationHostName,
          destinationIP: flow.destinationIP, destinationIPs: flow.destinationIPs,
          destinationIPCount: Int64(flow.destinationIPCount), destinationPort: flow.destinationPort,
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
    let today = checkInTicks(
      flow.times, sourcePorts: flow.sourcePorts, protocol: flow.protocol, parameters: p)
    // A slow flow with history is scored over the lookback: its days' check-ins and today's.
    var scored = window
    var ticks = today
    if let history, !history.isEmpty, today.count <= slowMaxCheckIns {
      ticks = (history + today).sorted()
      scored = min(historyStart ?? window.lowerBound, window.lowerBound)...window.upperBound
    }
    let series = ticks.map { Timestamp(ticks: $0).epochSeconds }
    guard series.count >= p.minConnections, let e = evidence(series) else { return nil }
    let span = series.last! - series.first!
    guard span / e.period >= p.minPeriods else { return nil }
    let size = sizeConsistency(flow.sent)
    var kind = FlowKind.beacon
    var persist = persistence(series, period: e.period, window: scored)
    var score = combine(
      regularity: e.regularity, dispersion: e.dispersion, persistence: persist.share, size: size)
    if score < p.minScore {
      // An operator's session: periodic while it lasts. Persistence over its own span.
      guard series.count >= p.burstMinCheckIns, span >= p.burstMinSpan else { return nil }
      persist = persistence(series, period: e.period, window: series.first!...series.last!)
      score = combine(
        regularity: e.regularity, dispersion: e.dispersion, persistence: persist.share, size: size)
      guard score >= p.minScore else { return nil }
      kind = .burst
    }
    let reason = beaconReason(
      kind: kind, period: e.period, jitter: e.jitter, missedBeatShare: e.missedBeatShare,
      gaps: e.gaps, checkIns: series.count, connections: raw.count, span: span,
      persistence: persist, sizeConsistency: size)
    return PeriodicityFinding(
      sourceIP: flow.sourceIP, destinationHostName: flow.destinationHostName,
      destinationIP: flow.destinationIP, destinationIPs: flow.destinationIPs,
      destinationIPCount: Int64(flow.destinationIPCount), destinationPort: flow.destinationPort,
      protocol: flow.protocol, kind: kind, score: score, regularity: e.regularity,
      dispersion: e.dispersion,
      persistence: persist.share, sizeConsistency: size, period: e.period, jitter: e.jitter,
      missedBeatShare: e.missedBeatShare, connections: Int64(flow.times.count),
      firstSeen: flow.times.first!,
      lastSeen: flow.times.last!, totalSentBytes: sentTotal, totalReceivedBytes: receivedTotal,
      prevalence: Int64(flow.prevalence), checkIns: Int64(series.count), reason: reason,
      intervalHistogram: histogram(
        (1..<series.count).map { series[$0] - series[$0 - 1] }, period: e.period),
      timeline: timeline(raw, window: window))
  }

  /// Counts of `intervals / period` in quarter-period bins; the last bin holds 4.5 periods and
  /// more. `PeriodicityMethod.SQL.histogram` is the same in SQL.
  public static func histogram(_ intervals: [Double], period: Double) -> [Int64] {
    let n = PeriodicityFinding.histogramBins
    var bins = [Int64](repeating: 0, count: n)
    for d in intervals {
      let r = period > 0 ? d / period : 0
      bins[min(n - 1, Int((r / PeriodicityFinding.histogramBinWidth).rounded(.down)))] += 1
    }
    return bins
  }

  /// Connections in each of the window's equal slices. `PeriodicityMethod.SQL.timeline` is the same.
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
    "strobe: \(connections) connections in \(duration(span)), median \(fixed(m, 2)) s apart"
  }

  /// The one-line reason of a beacon or a burst. Both engines build it from the same numbers,
  /// and every number in it is one the score used.
  public static func beaconReason(
    kind: FlowKind, period: Double, jitter: Double, missedBeatShare: Double, gaps: Int,
    checkIns: Int, connections: Int, span: Double, persistence: Persistence,
    sizeConsistency: Double?
  ) -> String {
    let missed = Int((missedBeatShare * 100).rounded())
    let gapText =
      gaps == 0 ? "" : " (\(gaps) gap\(gaps == 1 ? "" : "s") over \(Rule.gapRatio) periods)"
    return
      "\(kind == .burst ? "burst" : "beacon") every \(duration(period)) ±\(Int((jitter * 100).rounded())) %"
      + (missed >= 1 || gaps > 0 ? ", \(missed) % missed\(gapText)" : "")
      + ", \(checkIns) check-ins"
      + (connections > checkIns ? " (\(connections) connections)" : "")
      + " over \(duration(span))"
      + ", active in \(persistence.active) of \(persistence.slots) slots of \(duration(persistence.slot))"
      + (sizeConsistency.map { $0 >= 0.8 ? ", near-constant size" : "" } ?? "")
  }

  /// Findings order: strobes and beacons together by score, then source, destination (the
  /// least address, then the name, nulls first), port.
  public static func findingOrder(_ a: PeriodicityFinding, _ b: PeriodicityFinding) -> Bool {
    let (ra, rb) = ((a.score * 1e6).rounded(), (b.score * 1e6).rounded())
    if ra != rb { return ra > rb }
    var c = utf8Compare(a.sourceIP, b.sourceIP)
    if c != 0 { return c < 0 }
    c = utf8Compare(a.destinationIP, b.destinationIP)
    if c != 0 { return c < 0 }
    c = Order.compare(a.destinationHostName, b.destinationHostName)
    if c != 0 { return c < 0 }
    c = Order.compare(a.destinationPort, b.destinationPort)
    if c != 0 { return c < 0 }
    return Order.compare(a.protocol, b.protocol) < 0
  }

  /// The median (the mean of the two middle values of an even count), as a sort would give it,
  /// by selection: every flow takes several, and a busy flow has thousands of intervals.
  static func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return 0 }
    var a = v
    let m = a.count / 2
    return a.withUnsafeMutableBufferPointer { b in
      select(b, m)
      guard b.count % 2 == 0 else { return b[m] }
      // Everything before `m` is at most b[m]; the lower middle is the largest of them.
      var lower = b[0]
      for x in b[1..<m] where x > lower { lower = x }
      return (lower + b[m]) / 2
    }
  }

  /// Reorders `a` so that `a[k]` is what a sort would put there, with nothing larger before it
  /// and nothing smaller after (Hoare's selection, median-of-three pivots). Log fields choose
  /// these values, so after 2·log2(n) rounds the rest is sorted instead: never worse than a sort.
  /// Values are finite (differences of times, sizes). `rounds` overrides the budget (tests).
  static func select(_ a: UnsafeMutableBufferPointer<Double>, _ k: Int, rounds: Int? = nil) {
    var lo = 0
    var hi = a.count - 1
    var budget = rounds ?? 2 * (Int.bitWidth - a.count.leadingZeroBitCount)
    while hi - lo > 16, budget > 0 {
      budget -= 1
      let mid = lo + (hi - lo) / 2
      if a[mid] < a[lo] { a.swapAt(mid, lo) }
      if a[hi] < a[lo] { a.swapAt(hi, lo) }
      if a[hi] < a[mid] { a.swapAt(hi, mid) }
      let pivot = a[mid]
      var i = lo
      var j = hi
      while i <= j {
        while a[i] < pivot { i += 1 }
        while pivot < a[j] { j -= 1 }
        if i <= j {
          a.swapAt(i, j)
          i += 1
          j -= 1
        }
      }
      // Now a[lo...j] ≤ pivot ≤ a[i...hi], and anything between equals the pivot.
      if k <= j {
        hi = j
      } else if k >= i {
        lo = i
      } else {
        return
      }
    }
    if lo < hi {
      var rest = UnsafeMutableBufferPointer(rebasing: a[lo...hi])
      rest.sort()
    }
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
    s >= 172_800
      ? "\(fixed(s / 86_400, 1)) days"
      : s < 120
        ? "\(fixed(s, s < 10 ? 1 : 0)) s"
        : s < 7200 ? "\(fixed(s / 60, 1)) min" : "\(fixed(s / 3600, 1)) h"
  }
}
