import BeaconCore
import Dispatch

/// Steps 4–7 of the notebook method (`spec/notebook-method.md`): per-source time deltas, groups,
/// three-row windows, and the report filter. Every Decision of the spec is marked where it applies.
public enum NotebookMethod {
  public struct Result: Sendable {
    public var findings: [NotebookFinding]
    /// Rows with all nine fields and a previous row; deltas above the threshold; groups.
    public var complete: Int
    public var passing: Int
    public var groups: Int
  }

  /// `rows` are the baselined rows (busy source, rare destination), their ids in `pool`;
  /// `degreeByID` is `DegreeofSourceIps` per destination id (`NotebookBaseline`).
  public static func detect(
    _ rows: [CompactRow], pool: StringPool, degreeByID: [Int32],
    thresholds: NotebookThresholds, threads: Int = 2
  ) -> Result {
    detect(
      partitions: 1, rows: { _ in rows }, pool: pool, degreeByID: degreeByID,
      thresholds: thresholds, threads: threads)
  }

  /// `detect` over baselined rows in partitions by source (`NotebookRows.partition`), taken one
  /// at a time: every step after the baseline groups within a source, so each partition is
  /// detected alone and the findings are those of all rows at once.
  public static func detect<E: Error>(
    partitions: Int, rows: (Int) throws(E) -> [CompactRow], pool: StringPool,
    degreeByID: [Int32], thresholds: NotebookThresholds, threads: Int = 2
  ) throws(E) -> Result {
    // Ids become their rank in byte order (a bijection), so rows sort and group by integers in
    // Spark's string order; `strings[rank]` is the text.
    let rankOf = pool.byteOrderRanks()
    var strings = [String](repeating: "", count: rankOf.count)
    for (id, s) in pool.strings().enumerated() { strings[Int(rankOf[id])] = s }
    var degree = [Int64](repeating: 0, count: rankOf.count)
    for (id, d) in degreeByID.enumerated() where d > 0 {
      degree[Int(rankOf[id])] = Int64(d)
    }
    var total = Result(findings: [], complete: 0, passing: 0, groups: 0)
    for p in 0..<partitions {
      let part = detectPart(
        try rows(p), rankOf: rankOf, strings: strings, degree: degree, thresholds: thresholds,
        threads: threads)
      total.findings += part.findings
      total.complete += part.complete
      total.passing += part.passing
      total.groups += part.groups
    }
    total.findings.sort(by: findingOrder)
    return total
  }

