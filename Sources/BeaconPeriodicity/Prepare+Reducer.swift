import BeaconCore
import BeaconNet

/// One connection of a prepared flow: its time, sizes and source port (`present` as in
/// `CompactRow`), and the flow it belongs to. 32 bytes: the flow's index and the presence bits
/// share one word, because a day's kept connections are the largest thing a hunt holds.
public struct FlowRow: Sendable, BitwiseCopyable {
  public var ticks: Int64
  public var sentBytes: Int64
  public var receivedBytes: Int64
  public var sourcePort: Int32
  /// The flow in the low 28 bits, `CompactRow.Present` bits in the high 4.
  @usableFromInline var packed: UInt32

  /// Flows a hunt can number: far more than fit in memory (each flow holds about 100 bytes
  /// besides its connections).
  public static let maxFlows = 1 << 28
  @usableFromInline static let flowMask = UInt32(maxFlows - 1)

  @inlinable public init(
    ticks: Int64, sentBytes: Int64, receivedBytes: Int64, sourcePort: Int32, flow: UInt32,
    present: UInt8
  ) {
    self.ticks = ticks
    self.sentBytes = sentBytes
    self.receivedBytes = receivedBytes
    self.sourcePort = sourcePort
    packed = 0
    self.flow = flow
    packed |= UInt32(present & CompactRow.Present.all) << 28
  }

  @inlinable public var flow: UInt32 {
    get { packed & Self.flowMask }
    set {
      precondition(newValue <= Self.flowMask, "more than 2^28 flows")
      packed = packed & ~Self.flowMask | newValue
    }
  }

  @inlinable public var present: UInt8 { UInt8(truncatingIfNeeded: packed >> 28) }

  @inlinable public var sourcePortValue: Int32? {
    present & CompactRow.Present.sourcePort != 0 ? sourcePort : nil
  }
  @inlinable public var sentBytesValue: Int64? {
    present & CompactRow.Present.sentBytes != 0 ? sentBytes : nil
  }
  @inlinable public var receivedBytesValue: Int64? {
    present & CompactRow.Present.receivedBytes != 0 ? receivedBytes : nil
  }
}

/// A flow as preparation leaves it: one source → destination (a name, else an address), port
/// and protocol. Ids are of `PreparedFlows.pool`; its connections are `PreparedFlows.rows[rows]`.
public struct PreparedFlow: Sendable {
  public var source: UInt32
  /// The name when the flow is named (`HostName`), else the address.
  public var destinationKey: UInt32
  public var named: Bool
  /// The destination address of an unnamed flow (its key); a named flow's first address.
  public var destinationIP: UInt32
  public var port: Int32?
  public var `protocol`: UInt32
  public var sourceInternal: Bool
  /// The day (`TimeWindow.day`) of the flow's first connection: with `destinationIP`, the first
  /// of a named flow's addresses.
  var addressDay: Int32 = 0
  /// The partition of `PreparedFlows.connections` that holds the flow's connections, and
  /// where they are in it, in input order.
  public var partition = 0
  public var rows: Range<Int> = 0..<0
  /// The first and last connection's time, in ticks.
  public var firstTicks = Int64.max
  public var lastTicks = Int64.min
  /// The addresses a named flow went to inside the window: `addressRange` of
  /// `PreparedFlows.addressList`.
  var addressStart: UInt32 = 0
  var addressCount: UInt32 = 0

  /// Where the flow's addresses are in `PreparedFlows.addressList`.
  public var addressRange: Range<Int> {
    Int(addressStart)..<Int(addressStart) + Int(addressCount)
  }
}

/// Today's prepared flows and the account of preparation.
public struct PreparedFlows: Sendable {
  public var result: PeriodicityPrepare.Result
  public var pool: StringPool
  public var flows: [PreparedFlow]
  /// The named flows' addresses (ids of `pool`), each flow's a run of its own, in id order
  /// (`PreparedFlow.addressRange`).
  public var addressList: [UInt32]
  /// Every kept connection inside the window, grouped by flow (each flow's run in input order).
  public var connections: FlowConnections
  /// Set when the connections went to disk.
  public var spill: SpillReport?
}

