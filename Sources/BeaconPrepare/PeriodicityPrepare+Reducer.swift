import BeaconCore
import BeaconNet

/// A flow as preparation leaves it: one source → destination (a name, else an address), port
/// and protocol, with its connections' columns in input order. Ids are of `PreparedFlows.pool`.
public struct PreparedFlow: Sendable {
  public var source: UInt32
  /// The name when the flow is named (`HostName`), else the address.
  public var destinationKey: UInt32
  public var named: Bool
  /// The destination address of an unnamed flow (its key).
  public var destinationIP: UInt32
  public var port: Int32?
  public var `protocol`: UInt32
  public var sourceInternal: Bool
  public var ticks: [Int64] = []
  public var sent: [Int64?] = []
  public var received: [Int64?] = []
  public var sourcePorts: [Int32?] = []
  /// A named flow's addresses, each with the day it was met (`address << 32 | day`), so that
  /// the window can drop the days outside it.
  public var addressDays: Set<UInt64> = []
  /// The addresses a named flow went to, inside the window (set by `Reducer.finish`).
  public var addresses: [UInt32] = []

  /// Drops the columns (once they have been handed on), keeping the key.
  public mutating func release() {
    ticks = []
    sent = []
    received = []
    sourcePorts = []
    addressDays = []
    addresses = []
  }
}

/// Today's prepared flows and the account of preparation.
public struct PreparedFlows: Sendable {
  public var result: PeriodicityPrepare.Result
  public var pool: StringPool
  public var flows: [PreparedFlow]
}

extension PeriodicityPrepare.Result {
  /// The counts of the steps after the window, for rows of one day: a row's day decides whether
  /// they count, and the window is known only once every row has been read.
  struct DayCounts {
    var rows = 0
    var minTicks = Int64.max
    var invalidAddresses = 0
    var invalidExample: String?
    var validRows = 0
    var namedRows = 0
    var proxiedRows = 0
    var invalidNames = 0
    var afterDirection = 0
    var icmpErrors = 0
    var noiseDestinations = 0
    var afterNoise = 0
    var allowlisted = 0
    var allowlistedByName = 0
    var kept = 0

    mutating func add(_ o: DayCounts) {
      rows += o.rows
      minTicks = min(minTicks, o.minTicks)
      invalidAddresses += o.invalidAddresses
      if let e = o.invalidExample, invalidExample.map({ utf8Compare(e, $0) < 0 }) ?? true {
        invalidExample = e
      }
      validRows += o.validRows
      namedRows += o.namedRows
      proxiedRows += o.proxiedRows
      invalidNames += o.invalidNames
      afterDirection += o.afterDirection
      icmpErrors += o.icmpErrors
      noiseDestinations += o.noiseDestinations
      afterNoise += o.afterNoise
      allowlisted += o.allowlisted
      allowlistedByName += o.allowlistedByName
      kept += o.kept
    }
  }
}

extension PeriodicityPrepare {
  /// The periodicity method's preparation, chunk by chunk as the loader hands rows on: each row
  /// is decided once, by ids (each distinct address, name pair, protocol and port classified
  /// once), and a kept row goes straight into its flow's columns. Counts are kept per day, and
  /// `finish` applies the window (`TimeWindow.Rule`) once the days are known, so the result is
  /// the one a pass over all rows in memory would give.
  public struct Reducer {
    let vendor: String?
    let rule: TimeWindow.Rule
    let classifier: AddressClassifier
    let allow: Allowlist
    let anyDirection: Bool
    /// Also keep the rows themselves, as records (for `apply`).
    let keepRows: Bool

    public private(set) var pool = StringPool()
    private var afterVendor = 0
    private var days = TimeWindow.DayCounts()
    private var perDay: [Int64: Result.DayCounts] = [:]
    private var flows: [PreparedFlow] = []
    private var index: [Key: Int] = [:]
    private var rows: [(ConnectionRecord, Bool)] = []

    /// By id of `pool`: an address's class (nil: not an address), once known.
    private var classes: [Class??] = []
    /// By (request URL id, host name id): the destination's name.
    private var names: [UInt64: Name] = [:]
    /// By protocol id: which ICMP family it names, if any.
    private var icmp: [UInt32: ICMPFamily] = [:]
    /// By (port, protocol id): whether an allowlist port entry drops it.
    private var allowedPorts: [UInt64: Bool] = [:]

    struct Class {
      var kind: AddressClass
      var allowed: Bool
      var noise: Bool
      var v6: Bool
    }

    struct Name {
      var destination: HostName.Destination
      /// `destination.name`'s id in the pool.
      var id: UInt32
      var allowed: Bool
    }

    enum ICMPFamily { case none, v4, v6 }

    struct Key: Hashable {
      var source: UInt32
      var destination: UInt32
      var port: Int64
      var proto: UInt32
    }

