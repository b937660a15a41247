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
    let prepared = try PeriodicityPrepare.apply(records, parameters: p)
    clock.lap("prepare")
    // Prevalence and first-seen over the history and today.
    var sources: [String: Set<String>] = [:]
    var firstSeen: [String: Int64] = [:]
    for day in history.summaries {
      for (d, e) in day.destinations {
        sources[d, default: []].formUnion(e.sources)
        firstSeen[d] = min(firstSeen[d] ?? .max, e.first)
      }
    }
    var today = DaySummary(date: "", fingerprint: "")
    today.add(prepared.rows)
    for (d, e) in today.destinations {
      sources[d, default: []].formUnion(e.sources)
      firstSeen[d] = min(firstSeen[d] ?? .max, e.first)
    }
    var prevalence: [ExactString: Int] = [:]
    for (d, s) in sources { prevalence[ExactString(d)] = s.count }
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
            prevalence: prevalence[ExactString(r.destinationIP!)] ?? 0))
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
    defer { results.deallocate() }
    let box = ResultsBox(results)
    let list = candidates
    DispatchQueue.concurrentPerform(iterations: list.count) { k in
      box.buffer[k] = PeriodicityMethod.score(list[k], window: window, parameters: p)
    }
    let findings = results.compactMap { $0 }.map { f -> PeriodicityFinding in
      var f = f
      if let t = firstSeen[f.destinationIP] { f.destinationFirstSeen = Timestamp(ticks: t) }
      return f
    }.sorted(by: PeriodicityMethod.findingOrder)
    clock.lap("detect")
    var steps: [StepCount] = []
    if case .export(_, _, let lookback) = spec.input, lookback > 0 {
      steps.append(
        StepCount(
          "history days", history.summaries.count,
          detail:
            "\(lookback) asked: \(history.fromCache) from the cache, \(history.summarised) summarised, \(history.missing) missing"
            + (history.skippedLines > 0
              ? "; \(groupedDigits(history.skippedLines)) bad lines skipped in them" : "")))
    }
    steps += [
      StepCount(
        "valid addresses", prepared.validRows,
        detail: prepared.invalidAddresses > 0
          ? "\(groupedDigits(prepared.invalidAddresses)) rows without a valid SourceIP and DestinationIP, e.g. "
            + (prepared.invalidExamples.first ?? "") : nil),
      StepCount(
        "direction", prepared.rows.count + prepared.allowlisted,
        detail: p.anyDirection ? "any" : "internal → external"),
      StepCount(
        "allowlist", prepared.rows.count,
        detail: prepared.allowlist.isEmpty
          ? "none given"
          : "\(groupedDigits(prepared.allowlisted)) rows dropped; \(prepared.allowlist.networks.networks.count) networks"
            + (prepared.allowlist.hostNames.isEmpty
              ? ""
              : ", \(prepared.allowlist.hostNames.count) host names (unused: the input has no host names)")
      ),
      StepCount("flows", flows.count, detail: "source, destination, port, protocol"),
      StepCount(
        "popular destinations", popular,
        detail: "flows to destinations with ≥ \(p.popularDestination) sources, not reported"),
      StepCount("candidates", candidates.count, detail: "flows with enough connections"),
    ]
    steps.append(
      StepCount(
        "beacons", findings.filter { $0.kind == .beacon }.count, detail: "score ≥ \(p.minScore)"))
    steps.append(StepCount("strobes", findings.filter { $0.kind == .strobe }.count))
    return (findings, steps)
  }
}

private struct ResultsBox: @unchecked Sendable {
  // Each concurrent iteration writes only its own index; the buffer outlives the loop.
  let buffer: UnsafeMutableBufferPointer<PeriodicityFinding?>
  init(_ b: UnsafeMutableBufferPointer<PeriodicityFinding?>) { buffer = b }
}