/// The kept connections, grouped by flow: in memory (one partition), or on disk in
/// `MemoryBudget.spillPartitions` partitions by flow, each grouped when it is taken.
public struct FlowConnections: Sendable {
  enum Storage {
    /// The reducer's blocks in input order, and `order`: the grouping, as each connection's
    /// place in the blocks (`FlowRowSet.place`). Grouping by places, not by copying the
    /// connections, holds them once: a copy grouped by flow is written all over, so every page
    /// of it is resident long before the blocks can be released.
    case memory(blocks: [[FlowRow]], order: [UInt32])
    case spilled(PartitionedSpill<FlowRow>)
  }
  var storage: Storage
  let window: TimeWindow.Span
  /// Spilled: by flow as the reducer numbered them, the kept flow's index (-1: none).
  let keptIndex: [Int32]
  /// Spilled: by kept flow, where its next connection goes in its partition (its run's start
  /// until its partition is taken).
  var cursors: [Int]
  /// Connections in each partition.
  public let sizes: [Int]

  public var partitions: Int { sizes.count }

  /// None: what is left once the connections are released.
  public init() {
    self.init(
      storage: .memory(blocks: [], order: []), window: .init(firstDay: 0, lastDay: 0),
      keptIndex: [], cursors: [], sizes: [0])
  }

  init(
    storage: Storage, window: TimeWindow.Span, keptIndex: [Int32], cursors: [Int], sizes: [Int]
  ) {
    self.storage = storage
    self.window = window
    self.keptIndex = keptIndex
    self.cursors = cursors
    self.sizes = sizes
  }

  /// Partition `p`'s connections, grouped as `PreparedFlow.rows` says; each partition can be
  /// taken once (memory: handed over, not copied).
  public mutating func take(_ p: Int) throws(SpillError) -> FlowRowSet {
    switch storage {
    case .memory(let blocks, let order):
      storage = .memory(blocks: [], order: [])
      return FlowRowSet(storage: .placed(blocks: blocks, order: order))
    case .spilled(let spill):
      let read = try spill.rows(of: p)
      return FlowRowSet(
        storage: .grouped(
          [FlowRow](unsafeUninitializedCapacity: sizes[p]) { buffer, n in
            for var r in read where window.contains(r.ticks) {
              let k = Int(keptIndex[Int(r.flow)])
              let at = cursors[k]
              cursors[k] = at + 1
              r.flow = UInt32(k)
              (buffer.baseAddress! + at).initialize(to: r)
            }
            n = sizes[p]
          }))
    }
  }
}

/// One partition's connections, grouped by flow: `rows(flow.rows)` is a flow's connections in
/// input order.
public struct FlowRowSet: Sendable {
  enum Storage {
    case grouped([FlowRow])
    case placed(blocks: [[FlowRow]], order: [UInt32])
  }
  let storage: Storage

  /// Connections per block of the reducer; a place is `block << blockShift | offset`, so a
  /// hunt holds at most 2^32 connections in memory (past the budget they go to disk anyway).
  static let blockShift = 16
  static let blockRows = 1 << blockShift

  @inline(__always) static func place(block: Int, offset: Int) -> UInt32 {
    precondition(block < 1 << (32 - blockShift), "more than 2^32 connections in memory")
    return UInt32(truncatingIfNeeded: block << blockShift | offset)
  }

  /// The connections at `range` of the grouping (a flow's `PreparedFlow.rows`), in input order.
  public func rows(_ range: Range<Int>) -> [FlowRow] {
    switch storage {
    case .grouped(let rows): return Array(rows[range])
    case .placed(let blocks, let order):
      return order[range].map { p in
        blocks[Int(p >> UInt32(Self.blockShift))][Int(p & UInt32(Self.blockRows - 1))]
      }
    }
  }
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
    /// Past this, connections go to disk by flow (nil: never).
    let memory: MemoryBudget?
    private var spill: PartitionedSpill<FlowRow>?
    private var spillError: SpillError?

