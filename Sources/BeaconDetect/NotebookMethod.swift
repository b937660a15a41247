import BeaconCore

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

  /// `rows` are the baselined rows (busy source, rare destination); `degree` is
  /// `DegreeofSourceIps` per DestinationIP.
  public static func detect(
    _ rows: [ConnectionRecord], degree: [ExactString: Int], thresholds: NotebookThresholds
  ) -> Result {
    // Step 4: order each source's rows by time, ties broken by the Decision's chain.
    let ordered = rows.sorted(by: rowOrder)
    var groups: [GroupKey: GroupTotals] = [:]
    var complete = 0
    var passing = 0
    var previous: ConnectionRecord?
    for r in ordered {
      defer { previous = r }
      // The previous row of the same source, any destination; a row dropped for nulls still serves.
      guard let prev = previous, Order.compare(prev.sourceIP, r.sourceIP) == 0 else { continue }
      guard let src = r.sourceIP, let dst = r.destinationIP, r.sourcePort != nil,
        let dport = r.destinationPort, let proto = r.protocol, let recv = r.receivedBytes,
        let sent = r.sentBytes, let vendor = r.deviceVendor
      else { continue }
      complete += 1
      let delta = r.time.epochSecondsFloor - prev.time.epochSecondsFloor
      guard delta > Int64(thresholds.timeDeltaThreshold) else { continue }
      passing += 1
      let key = GroupKey(
        vendor: vendor, source: src, destination: dst, port: dport, protocol: proto, delta: delta)
      // Sums wrap rather than trap: byte counts come from the logs, and a hostile value must not crash the hunt.
      groups[key, default: GroupTotals()].add(sent: sent, received: recv)
    }

    // Step 6: partitions P = (vendor, source, destination, port), ordered by Timedelta then Protocol.
    var partitions: [PartitionKey: [(GroupKey, GroupTotals)]] = [:]
    for (k, v) in groups { partitions[k.partition, default: []].append((k, v)) }
    var windowed: [NotebookFinding] = []
    var pairTotals: [PairKey: Int64] = [:]
    for (_, var members) in partitions {
      members.sort { a, b in
        a.0.delta != b.0.delta ? a.0.delta < b.0.delta : utf8Less(a.0.protocol, b.0.protocol)
      }
      var rowsOfP: [NotebookFinding] = []
      var partitionSum: Int64 = 0
      for (k, (key, totals)) in members.enumerated() {
        let list = members[max(0, k - 2)...k].map { $0.1.count }
        let listCount = list.reduce(0, &+)
        partitionSum &+= listCount
        rowsOfP.append(
          NotebookFinding(
            destinationIP: key.destination, deviceVendor: key.vendor, sourceIP: key.source,
            destinationPort: key.port, protocol: key.protocol, timedelta: key.delta,
            timedeltaCount: totals.count, totalSentBytes: totals.sent,
            totalReceivedBytes: totals.received,
            totalEvents: totals.count,
            degreeOfSourceIPs: Int64(degree[ExactString(key.destination)] ?? 0),
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
    }
    // Totaleventcount: Σ Timedeltalistcount over (source, destination, port), across vendors.
    for i in windowed.indices {
      let f = windowed[i]
      windowed[i].totalEventCount = pairTotals[
        PairKey(source: f.sourceIP, destination: f.destinationIP, port: f.destinationPort)]!
    }

    // Step 7: the report filter and order.
    let findings = windowed.filter {
      $0.percentBeacon > thresholds.percentBeaconThreshold
        && $0.totalEventCount > Int64(thresholds.dailyEventCountThreshold)
    }.sorted(by: findingOrder)
    return Result(findings: findings, complete: complete, passing: passing, groups: groups.count)
  }

  /// Step 4's order: SourceIP (to partition), TimeGenerated at full precision, then the Decision's
  /// tie-breaks (DestinationIP, DestinationPort, Protocol, SourcePort, SentBytes, ReceivedBytes;
  /// text order for strings, nulls first), then DeviceVendor so that the order is total.
  public static func rowOrder(_ a: ConnectionRecord, _ b: ConnectionRecord) -> Bool {
    var c = Order.compare(a.sourceIP, b.sourceIP)
    if c != 0 { return c < 0 }
    if a.time != b.time { return a.time < b.time }
    c = Order.compare(a.destinationIP, b.destinationIP)
    if c != 0 { return c < 0 }
    c = Order.compare(a.destinationPort, b.destinationPort)
    if c != 0 { return c < 0 }
    c = Order.compare(a.protocol, b.protocol)
    if c != 0 { return c < 0 }
    c = Order.compare(a.sourcePort, b.sourcePort)
    if c != 0 { return c < 0 }
    c = Order.compare(a.sentBytes, b.sentBytes)
    if c != 0 { return c < 0 }
    c = Order.compare(a.receivedBytes, b.receivedBytes)
    if c != 0 { return c < 0 }
    return Order.compare(a.deviceVendor, b.deviceVendor) < 0
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

  struct GroupKey: Hashable {
    var vendor: String
    var source: String
    var destination: String
    var port: Int32
    var `protocol`: String
    var delta: Int64

    var partition: PartitionKey {
      PartitionKey(vendor: vendor, source: source, destination: destination, port: port)
    }
  }

  struct PartitionKey: Hashable {
    var vendor: String
    var source: String
    var destination: String
    var port: Int32
  }

  struct PairKey: Hashable {
    var source: String
    var destination: String
    var port: Int32
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