    public init(
      vendor: String?, window rule: TimeWindow.Rule, context: Context,
      parameters p: PeriodicityParameters, keepRows: Bool = false
    ) {
      self.vendor = vendor
      self.rule = rule
      classifier = context.classifier
      allow = context.allowlist
      anyDirection = p.anyDirection
      self.keepRows = keepRows
    }

    public mutating func add(_ chunk: borrowing RowChunk) {
      let local = chunk.pool
      let wanted: UInt32?? = vendor.map { local.find($0) }
      if case .some(.none) = wanted { return }  // the vendor is not in this chunk at all
      var remap = PoolRemap(local)
      var lastDay = Int64.min
      var counts = Result.DayCounts()
      for r in chunk.rows {
        if case .some(.some(let v)) = wanted, r.vendor != v { continue }
        afterVendor += 1
        days.add(r.ticks)
        let day = TimeWindow.day(r.ticks)
        if day != lastDay {
          if lastDay != .min { perDay[lastDay, default: .init()].add(counts) }
          counts = Result.DayCounts()
          lastDay = day
        }
        counts.rows += 1
        counts.minTicks = min(counts.minTicks, r.ticks)
        consider(r, day: day, local, &remap, &counts)
      }
      if lastDay != .min { perDay[lastDay, default: .init()].add(counts) }
    }

    private mutating func consider(
      _ r: CompactRow, day: Int64, _ local: StringPool, _ remap: inout PoolRemap,
      _ c: inout Result.DayCounts
    ) {
      let srcID = remap(r.source, local, into: &pool)
      let dstID = remap(r.destination, local, into: &pool)
      guard let src = classOf(srcID), let dst = classOf(dstID) else {
        c.invalidAddresses += 1
        let example = PeriodicitySteps.invalidExample(
          source: pool.string(srcID), destination: pool.string(dstID))
        if c.invalidExample.map({ utf8Compare(example, $0) < 0 }) ?? true {
          c.invalidExample = example
        }
        return
      }
      c.validRows += 1
      let name = nameOf(
        url: remap(r.requestURL, local, into: &pool), host: remap(r.hostName, local, into: &pool))
      let proxied = name?.destination.proxied ?? false
      if name?.destination.name != nil { c.namedRows += 1 }
      if proxied { c.proxiedRows += 1 }
      if name?.destination.invalid ?? false { c.invalidNames += 1 }
      // A proxied connection leaves the network by its proxy: the proxy is a hop.
      guard anyDirection || (src.kind == .internal && (dst.kind == .external || proxied)) else {
        return
      }
      c.afterDirection += 1
      let protoID = remap(r.protocol, local, into: &pool)
      if isICMPError(type: r.sourcePortValue, protocol: protoID, destinationIsV6: dst.v6) {
        c.icmpErrors += 1
        return
      }
      if dst.noise, !proxied {
        c.noiseDestinations += 1
        return
      }
      c.afterNoise += 1
      let nameAllowed = name?.allowed ?? false
      if src.allowed || (dst.allowed && !proxied) || nameAllowed
        || portAllowed(r.destinationPortValue, protoID)
      {
        c.allowlisted += 1
        if nameAllowed { c.allowlistedByName += 1 }
        return
      }
      c.kept += 1
      let named = name?.destination.name != nil
      let keyID = named ? name!.id : dstID
      if keepRows {
        let record = ConnectionRecord(
          time: Timestamp(ticks: r.ticks), sourceIP: pool.string(srcID),
          destinationIP: pool.string(dstID), sourcePort: r.sourcePortValue,
          destinationPort: r.destinationPortValue, protocol: pool.string(protoID),
          receivedBytes: r.receivedBytesValue, sentBytes: r.sentBytesValue,
          deviceVendor: local.string(r.vendor), destinationHostName: name?.destination.name)
        rows.append((record, src.kind == .internal))
      }
      let key = Key(
        source: srcID, destination: keyID,
        port: r.destinationPortValue.map { Int64($0) } ?? Int64.min, proto: protoID)
      let k: Int
      if let known = index[key] {
        k = known
      } else {
        k = flows.count
        index[key] = k
        flows.append(
          PreparedFlow(
            source: srcID, destinationKey: keyID, named: named, destinationIP: dstID,
            port: r.destinationPortValue, protocol: protoID, sourceInternal: src.kind == .internal
          ))
      }
      flows[k].ticks.append(r.ticks)
      flows[k].sent.append(r.sentBytesValue)
      flows[k].received.append(r.receivedBytesValue)
      flows[k].sourcePorts.append(r.sourcePortValue)
      if named {
        flows[k].addressDays.insert(UInt64(dstID) << 32 | UInt64(UInt32(truncatingIfNeeded: day)))
      }
    }