    public private(set) var pool = StringPool()
    private var afterVendor = 0
    private var perDay: [Int64: Result.DayCounts] = [:]
    private var flows: [PreparedFlow] = []
    /// Flows by key: a key's number is its flow's index in `flows`.
    private var index = FlatIndex<Key>()
    /// Kept connections in input order, each naming its flow; grouped by flow in `finish`.
    /// Blocks of a fixed size, so that growing never copies (nor holds twice) what is kept.
    private var flowBlocks: [[FlowRow]] = []
    private static let blockRows = FlowRowSet.blockRows
    /// Named flows' addresses, with the day each was met, so the window can drop the others.
    private var addressDays = FlatIndex<AddressDay>()
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

    struct AddressDay: FlatKey {
      var flow: UInt32
      var address: UInt32
      var day: Int64

      static let placeholder = AddressDay(flow: 0, address: 0, day: 0)

      var mixed: Int {
        FlatHash.finish(
          FlatHash.add(
            FlatHash.start(UInt64(flow) | UInt64(address) << 32), UInt64(bitPattern: day)))
      }
    }

    struct Key: FlatKey {
      var source: UInt32
      var destination: UInt32
      var port: Int64
      var proto: UInt32

      static let placeholder = Key(source: 0, destination: 0, port: 0, proto: 0)

      var mixed: Int {
        var h = FlatHash.start(UInt64(source) | UInt64(destination) << 32)
        h = FlatHash.add(h, UInt64(bitPattern: port) ^ UInt64(proto) << 40)
        return FlatHash.finish(h)
      }
    }

    public init(
      vendor: String?, window rule: TimeWindow.Rule, context: Context,
      parameters p: PeriodicityParameters, keepRows: Bool = false, memory: MemoryBudget? = nil
    ) {
      self.memory = memory
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
      // Rows of a chunk repeat few combinations of the fields a decision reads: each is decided
      // once (`Decision`), and a row only counts, and appends its connection.
      let grouped = chunk.flowGroups ?? RowChunk.FlowGroups(chunk.rows)
      var remap = PoolRemap(local)
      var decisions = [Decision](repeating: Decision(), count: grouped.combinations)
      var lastDay = Int64.min
      var counts = Result.DayCounts()
      for (i, r) in chunk.rows.enumerated() {
        if case .some(.some(let v)) = wanted, r.vendor != v { continue }
        afterVendor += 1
        let day = TimeWindow.day(r.ticks)
        if day != lastDay {
          if lastDay != .min { perDay[lastDay, default: .init()].add(counts) }
          counts = Result.DayCounts()
          lastDay = day
        }
        counts.rows += 1
        counts.minTicks = min(counts.minTicks, r.ticks)
        let g = Int(grouped.group[i])
        if !decisions[g].decided { decisions[g] = decide(r, local, &remap) }
        apply(&decisions[g], r, day: day, local, &counts)
      }
      if lastDay != .min { perDay[lastDay, default: .init()].add(counts) }
      if spill == nil, let memory, spillError == nil, heldBytes > memory.bytes {
        startSpilling(memory)
      }
    }

    /// About the bytes of state held: connections (by the blocks' capacity), flows and their
    /// index, named flows' addresses, and the pool.
    private var heldBytes: Int64 {
      let rows = flowBlocks.count * Self.blockRows * MemoryLayout<FlowRow>.stride
      let flowBytes = flows.count * MemoryLayout<PreparedFlow>.stride
      return Int64(
        rows + flowBytes + index.heldBytes + addressDays.heldBytes + pool.heldBytes)
    }

    /// The partition of a flow's connections on disk (and of the flow, once finished).
    @inline(__always)
    static func partition(ofFlow flow: UInt32, _ partitions: Int) -> Int {
      Int(flow % UInt32(partitions))
    }

