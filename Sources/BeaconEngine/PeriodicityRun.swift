import BeaconCore
import BeaconPeriodicity
import BeaconSpec
import Dispatch

/// The periodicity method on the native engine: prepare, prevalence, flows, scores, and the
/// prevalence of the periodic behaviour.
enum PeriodicityRun {
  static func run(
    _ prepared: consuming PreparedFlows, spec: HuntSpec,
    history loadHistory: () throws -> History = { History() }, clock: inout StageClock
  ) throws
    -> ([PeriodicityFinding], [StepCount])
  {
    let p = spec.periodicity
    // Prevalence and first-seen over today (per flow: a flow has one source and one
    // destination) and the history. A flow's destination is its name when the connection has
    // one (`HostName`), else its address: one key per connection, so a check-in is never
    // counted under both. Prevalence takes over the rows' string pool, so its ids are the
    // flows' ids and no string is copied; history days merge their strings into it once each.
    let flows = prepared.flows
    let addressList = prepared.addressList
    var prevalence = Prevalence(pool: prepared.pool)
    var internalHosts = Set<UInt32>()
    var lo = Int64.max
    var hi = Int64.min
    // The connections, held here only: each partition is taken when its candidates are scored
    // and released after.
    var connections = prepared.connections
    // Released from `prepared`, so that each is held once (by the names above).
    prepared.pool = StringPool()
    prepared.flows = []
    prepared.addressList = []
    prepared.connections = FlowConnections()
    for f in flows {
      if f.sourceInternal { internalHosts.insert(f.source) }
      prevalence.add(
        source: Int32(f.source), destination: Int32(f.destinationKey),
        sourceInternal: f.sourceInternal, ticks: f.firstTicks)
      lo = min(lo, f.firstTicks)
      hi = max(hi, f.lastTicks)
    }
    let counts = prepared.result
    clock.lap("flows")
    // `clock`'s "history" is the time waited for the lookback days, after today's work.
    let history = try loadHistory()
    clock.lap("history")
    // The history of today's destinations (a union and a minimum: the order does not change
    // them), and the slow flows' check-ins of today's flows, and the first time those days hold.
    // Today's flows are looked up by key only when a day has slow flows.
    // Not optional: `a[k]!.append` copies the array on every append, `a[k].append` does not.
    var historyTicks: [[Int64]] = []
    var historyStart: Int64? = nil
    var index: [FlowKey: Int]? = nil
    for day in history.summaries {
      let ids = prevalence.add(day, onlyKnown: true)
      if !day.flows.isEmpty, index == nil {
        var made = [FlowKey: Int](minimumCapacity: flows.count)
        for (k, f) in flows.enumerated() { made[FlowKey(f)] = k }
        index = made
        historyTicks = [[Int64]](repeating: [], count: flows.count)
      }
      for f in day.flows {
        let key = FlowKey(
          src: ids[Int(f.source)], dst: ids[Int(f.destination)], port: f.port,
          proto: f.protocol.map { ids[Int($0)] })
        guard let k = index?[key] else { continue }
        historyTicks[k].append(contentsOf: f.ticks)
      }
      if let first = day.first { historyStart = min(historyStart ?? .max, first) }
    }
    index = nil
    clock.lap("baseline")
    let window =
      flows.isEmpty
      ? 0...0 : Timestamp(ticks: lo).epochSeconds...Timestamp(ticks: hi).epochSeconds
    let names = prevalence.names
    let reached = prevalence
    // Candidates are flow indices; each becomes a `Flow`, with strings and columns of its own,
    // only where it is scored, so that at most one per core is held.
    var candidates: [Int] = []
    var candidateHistory: [[Int64]?] = []
    /// By partition of `connections`: its candidates' indices.
    var candidatesOf = [[Int]](repeating: [], count: connections.partitions)
    for (k, pf) in flows.enumerated() {
      let past = historyTicks.isEmpty || historyTicks[k].isEmpty ? nil : historyTicks[k]
      // Too few connections to be a beacon (minConnections check-ins) or a strobe, and no
      // history to score a slow flow over.
      if pf.rows.count < min(p.minConnections, p.strobeMinConnections), past == nil { continue }
      candidatesOf[pf.partition].append(candidates.count)
      candidates.append(k)
      if !historyTicks.isEmpty { candidateHistory.append(past) }
    }
    historyTicks = []
    // Score flows on every core; each slot is written by one iteration only.
    let results = UnsafeMutableBufferPointer<ScoredFlow?>.allocate(capacity: candidates.count)
    results.initialize(repeating: nil)
    defer {
      results.deinitialize()
      results.deallocate()
    }
    let box = ResultsBox(results)
    let list = candidates
    let pasts = candidateHistory
    let start = historyStart.map { Timestamp(ticks: $0).epochSeconds }
    for (part, members) in candidatesOf.enumerated() where !members.isEmpty {
      let rows = try connections.take(part)
      DispatchQueue.concurrentPerform(iterations: members.count) { m in
        let c = members[m]
        let pf = flows[list[c]]
        func text(_ id: UInt32) -> String { names.string(Int32(id)) }
        var f = PeriodicityMethod.Flow(
          sourceIP: text(pf.source),
          destinationHostName: pf.named ? text(pf.destinationKey) : nil,
          destinationIP: text(pf.destinationIP), destinationPort: pf.port,
          protocol: pf.protocol == StringPool.none ? nil : text(pf.protocol),
          times: [], sent: [], received: [], sourcePorts: [],
          prevalence: reached.count(Int32(pf.destinationKey)))
        if pf.named {
          let ips = addressList[pf.addressRange].map(text).sorted(by: utf8Less)
          f.destinationIP = ips[0]
          f.destinationIPs = Array(ips.prefix(PeriodicityFinding.maxDestinationIPs))
          f.destinationIPCount = ips.count
        }
        // The columns, sorted by time (stably: sizes and ports follow their connections).
        let sorted = rows.rows(pf.rows).sorted { $0.ticks < $1.ticks }
        f.times = sorted.map { Timestamp(ticks: $0.ticks) }
        f.sent = sorted.map(\.sentBytesValue)
        f.received = sorted.map(\.receivedBytesValue)
        f.sourcePorts = sorted.map(\.sourcePortValue)
        if let scored = PeriodicityMethod.score(
          f, window: window, parameters: p, history: pasts.isEmpty ? nil : pasts[c],
          historyStart: start)
        {
          box.buffer[c] = ScoredFlow(scored, sourceInternal: pf.sourceInternal)
        }
      }
    }
    connections = FlowConnections()
    // The prevalence of the behaviour: internal sources with a periodic flow to the same
    // destination, port and protocol.
    struct Target: Hashable {
      var dst: ExactString
      var port: Int32?
      var proto: ExactString?
    }
    func target(_ f: PeriodicityFinding) -> Target {
      Target(
        dst: ExactString(f.destinationKey), port: f.destinationPort,
        proto: f.protocol.map { ExactString($0) })
    }
    var peers: [Target: Int] = [:]
    for case let r? in results where r.finding.kind == .beacon && r.sourceInternal {
      peers[target(r.finding), default: 0] += 1
    }
    let popularAt = PeriodicityMethod.popularThreshold(
      internalHosts: internalHosts.count, parameters: p)
    var popular = 0
    var findings: [PeriodicityFinding] = []
    for case let r? in results {
      var f = r.finding
      if let t = prevalence.firstSeen(f.destinationKey) {
        f.destinationFirstSeen = Timestamp(ticks: t)
      }
      if f.kind != .strobe {
        let n = peers[target(f)] ?? 0
        f.periodicPeers = Int64(max(1, n))
        f.score *= PeriodicityMethod.rarity(peers: max(1, n), popular: popularAt)
        if f.score < p.minScore {
          popular += 1
          continue
        }
      }
      findings.append(f)
    }
    findings.sort(by: PeriodicityMethod.findingOrder)
    clock.lap("detect")
    var c = PeriodicitySteps.Counts()
    if case .export(_, _, let lookback) = spec.input {
      c.lookbackDays = lookback
      c.historyDays = history.summaries.count
      c.historyFromCache = history.fromCache
      c.historySummarised = history.summarised
      c.historyMissing = history.missing
      c.historySkippedLines = history.skippedLines
      c.historySkippedFiles = history.skippedFiles
    }
    c.afterVendor = counts.afterVendor
    c.window = counts.window
    c.windowIsDay = windowRule(spec.input) != .dataSpan
    c.inWindow = counts.inWindow
    c.outsideExample = counts.outsideExample
    c.validRows = counts.validRows
    c.invalidAddresses = counts.invalidAddresses
    c.invalidExample = counts.invalidExample
    c.namedRows = counts.namedRows
    c.proxiedRows = counts.proxiedRows
    c.invalidNames = counts.invalidNames
    c.allowlistedNames = counts.allowlistedByName
    c.afterDirection = counts.afterDirection
    c.icmpErrors = counts.icmpErrors
    c.noiseDestinations = counts.noiseDestinations
    c.afterNoise = counts.afterNoise
    c.afterAllowlist = counts.afterAllowlist
    c.allowlistGiven = !counts.allowlist.isEmpty
    c.allowNetworks = counts.allowlist.networks.networks.count
    c.allowPorts = counts.allowlist.ports.count
    c.allowHostNames = counts.allowlist.nameCount
    c.flows = flows.count
    c.internalHosts = internalHosts.count
    c.popularThreshold = popularAt
    c.popular = popular
    c.candidates = candidates.count
    c.beacons = findings.filter { $0.kind == .beacon }.count
    c.bursts = findings.filter { $0.kind == .burst }.count
    c.strobes = findings.filter { $0.kind == .strobe }.count
    let steps = PeriodicitySteps.steps(c, vendor: spec.vendor, parameters: p)
    return (findings, steps)
  }