    private mutating func classOf(_ id: UInt32) -> Class? {
      guard id != StringPool.none else { return nil }
      while classes.count <= Int(id) { classes.append(.none) }
      if let known = classes[Int(id)] { return known }
      // The ICMP family is read from the text, as the SQL does (`:` in the address).
      let (address, v6) = pool.withBytes(id) {
        (IPAddress(String(decoding: $0, as: UTF8.self)), $0.contains(UInt8(ascii: ":")))
      }
      let c = address.map {
        Class(
          kind: classifier.classify($0), allowed: allow.contains($0),
          noise: SpecialPurpose.isNoise($0), v6: v6)
      }
      classes[Int(id)] = .some(c)
      return c
    }

    private mutating func nameOf(url: UInt32, host: UInt32) -> Name? {
      guard url != StringPool.none || host != StringPool.none else { return nil }
      let key = UInt64(url) << 32 | UInt64(host)
      if let n = names[key] { return n }
      let d = HostName.destination(requestURL: pool.string(url), hostName: pool.string(host))
      let n = Name(
        destination: d, id: d.name.map { pool.id($0) } ?? StringPool.none,
        allowed: d.name.map(allow.containsName) ?? false)
      names[key] = n
      return n
    }

    private mutating func isICMPError(type: Int32?, protocol id: UInt32, destinationIsV6: Bool)
      -> Bool
    {
      guard let type, id != StringPool.none else { return false }
      let family: ICMPFamily
      if let f = icmp[id] {
        family = f
      } else {
        let proto = pool.string(id).flatMap(PeriodicityPrepare.asciiLowercased)
        family =
          proto.map {
            icmpProtocols.contains($0) ? .v4 : icmp6Protocols.contains($0) ? .v6 : .none
          } ?? .none
        icmp[id] = family
      }
      switch family {
      case .none: return false
      // The family is the destination's, as written.
      case .v4: return (destinationIsV6 ? icmp6ErrorTypes : icmpErrorTypes).contains(type)
      case .v6: return icmp6ErrorTypes.contains(type)
      }
    }

    private mutating func portAllowed(_ port: Int32?, _ proto: UInt32) -> Bool {
      guard let port, !allow.ports.isEmpty else { return false }
      let key = UInt64(UInt32(bitPattern: port)) << 32 | UInt64(proto)
      if let known = allowedPorts[key] { return known }
      let v = allow.containsPort(port, pool.string(proto))
      allowedPorts[key] = v
      return v
    }

    /// The window applied: counts of the days in it, and flows of their rows only.
    public mutating func finish() -> PreparedFlows {
      var out = Result()
      out.allowlist = allow
      out.afterVendor = afterVendor
      out.window = rule.span(days)
      var inside = Result.DayCounts()
      for (day, c) in perDay {
        if day >= out.window.firstDay && day <= out.window.lastDay {
          inside.add(c)
        } else {
          out.outsideWindow += c.rows
          out.outsideExample = min(out.outsideExample ?? .max, c.minTicks)
        }
      }
      out.inWindow = inside.rows
      out.invalidAddresses = inside.invalidAddresses
      out.invalidExample = inside.invalidExample
      out.validRows = inside.validRows
      out.namedRows = inside.namedRows
      out.proxiedRows = inside.proxiedRows
      out.invalidNames = inside.invalidNames
      out.afterDirection = inside.afterDirection
      out.icmpErrors = inside.icmpErrors
      out.noiseDestinations = inside.noiseDestinations
      out.afterNoise = inside.afterNoise
      out.allowlisted = inside.allowlisted
      out.allowlistedByName = inside.allowlistedByName
      out.afterAllowlist = inside.kept
      let window = out.window
      if keepRows {
        for (r, isInternal) in rows where window.contains(r.time.ticks) {
          out.rows.append(r)
          out.sourceInternal.append(isInternal)
        }
      }
      var kept: [PreparedFlow] = []
      kept.reserveCapacity(flows.count)
      for var f in flows {
        if !f.ticks.allSatisfy(window.contains) {
          let inWindow = f.ticks.indices.filter { window.contains(f.ticks[$0]) }
          if inWindow.isEmpty { continue }
          f.ticks = inWindow.map { f.ticks[$0] }
          f.sent = inWindow.map { f.sent[$0] }
          f.received = inWindow.map { f.received[$0] }
          f.sourcePorts = inWindow.map { f.sourcePorts[$0] }
        }
        if f.named {
          var addresses = Set<UInt32>()
          for e in f.addressDays {
            let day = Int64(Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: e)))
            if day >= window.firstDay && day <= window.lastDay {
              addresses.insert(UInt32(truncatingIfNeeded: e >> 32))
            }
          }
          f.addresses = Array(addresses)
          f.addressDays = []
        }
        kept.append(f)
      }
      flows = []
      index = [:]
      return PreparedFlows(result: out, pool: pool, flows: kept)
    }
  }
}