    /// Moves the connections held so far to disk; later ones go straight there.
    private mutating func startSpilling(_ memory: MemoryBudget) {
      do throws(SpillError) {
        let s = try PartitionedSpill<FlowRow>(
          partitions: MemoryBudget.spillPartitions, folder: memory.folder)
        for b in flowBlocks.indices {
          for r in flowBlocks[b] {
            try s.append(r, to: Self.partition(ofFlow: r.flow, s.partitions))
          }
          flowBlocks[b] = []
        }
        flowBlocks = []
        spill = s
      } catch {
        spillError = error
      }
    }

    @inline(__always)
    private mutating func keep(_ row: FlowRow) {
      if let spill {
        guard spillError == nil else { return }
        do throws(SpillError) {
          try spill.append(row, to: Self.partition(ofFlow: row.flow, spill.partitions))
        } catch {
          spillError = error
        }
        return
      }
      if flowBlocks.isEmpty || flowBlocks[flowBlocks.count - 1].count == Self.blockRows {
        flowBlocks.append([])
        flowBlocks[flowBlocks.count - 1].reserveCapacity(Self.blockRows)
      }
      flowBlocks[flowBlocks.count - 1].append(row)
    }

    /// What preparation makes of one combination of source, destination, names, protocol and
    /// port (the ICMP test, which reads the source port, is left to each row).
    /// Plain values only, so a row's access to its decision copies nothing it must count.
    struct Decision {
      var decided = false
      var source: UInt32 = 0
      var destination: UInt32 = 0
      var valid = false
      var named = false
      var proxied = false
      var invalidName = false
      var outbound = false
      var protocolID: UInt32 = 0
      var icmp = ICMPFamily.none
      var v6 = false
      var noise = false
      var allowed = false
      var allowedByName = false
      var sourceInternal = false
      /// The flow's key: the name's id when named, else the address's.
      var keyID: UInt32 = 0
      /// The flow, once a row of this combination was kept; and the last day its address was
      /// noted for the flow.
      var flow = -1
      var lastAddressDay = Int64.min
    }

    private mutating func decide(
      _ r: CompactRow, _ local: StringPool, _ remap: inout PoolRemap
    ) -> Decision {
      let srcID = remap(r.source, local, into: &pool)
      let dstID = remap(r.destination, local, into: &pool)
      let protoID = remap(r.protocol, local, into: &pool)
      var d = Decision()
      d.decided = true
      d.source = srcID
      d.destination = dstID
      d.protocolID = protoID
      d.keyID = dstID
      guard let src = classOf(srcID), let dst = classOf(dstID) else { return d }
      d.valid = true
      let name = nameOf(
        url: remap(r.requestURL, local, into: &pool), host: remap(r.hostName, local, into: &pool))
      d.proxied = name?.destination.proxied ?? false
      d.named = name?.destination.name != nil
      d.invalidName = name?.destination.invalid ?? false
      if d.named { d.keyID = name!.id }
      // A proxied connection leaves the network by its proxy: the proxy is a hop.
      d.outbound = anyDirection || (src.kind == .internal && (dst.kind == .external || d.proxied))
      d.v6 = dst.v6
      d.icmp = icmpFamily(protoID)
      d.noise = dst.noise && !d.proxied
      d.allowedByName = name?.allowed ?? false
      d.allowed =
        src.allowed || (dst.allowed && !d.proxied) || d.allowedByName
        || portAllowed(r.destinationPortValue, protoID)
      d.sourceInternal = src.kind == .internal
      return d
    }