  /// Steps 4–7 for rows whose sources are in no other call; the findings unordered.
  static func detectPart(
    _ rows: [CompactRow], rankOf: [UInt32], strings: [String], degree: [Int64],
    thresholds: NotebookThresholds, threads: Int
  ) -> Result {
    @inline(__always) func ranked(_ id: UInt32) -> UInt32 {
      id == StringPool.none ? id : rankOf[Int(id)]
    }
    // Step 4: order each source's rows by time, ties broken by the Decision's chain: sources
    // into contiguous runs (a counting sort), then each run sorted on its own, on every core.
    // A row without a source has no previous row and is never complete (the baseline keeps
    // none, as only busy sources pass): it is left out here.
    var counts = [Int](repeating: 0, count: rankOf.count + 1)
    for r in rows where r.source != StringPool.none { counts[Int(ranked(r.source)) + 1] += 1 }
    for i in counts.indices.dropFirst() { counts[i] += counts[i - 1] }
    let sourced = counts.last ?? 0
    var ordered = [CompactRow](
      unsafeUninitializedCapacity: sourced
    ) { buffer, n in
      var next = counts
      for var r in rows where r.source != StringPool.none {
        r.source = ranked(r.source)
        r.destination = ranked(r.destination)
        r.protocol = ranked(r.protocol)
        r.vendor = ranked(r.vendor)
        let at = next[Int(r.source)]
        next[Int(r.source)] += 1
        (buffer.baseAddress! + at).initialize(to: r)
      }
      n = sourced
    }
    var runs: [Range<Int>] = []
    for s in 0..<rankOf.count where counts[s + 1] > counts[s] {
      runs.append(counts[s]..<counts[s + 1])
    }
    let sourceRuns = runs
    ordered.withUnsafeMutableBufferPointer { buffer in
      let shared = SharedRows(buffer: buffer)
      let workers = max(1, min(threads, sourceRuns.count))
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var k = w
        while k < sourceRuns.count {
          var run = UnsafeMutableBufferPointer(rebasing: shared.buffer[sourceRuns[k]])
          run.sort(by: rowOrder)
          k += workers
        }
      }
    }
    var groups: [GroupKey: GroupTotals] = [:]
    var complete = 0
    var passing = 0
    let none = StringPool.none
    for i in ordered.indices {
      // The previous row of the same source, any destination; a row dropped for nulls still serves.
      guard i > 0, ordered[i - 1].source == ordered[i].source else { continue }
      let r = ordered[i]
      guard r.source != none, r.destination != none, r.protocol != none, r.vendor != none,
        r.present == CompactRow.Present.all
      else { continue }
      complete += 1
      let delta = floorSeconds(r.ticks) - floorSeconds(ordered[i - 1].ticks)
      guard delta > Int64(thresholds.timeDeltaThreshold) else { continue }
      passing += 1
      let key = GroupKey(
        vendor: r.vendor, source: r.source, destination: r.destination, port: r.destinationPort,
        protocol: r.protocol, delta: delta)
      // Sums wrap rather than trap: byte counts come from the logs, and a hostile value must not crash the hunt.
      groups[key, default: GroupTotals()].add(sent: r.sentBytes, received: r.receivedBytes)
    }

    // Step 6: partitions P = (vendor, source, destination, port), ordered by Timedelta then Protocol.
    var partitions: [PartitionKey: [(GroupKey, GroupTotals)]] = [:]
    for (k, v) in groups { partitions[k.partition, default: []].append((k, v)) }
    var windowed: [NotebookFinding] = []
    var pairOf: [PairKey] = []
    var pairTotals: [PairKey: Int64] = [:]
    for (_, var members) in partitions {
      members.sort { a, b in
        a.0.delta != b.0.delta ? a.0.delta < b.0.delta : a.0.protocol < b.0.protocol
      }
      var rowsOfP: [NotebookFinding] = []
      var partitionSum: Int64 = 0
      for (k, (key, totals)) in members.enumerated() {
        let list = members[max(0, k - 2)...k].map { $0.1.count }
        let listCount = list.reduce(0, &+)
        partitionSum &+= listCount
        rowsOfP.append(
          NotebookFinding(
            destinationIP: strings[Int(key.destination)], deviceVendor: strings[Int(key.vendor)],
            sourceIP: strings[Int(key.source)], destinationPort: key.port,
            protocol: strings[Int(key.protocol)], timedelta: key.delta,
            timedeltaCount: totals.count, totalSentBytes: totals.sent,
            totalReceivedBytes: totals.received,
            totalEvents: totals.count,
            degreeOfSourceIPs: degree[Int(key.destination)],
            timedeltaList: list, timedeltaListCount: listCount, totalEventCount: 0, percentBeacon: 0
          ))
      }
      for i in rowsOfP.indices {
        rowsOfP[i].percentBeacon =
          Double(rowsOfP[i].timedeltaListCount) / Double(partitionSum) * 100.0
      }
      let pair = PairKey(
        source: members[0].0.source, destination: members[0].0.destination, port: members[0].0.port)
      pairTotals[pair, default: 0] &+= partitionSum
      windowed += rowsOfP
      pairOf += Array(repeating: pair, count: rowsOfP.count)
    }
    // Totaleventcount: Σ Timedeltalistcount over (source, destination, port), across vendors.
    for i in windowed.indices { windowed[i].totalEventCount = pairTotals[pairOf[i]]! }