  /// The hunted day for an export, the data's span for files.
  static func windowRule(_ input: HuntInput) -> TimeWindow.Rule {
    switch input {
    case .export(_, let endDate, _): .day(endDate)
    case .paths: .dataSpan
    }
  }
}

/// A flow's key, by ids of an `Interner` (strings compared by exact bytes, as Spark groups).
struct FlowKey: Hashable {
  var src: Int32
  var dst: Int32
  var port: Int32?
  var proto: Int32?
}

extension FlowKey {
  /// A prepared flow's key, by its pool's ids (a prevalence over that pool has the same).
  init(_ f: PreparedFlow) {
    self.init(
      src: Int32(f.source), dst: Int32(f.destinationKey), port: f.port,
      proto: f.protocol == StringPool.none ? nil : Int32(f.protocol))
  }
}

/// One history day's summary from its prepared flows: the prevalence of its destinations, and
/// its slow flows (`PeriodicityMethod.isSlowDay`) in the order their flows were first met.
enum SlowFlows {
  static func summarise(
    _ prepared: consuming PreparedFlows, into summary: inout DaySummary,
    parameters p: PeriodicityParameters
  ) throws(SpillError) {
    // A flow's first connection is its source's first to its destination on that port: the
    // minimum over its flows is the destination's first of the day.
    var prevalence = Prevalence(pool: prepared.pool)
    for f in prepared.flows {
      prevalence.add(
        source: Int32(f.source), destination: Int32(f.destinationKey),
        sourceInternal: f.sourceInternal, ticks: f.firstTicks)
    }
    let names = prevalence.names
    func text(_ id: UInt32) -> String? { id == StringPool.none ? nil : names.string(Int32(id)) }
    summary.add(prevalence)
    var connections = prepared.connections
    var members = [[Int]](repeating: [], count: connections.partitions)
    for (k, f) in prepared.flows.enumerated()
    where f.rows.count >= PeriodicityMethod.slowMinCheckIns {
      members[f.partition].append(k)
    }
    var slow: [(flow: Int, ticks: [Int64])] = []
    for (part, flows) in members.enumerated() where !flows.isEmpty {
      let rows = try connections.take(part)
      for k in flows {
        let f = prepared.flows[k]
        let sorted = rows.rows(f.rows).sorted { $0.ticks < $1.ticks }
        let ticks = PeriodicityMethod.checkInTicks(
          sorted.map { Timestamp(ticks: $0.ticks) }, sourcePorts: sorted.map(\.sourcePortValue),
          protocol: text(f.protocol), parameters: p)
        if PeriodicityMethod.isSlowDay(ticks) { slow.append((k, ticks)) }
      }
    }
    slow.sort { $0.flow < $1.flow }
    for (k, ticks) in slow {
      let f = prepared.flows[k]
      summary.addFlow(
        source: text(f.source)!, destination: text(f.destinationKey)!, port: f.port,
        protocol: text(f.protocol), ticks: ticks)
    }
  }
}

/// A scored candidate. A class, so that a slot of the results is a reference: most candidates
/// score nothing, and a finding held inline would cost each slot its full size.
private final class ScoredFlow: Sendable {
  let finding: PeriodicityFinding
  let sourceInternal: Bool
  init(_ finding: PeriodicityFinding, sourceInternal: Bool) {
    self.finding = finding
    self.sourceInternal = sourceInternal
  }
}

private struct ResultsBox: @unchecked Sendable {
  // Each concurrent iteration writes only its own index; the buffer outlives the loop.
  let buffer: UnsafeMutableBufferPointer<ScoredFlow?>
  init(_ b: UnsafeMutableBufferPointer<ScoredFlow?>) { buffer = b }
}
