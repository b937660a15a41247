import BeaconBaseline
import BeaconCore
import BeaconDetect
import BeaconPrepare
import Dispatch

/// The periodicity method on the native engine: prepare, prevalence, flows, scores.
enum PeriodicityRun {
  static func run(
    _ records: [ConnectionRecord], spec: HuntSpec, history: History = History(),
    clock: inout StageClock
  ) throws
    -> ([PeriodicityFinding], [StepCount])
  {
    let p = spec.periodicity
    let prepared = try PeriodicityPrepare.apply(records, vendor: spec.vendor, parameters: p)
    clock.lap("prepare")
    // Prevalence and first-seen over the history and today.
    var prevalence = Prevalence()
    for day in history.summaries { prevalence.add(day) }
    prevalence.add(prepared.rows)
    // Flows: (source, destination, port, protocol), times sorted at full precision.
    struct Key: Hashable {
      var src: ExactString
      var dst: ExactString
      var port: Int32?
      var proto: ExactString?
    }
    var index: [Key: Int] = [:]
    var flows: [PeriodicityMethod.Flow] = []
    var lo = Int64.max
    var hi = Int64.min
    for r in prepared.rows {
      lo = min(lo, r.time.ticks)
      hi = max(hi, r.time.ticks)
      let key = Key(
        src: ExactString(r.sourceIP!), dst: ExactString(r.destinationIP!), port: r.destinationPort,
        proto: r.protocol.map { ExactString($0) })
      if let k = index[key] {
        flows[k].times.append(r.time)
        flows[k].sent.append(r.sentBytes)
        flows[k].received.append(r.receivedBytes)
      } else {
        index[key] = flows.count
        flows.append(
          PeriodicityMethod.Flow(
            sourceIP: r.sourceIP!, destinationIP: r.destinationIP!,
            destinationPort: r.destinationPort, protocol: r.protocol,
            times: [r.time], sent: [r.sentBytes], received: [r.receivedBytes],
            prevalence: prevalence.count(r.destinationIP!)))
      }
    }
    clock.lap("baseline")
    let window =
      flows.isEmpty ? 0...0 : Timestamp(ticks: lo).epochSeconds...Timestamp(ticks: hi).epochSeconds
    var popular = 0
    var candidates: [PeriodicityMethod.Flow] = []
    for var f in flows {
      if f.prevalence >= p.popularDestination {
        popular += 1
        continue
      }
      // Too few connections to be a beacon (minConnections check-ins) or a strobe.
      if f.times.count < min(p.minConnections, p.strobeMinConnections) { continue }
      // Sort by time; sizes follow their connections.
      let order = f.times.indices.sorted { f.times[$0] < f.times[$1] }
      f.times = order.map { f.times[$0] }
      f.sent = order.map { f.sent[$0] }
      f.received = order.map { f.received[$0] }
      candidates.append(f)
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
    DispatchQueue.concurrentPerform(iterations: list.count) { k in
      box.buffer[k] = PeriodicityMethod.score(list[k], window: window, parameters: p)
    }
    let findings = results.compactMap { $0 }.map { f -> PeriodicityFinding in
      var f = f
      if let t = prevalence.firstSeen(f.destinationIP) {
        f.destinationFirstSeen = Timestamp(ticks: t)
      }
      return f
    }.sorted(by: PeriodicityMethod.findingOrder)
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
    c.validRows = prepared.validRows
    c.invalidAddresses = prepared.invalidAddresses
    c.invalidExample = prepared.invalidExample
    c.afterDirection = prepared.afterDirection
    c.afterAllowlist = prepared.rows.count
    c.allowlistGiven = !prepared.allowlist.isEmpty
    c.allowNetworks = prepared.allowlist.networks.networks.count
    c.allowHostNames = prepared.allowlist.hostNames.count
    c.flows = flows.count
    c.popular = popular
    c.candidates = candidates.count
    c.beacons = findings.filter { $0.kind == .beacon }.count
    c.strobes = findings.filter { $0.kind == .strobe }.count
    let steps = PeriodicitySteps.steps(c, vendor: spec.vendor, parameters: p)
    return (findings, steps)
  }
}

private struct ResultsBox: @unchecked Sendable {
  // Each concurrent iteration writes only its own index; the buffer outlives the loop.
  let buffer: UnsafeMutableBufferPointer<PeriodicityFinding?>
  init(_ b: UnsafeMutableBufferPointer<PeriodicityFinding?>) { buffer = b }
}
