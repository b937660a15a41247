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
    // Today's flows, then prevalence and first-seen over today (per flow: a flow has one source
    // and one destination) and the history. A flow's destination is its name when the
    // connection has one (`HostName`), else its address: one key per connection, so a check-in
    // is never counted under both. Addresses and protocols become ids once
    // (`Prevalence.names`), so history days merge by integers: each day's string table is mapped
    // once, not each of its entries.
    let strings = prepared.pool.strings()
    var prevalence = Prevalence()
    var index: [FlowKey: Int] = [:]
    var flowKeys: [FlowKey] = []
    var flowFirst: [Int64] = []
    var sourceInternal: [Bool] = []
    var internalHosts = Set<Int32>()
    var lo = Int64.max
    var hi = Int64.min
    // The connections, held here only: each partition is taken when its candidates are scored
    // and released after.
    var connections = prepared.connections
    for f in prepared.flows {
      let src = prevalence.names.id(strings[Int(f.source)])
      let dst = prevalence.names.id(strings[Int(f.destinationKey)])
      let proto = f.protocol == StringPool.none ? nil : strings[Int(f.protocol)]
      let key = FlowKey(
        src: src, dst: dst, port: f.port, proto: proto.map { prevalence.names.id($0) })
      index[key] = flowKeys.count
      if f.sourceInternal { internalHosts.insert(src) }
      sourceInternal.append(f.sourceInternal)
      flowKeys.append(key)
      flowFirst.append(f.firstTicks)
      lo = min(lo, f.firstTicks)
      hi = max(hi, f.lastTicks)
    }
    let counts = prepared.result
    for (k, key) in flowKeys.enumerated() {
      prevalence.add(
        source: key.src, destination: key.dst, sourceInternal: sourceInternal[k],
        ticks: flowFirst[k])
    }
    clock.lap("flows")
    // `clock`'s "history" is the time waited for the lookback days, after today's work.
    let history = try loadHistory()
    clock.lap("history")
    // The history of today's destinations (a union and a minimum: the order does not change
    // them), and the slow flows' check-ins of today's flows, and the first time those days hold.
    // Not optional: `a[k]!.append` copies the array on every append, `a[k].append` does not.
    var historyTicks = [[Int64]](repeating: [], count: flowKeys.count)
    var historyStart: Int64? = nil
    for day in history.summaries {
      let ids = prevalence.add(day, onlyKnown: true)
      for f in day.flows {
        let key = FlowKey(
          src: ids[Int(f.source)], dst: ids[Int(f.destination)], port: f.port,
          proto: f.protocol.map { ids[Int($0)] })
        guard let k = index[key] else { continue }
        historyTicks[k].append(contentsOf: f.ticks)
      }
      if let first = day.first { historyStart = min(historyStart ?? .max, first) }
    }
    clock.lap("baseline")
    let window =
      flowKeys.isEmpty
      ? 0...0 : Timestamp(ticks: lo).epochSeconds...Timestamp(ticks: hi).epochSeconds
    var candidates: [PeriodicityMethod.Flow] = []
    var candidateInternal: [Bool] = []
    var candidateHistory: [[Int64]?] = []
    var candidateRows: [Range<Int>] = []
    /// By partition of `connections`: its candidates' indices.
    var candidatesOf = [[Int]](repeating: [], count: connections.partitions)
    // Only candidates become `Flow`s, with strings and columns of their own.
    for (k, isInternal) in sourceInternal.enumerated() {
      let past = historyTicks[k].isEmpty ? nil : historyTicks[k]
      // Too few connections to be a beacon (minConnections check-ins) or a strobe, and no
      // history to score a slow flow over.
      let pf = prepared.flows[k]
      let range = pf.rows
      if range.count < min(p.minConnections, p.strobeMinConnections), past == nil { continue }
      // A candidate's columns are made where it is scored (below); other flows never get
      // arrays of their own.
      candidatesOf[pf.partition].append(candidates.count)
      var f = PeriodicityMethod.Flow(
        sourceIP: strings[Int(pf.source)],
        destinationHostName: pf.named ? strings[Int(pf.destinationKey)] : nil,
        destinationIP: strings[Int(pf.destinationIP)], destinationPort: pf.port,
        protocol: pf.protocol == StringPool.none ? nil : strings[Int(pf.protocol)],
        times: [], sent: [], received: [], sourcePorts: [],
        prevalence: prevalence.count(flowKeys[k].dst))
      if pf.named {
        let ips = pf.addresses.map { strings[Int($0)] }.sorted(by: utf8Less)
        f.destinationIP = ips[0]
        f.destinationIPs = Array(ips.prefix(PeriodicityFinding.maxDestinationIPs))
        f.destinationIPCount = ips.count
      }
      candidates.append(f)
      candidateRows.append(range)
      candidateInternal.append(isInternal)
      candidateHistory.append(past)
    }
    // Score flows on every core; each slot is written by one iteration only.
    let results = UnsafeMutableBufferPointer<PeriodicityFinding?>.allocate(
      capacity: candidates.count)
    results.initialize(repeating: nil)
    defer {
      results.deinitialize()
      results.deallocate()
    }
    let box = ResultsBox(results)
    let list = candidates
    let pasts = candidateHistory
    let start = historyStart.map { Timestamp(ticks: $0).epochSeconds }
    let ranges = candidateRows
    for (part, members) in candidatesOf.enumerated() where !members.isEmpty {
      let rows = try connections.take(part)
      DispatchQueue.concurrentPerform(iterations: members.count) { m in
        // The candidate's columns, sorted by time (stably: sizes and ports follow their
        // connections), made here and dropped once it is scored: at most one per core is held.
        let k = members[m]
        var f = list[k]
        let sorted = rows[ranges[k]].sorted { $0.ticks < $1.ticks }
        f.times = sorted.map { Timestamp(ticks: $0.ticks) }
        f.sent = sorted.map(\.sentBytesValue)
        f.received = sorted.map(\.receivedBytesValue)
        f.sourcePorts = sorted.map(\.sourcePortValue)
        box.buffer[k] = PeriodicityMethod.score(
          f, window: window, parameters: p, history: pasts[k], historyStart: start)
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
    for (k, f) in results.enumerated() {
      if let f, f.kind == .beacon, candidateInternal[k] { peers[target(f), default: 0] += 1 }
    }
    let popularAt = PeriodicityMethod.popularThreshold(
      internalHosts: internalHosts.count, parameters: p)
    var popular = 0
    var findings: [PeriodicityFinding] = []
    for case var f? in results {
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
    c.flows = flowKeys.count
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

/// One history day's summary from its prepared flows: the prevalence of its destinations, and
/// its slow flows (`PeriodicityMethod.isSlowDay`) in the order their flows were first met.
enum SlowFlows {
  static func summarise(
    _ prepared: consuming PreparedFlows, into summary: inout DaySummary,
    parameters p: PeriodicityParameters
  ) throws(SpillError) {
    let strings = prepared.pool.strings()
    func text(_ id: UInt32) -> String? { id == StringPool.none ? nil : strings[Int(id)] }
    // A flow's first connection is its source's first to its destination on that port: the
    // minimum over its flows is the destination's first of the day.
    var prevalence = Prevalence()
    for f in prepared.flows {
      prevalence.add(
        source: prevalence.names.id(strings[Int(f.source)]),
        destination: prevalence.names.id(strings[Int(f.destinationKey)]),
        sourceInternal: f.sourceInternal, ticks: f.firstTicks)
    }
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
        let sorted = rows[f.rows].sorted { $0.ticks < $1.ticks }
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
        source: strings[Int(f.source)], destination: strings[Int(f.destinationKey)], port: f.port,
        protocol: text(f.protocol), ticks: ticks)
    }
  }
}

private struct ResultsBox: @unchecked Sendable {
  // Each concurrent iteration writes only its own index; the buffer outlives the loop.
  let buffer: UnsafeMutableBufferPointer<PeriodicityFinding?>
  init(_ b: UnsafeMutableBufferPointer<PeriodicityFinding?>) { buffer = b }
}