    // Step 7: the report filter and order.
    let findings = windowed.filter {
      $0.percentBeacon > thresholds.percentBeaconThreshold
        && $0.totalEventCount > Int64(thresholds.dailyEventCountThreshold)
    }
    return Result(findings: findings, complete: complete, passing: passing, groups: groups.count)
  }

  /// `floor(ticks / 10^7)`: whole seconds, rounded down before 1970 too.
  @inline(__always)
  static func floorSeconds(_ ticks: Int64) -> Int64 {
    TimeWindow.floor(ticks, Timestamp.ticksPerSecond)
  }

  /// Step 4's order within one source, on rows whose string ids are byte-order ranks: the time at
  /// full precision, then the Decision's tie-breaks (DestinationIP, DestinationPort, Protocol,
  /// SourcePort, SentBytes, ReceivedBytes; text order for strings, nulls first), then
  /// DeviceVendor so that the order is total.
  @inline(__always)
  public static func rowOrder(_ a: CompactRow, _ b: CompactRow) -> Bool {
    if a.ticks != b.ticks { return a.ticks < b.ticks }
    // `none` (nil) is UInt32.max: nulls first means it sorts before every rank.
    @inline(__always) func key(_ id: UInt32) -> UInt64 {
      id == StringPool.none ? 0 : UInt64(id) + 1
    }
    if a.destination != b.destination { return key(a.destination) < key(b.destination) }
    var c = Order.compare(a.destinationPortValue, b.destinationPortValue)
    if c != 0 { return c < 0 }
    if a.protocol != b.protocol { return key(a.protocol) < key(b.protocol) }
    c = Order.compare(a.sourcePortValue, b.sourcePortValue)
    if c != 0 { return c < 0 }
    c = Order.compare(a.sentBytesValue, b.sentBytesValue)
    if c != 0 { return c < 0 }
    c = Order.compare(a.receivedBytesValue, b.receivedBytesValue)
    if c != 0 { return c < 0 }
    return key(a.vendor) < key(b.vendor)
  }

  /// Step 7's order: Percentbeacon descending, then SourceIP, DestinationIP, DestinationPort,
  /// Timedelta, Protocol (the Decision), then DeviceVendor so that the order is total.
  public static func findingOrder(_ a: NotebookFinding, _ b: NotebookFinding) -> Bool {
    if a.percentBeacon != b.percentBeacon { return a.percentBeacon > b.percentBeacon }
    var c = Order.compare(a.sourceIP, b.sourceIP)
    if c != 0 { return c < 0 }
    c = Order.compare(a.destinationIP, b.destinationIP)
    if c != 0 { return c < 0 }
    if a.destinationPort != b.destinationPort { return a.destinationPort < b.destinationPort }
    if a.timedelta != b.timedelta { return a.timedelta < b.timedelta }
    c = Order.compare(a.protocol, b.protocol)
    if c != 0 { return c < 0 }
    return Order.compare(a.deviceVendor, b.deviceVendor) < 0
  }

  /// Keys of byte-order ranks (see `detect`).
  struct GroupKey: Hashable {
    var vendor: UInt32
    var source: UInt32
    var destination: UInt32
    var port: Int32
    var `protocol`: UInt32
    var delta: Int64

    var partition: PartitionKey {
      PartitionKey(vendor: vendor, source: source, destination: destination, port: port)
    }
  }

  struct PartitionKey: Hashable {
    var vendor: UInt32
    var source: UInt32
    var destination: UInt32
    var port: Int32
  }

  struct PairKey: Hashable {
    var source: UInt32
    var destination: UInt32
    var port: Int32
  }

  /// The sorted rows, shared by the workers that sort disjoint runs of them.
  struct SharedRows: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<CompactRow>
  }

  struct GroupTotals {
    var count: Int64 = 0
    var sent: Int64 = 0
    var received: Int64 = 0

    mutating func add(sent s: Int64, received r: Int64) {
      count += 1
      sent &+= s
      received &+= r
    }
  }
}
