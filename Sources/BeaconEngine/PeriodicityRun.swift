import BeaconBaseline
import BeaconCore
import BeaconDetect
import BeaconPrepare
import Dispatch

/// The periodicity method on the native engine: prepare, prevalence, flows, scores, and the
/// prevalence of the periodic behaviour.
enum PeriodicityRun {
  static func run(
    _ records: [ConnectionRecord], spec: HuntSpec, context: PeriodicityPrepare.Context,
    history: History = History(), clock: inout StageClock
  ) throws
    -> ([PeriodicityFinding], [StepCount])
  {
    let p = spec.periodicity
    let prepared = PeriodicityPrepare.apply(
      records, vendor: spec.vendor, window: windowRule(spec.input), context: context,
      parameters: p)
    clock.lap("prepare")
    // Prevalence and first-seen over the history and today.
    // Today first, then the history of today's destinations only (a union and a minimum: the
    // order does not change them).
    var prevalence = Prevalence()
    prevalence.add(prepared.rows, sourceInternal: prepared.sourceInternal)
    for day in history.summaries { prevalence.add(day, onlyKnown: true) }
    // Flows: (source, destination, port, protocol), times sorted at full precision.
    typealias Key = FlowKey
    var index: [Key: Int] = [:]
    var flows: [PeriodicityMethod.Flow] = []
    var sourceInternal: [Bool] = []
    var internalHosts = Set<ExactString>()
    var lo = Int64.max
    var hi = Int64.min
    for (r, isInternal) in zip(prepared.rows, prepared.sourceInternal) {
      lo = min(lo, r.time.ticks)
      hi = max(hi, r.time.ticks)
      let key = Key(r.sourceIP!, r.destinationIP!, r.destinationPort, r.protocol)
      if let k = index[key] {
        flows[k].times.append(r.time)
        flows[k].sent.append(r.sentBytes)
        flows[k].received.append(r.receivedBytes)
        flows[k].sourcePorts.append(r.sourcePort)
      } else {
        index[key] = flows.count
        if isInternal { internalHosts.insert(key.src) }
        sourceInternal.append(isInternal)
        flows.append(
          PeriodicityMethod.Flow(
            sourceIP: r.sourceIP!, destinationIP: r.destinationIP!,
            destinationPort: r.destinationPort, protocol: r.protocol,
            times: [r.time], sent: [r.sentBytes], received: [r.receivedBytes],
            sourcePorts: [r.sourcePort], prevalence: prevalence.count(r.destinationIP!)))
      }
    }
    // Slow flows' check-ins from the history days (of today's flows only), and the first time
    // those days hold.
    var historyTicks: [Key: [Int64]] = [:]
    var historyStart: Int64? = nil
    for day in history.summaries {
      for f in day.flows {
        let key = Key(f.source, f.destination, f.port, f.protocol)
        guard index[key] != nil, let t = f.ticks else { continue }
        historyTicks[key, default: []] += t
      }
      for d in day.destinations { historyStart = min(historyStart ?? .max, d.first) }
    }
    clock.lap("baseline")
    let window =
      flows.isEmpty ? 0...0 : Timestamp(ticks: lo).epochSeconds...Timestamp(ticks: hi).epochSeconds
    var candidates: [PeriodicityMethod.Flow] = []
    var candidateInternal: [Bool] = []
    var candidateHistory: [[Int64]?] = []
    for (var f, isInternal) in zip(flows, sourceInternal) {
      let past = historyTicks[Key(f.sourceIP, f.destinationIP, f.destinationPort, f.protocol)]
      // Too few connections to be a beacon (minConnections check-ins) or a strobe, and no
      // history to score a slow flow over.
      if f.times.count < min(p.minConnections, p.strobeMinConnections), past == nil { continue }
      // Sort by time; sizes and ports follow their connections.
      let order = f.times.indices.sorted { f.times[$0] < f.times[$1] }
      f.times = order.map { f.times[$0] }
      f.sent = order.map { f.sent[$0] }
      f.received = order.map { f.received[$0] }
      f.sourcePorts = order.map { f.sourcePorts[$0] }
      candidates.append(f)
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
    DispatchQueue.concurrentPerform(iterations: list.count) { k in
      box.buffer[k] = PeriodicityMethod.score(
        list[k], window: window, parameters: p, history: pasts[k], historyStart: start)
    }
    // The prevalence of the behaviour: internal sources with a periodic flow to the same
    // destination, port and protocol.
    struct Target: Hashable {
      var dst: ExactString
      var port: Int32?
      var proto: ExactString?
    }
    func target(_ f: PeriodicityFinding) -> Target {
      Target(
        dst: ExactString(f.destinationIP), port: f.destinationPort,
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
      if let t = prevalence.firstSeen(f.destinationIP) {
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
    c.afterVendor = prepared.afterVendor
    c.window = prepared.window
    c.windowIsDay = windowRule(spec.input) != .dataSpan
    c.inWindow = prepared.inWindow
    c.outsideExample = prepared.outsideExample
    c.validRows = prepared.validRows
    c.invalidAddresses = prepared.invalidAddresses
    c.invalidExample = prepared.invalidExample
    c.afterDirection = prepared.afterDirection
    c.icmpErrors = prepared.icmpErrors
    c.noiseDestinations = prepared.noiseDestinations
    c.afterNoise = prepared.afterNoise
    c.afterAllowlist = prepared.rows.count
    c.allowlistGiven = !prepared.allowlist.isEmpty
    c.allowNetworks = prepared.allowlist.networks.networks.count
    c.allowPorts = prepared.allowlist.ports.count
    c.allowHostNames = prepared.allowlist.hostNames.count
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

/// A flow's key, compared by exact bytes as Spark groups.
struct FlowKey: Hashable {
  var src: ExactString
  var dst: ExactString
  var port: Int32?
  var proto: ExactString?

  init(_ src: String, _ dst: String, _ port: Int32?, _ proto: String?) {
    self.src = ExactString(src)
    self.dst = ExactString(dst)
    self.port = port
    self.proto = proto.map { ExactString($0) }
  }
}

/// One history day's slow flows (`PeriodicityMethod.isSlowDay`), from its prepared rows.
enum SlowFlows {
  static func day(_ rows: [ConnectionRecord], parameters p: PeriodicityParameters)
    -> [DaySummary.Flow]
  {
    var index: [FlowKey: Int] = [:]
    var flows: [(row: ConnectionRecord, times: [Timestamp], ports: [Int32?])] = []
    for r in rows {
      let key = FlowKey(r.sourceIP!, r.destinationIP!, r.destinationPort, r.protocol)
      if let k = index[key] {
        flows[k].times.append(r.time)
        flows[k].ports.append(r.sourcePort)
      } else {
        index[key] = flows.count
        flows.append((r, [r.time], [r.sourcePort]))
      }
    }
    var out: [DaySummary.Flow] = []
    for f in flows where f.times.count >= PeriodicityMethod.slowMinCheckIns {
      let order = f.times.indices.sorted { f.times[$0] < f.times[$1] }
      let ticks = PeriodicityMethod.checkInTicks(
        order.map { f.times[$0] }, sourcePorts: order.map { f.ports[$0] },
        protocol: f.row.protocol, parameters: p)
      guard PeriodicityMethod.isSlowDay(ticks) else { continue }
      out.append(
        DaySummary.Flow(
          source: f.row.sourceIP!, destination: f.row.destinationIP!, port: f.row.destinationPort,
          protocol: f.row.protocol, checkIns: ticks))
    }
    return out
  }
}

private struct ResultsBox: @unchecked Sendable {
  // Each concurrent iteration writes only its own index; the buffer outlives the loop.
  let buffer: UnsafeMutableBufferPointer<PeriodicityFinding?>
  init(_ b: UnsafeMutableBufferPointer<PeriodicityFinding?>) { buffer = b }
}