    private mutating func apply(
      _ d: inout Decision, _ r: CompactRow, day: Int64, _ local: StringPool,
      _ c: inout Result.DayCounts
    ) {
      guard d.valid else {
        c.invalidAddresses += 1
        let example = PeriodicitySteps.invalidExample(
          source: pool.string(d.source), destination: pool.string(d.destination))
        if c.invalidExample.map({ utf8Compare(example, $0) < 0 }) ?? true {
          c.invalidExample = example
        }
        return
      }
      c.validRows += 1
      if d.named { c.namedRows += 1 }
      if d.proxied { c.proxiedRows += 1 }
      if d.invalidName { c.invalidNames += 1 }
      guard d.outbound else { return }
      c.afterDirection += 1
      if d.icmp != .none,
        PeriodicityPrepare.isICMPError(
          type: r.sourcePortValue, family: d.icmp, destinationIsV6: d.v6)
      {
        c.icmpErrors += 1
        return
      }
      if d.noise {
        c.noiseDestinations += 1
        return
      }
      c.afterNoise += 1
      if d.allowed {
        c.allowlisted += 1
        if d.allowedByName { c.allowlistedByName += 1 }
        return
      }
      c.kept += 1
      if keepRows {
        let record = ConnectionRecord(
          time: Timestamp(ticks: r.ticks), sourceIP: pool.string(d.source),
          destinationIP: pool.string(d.destination), sourcePort: r.sourcePortValue,
          destinationPort: r.destinationPortValue, protocol: pool.string(d.protocolID),
          receivedBytes: r.receivedBytesValue, sentBytes: r.sentBytesValue,
          deviceVendor: local.string(r.vendor),
          destinationHostName: d.named ? pool.string(d.keyID) : nil)
        rows.append((record, d.sourceInternal))
      }
      if d.flow < 0 {
        let key = Key(
          source: d.source, destination: d.keyID,
          port: r.destinationPortValue.map { Int64($0) } ?? Int64.min, proto: d.protocolID)
        let (number, inserted) = index.insert(key)
        d.flow = number
        if inserted {
          flows.append(
            PreparedFlow(
              source: d.source, destinationKey: d.keyID, named: d.named,
              destinationIP: d.destination, port: r.destinationPortValue, protocol: d.protocolID,
              sourceInternal: d.sourceInternal, addressDay: Int32(truncatingIfNeeded: day)))
        }
      }
      keep(
        FlowRow(
          ticks: r.ticks, sentBytes: r.sentBytes, receivedBytes: r.receivedBytes,
          sourcePort: r.sourcePort, flow: UInt32(d.flow), present: r.present))
      // A named flow's first address and its day are on the flow; only other (address, day)
      // pairs are noted, so a name met at one address holds nothing more.
      if d.named, d.lastAddressDay != day {
        d.lastAddressDay = day
        let f = flows[d.flow]
        if f.destinationIP != d.destination || Int64(f.addressDay) != day {
          addressDays.insert(AddressDay(flow: UInt32(d.flow), address: d.destination, day: day))
        }
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
      // A cache, not a record: a day of browsing meets about a name per ten rows, and keeping
      // each (with its text) would grow with rows. Past `maxNames` it starts again.
      if names.count >= Self.maxNames { names.removeAll(keepingCapacity: true) }
      names[key] = n
      return n
    }

    /// The most destinations `names` remembers.
    static let maxNames = 1 << 16

    private mutating func icmpFamily(_ id: UInt32) -> ICMPFamily {
      guard id != StringPool.none else { return .none }
      if let f = icmp[id] { return f }
      let family = PeriodicityPrepare.icmpFamily(pool.string(id))
      icmp[id] = family
      return family
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
    public mutating func finish() throws(SpillError) -> PreparedFlows {
      if let spillError { throw spillError }
      // What deciding rows needed goes first, before the connections are grouped.
      index.removeAll()
      names = [:]
      classes = []
      icmp = [:]
      allowedPorts = [:]
      var out = Result()
      out.allowlist = allow
      out.afterVendor = afterVendor
      var days = TimeWindow.DayCounts()
      for (day, c) in perDay { days.counts[day] = c.rows }
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
      // Rows inside the window, grouped by flow by a stable counting sort (input order holds
      // within each flow); flows left without rows are dropped. In memory, each block is
      // released once its rows are placed, so the rows are held about once, not twice; on disk,
      // a partition is grouped when it is taken (`FlowConnections.take`).
      var counts = [Int](repeating: 0, count: flows.count)
      var first = [Int64](repeating: .max, count: flows.count)
      var last = [Int64](repeating: .min, count: flows.count)
      func count(_ rows: [FlowRow]) {
        for r in rows where window.contains(r.ticks) {
          let k = Int(r.flow)
          counts[k] += 1
          first[k] = min(first[k], r.ticks)
          last[k] = max(last[k], r.ticks)
        }
      }
      let partitions = spill?.partitions ?? 1
      if let spill {
        for p in 0..<partitions { count(try spill.rows(of: p)) }
      } else {
        for block in flowBlocks { count(block) }
      }
      // The flows with rows, moved down in place (no second array of them).
      var newIndex = [Int32](repeating: -1, count: flows.count)
      var sizes = [Int](repeating: 0, count: partitions)
      var keptCount = 0
      for k in flows.indices where counts[k] > 0 {
        var f = flows[k]
        f.partition = Self.partition(ofFlow: UInt32(k), partitions)
        f.rows = sizes[f.partition]..<(sizes[f.partition] + counts[k])
        f.firstTicks = first[k]
        f.lastTicks = last[k]
        sizes[f.partition] += counts[k]
        newIndex[k] = Int32(keptCount)
        flows[keptCount] = f
        keptCount += 1
      }
      flows.removeLast(flows.count - keptCount)
      var kept = flows
      flows = []
      counts = []
      first = []
      last = []
      let connections: FlowConnections
      var report: SpillReport? = nil
      if let spill, let memory {
        connections = FlowConnections(
          storage: .spilled(spill), window: window, keptIndex: newIndex,
          cursors: kept.map(\.rows.lowerBound), sizes: sizes)
        report = spill.report(budget: memory.bytes)
      } else {
        var next = kept.map(\.rows.lowerBound)
        let order = [UInt32](unsafeUninitializedCapacity: sizes[0]) { buffer, n in
          for b in flowBlocks.indices {
            flowBlocks[b].withUnsafeBufferPointer { block in
              for o in block.indices where window.contains(block[o].ticks) {
                let k = Int(newIndex[Int(block[o].flow)])
                buffer[next[k]] = FlowRowSet.place(block: b, offset: o)
                next[k] += 1
              }
            }
          }
          n = sizes[0]
        }
        connections = FlowConnections(
          storage: .memory(blocks: flowBlocks, order: order), window: window, keptIndex: [],
          cursors: [], sizes: sizes)
      }
      flowBlocks = []
      spill = nil
      // Named flows' addresses inside the window, as (flow, address) pairs sorted and made
      // unique, then one flat list: most named flows have one address, and an array each
      // would cost more than the address.
      var pairs: [UInt64] = []
      func inWindow(_ day: Int64) -> Bool { day >= window.firstDay && day <= window.lastDay }
      for k in kept.indices where kept[k].named && inWindow(Int64(kept[k].addressDay)) {
        pairs.append(UInt64(k) << 32 | UInt64(kept[k].destinationIP))
      }
      for e in addressDays.keys where inWindow(e.day) {
        let k = newIndex[Int(e.flow)]
        if k >= 0 { pairs.append(UInt64(k) << 32 | UInt64(e.address)) }
      }
      addressDays.removeAll()
      perDay = [:]
      newIndex = []
      pairs.sort()
      var addressList: [UInt32] = []
      addressList.reserveCapacity(pairs.count)
      var previous = UInt64.max
      for pair in pairs where pair != previous {
        previous = pair
        let k = Int(pair >> 32)
        if kept[k].addressCount == 0 { kept[k].addressStart = UInt32(addressList.count) }
        kept[k].addressCount += 1
        addressList.append(UInt32(truncatingIfNeeded: pair))
      }
      flows = []
      return PreparedFlows(
        result: out, pool: pool, flows: kept, addressList: addressList, connections: connections,
        spill: report)
    }
  }
}
