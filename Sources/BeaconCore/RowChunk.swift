/// One row as the loader hands it on: `ConnectionRecord`'s fields with every string an id in a
/// `StringPool` (`StringPool.none` for nil) and the numbers' presence in `present`. No
/// references, so millions of them are one flat allocation that sorts and copies as bytes.
public struct CompactRow: Sendable, BitwiseCopyable, Equatable {
  public var ticks: Int64
  public var receivedBytes: Int64
  public var sentBytes: Int64
  public var source: UInt32
  public var destination: UInt32
  public var sourcePort: Int32
  public var destinationPort: Int32
  public var `protocol`: UInt32
  public var vendor: UInt32
  public var hostName: UInt32
  public var requestURL: UInt32
  /// `Present` bits: which of the four numbers are not null.
  public var present: UInt8

  public struct Present {
    public static let sourcePort: UInt8 = 1
    public static let destinationPort: UInt8 = 2
    public static let receivedBytes: UInt8 = 4
    public static let sentBytes: UInt8 = 8
    public static let all: UInt8 = 15
  }

  @inlinable public var sourcePortValue: Int32? {
    present & Present.sourcePort != 0 ? sourcePort : nil
  }
  @inlinable public var destinationPortValue: Int32? {
    present & Present.destinationPort != 0 ? destinationPort : nil
  }
  @inlinable public var receivedBytesValue: Int64? {
    present & Present.receivedBytes != 0 ? receivedBytes : nil
  }
  @inlinable public var sentBytesValue: Int64? {
    present & Present.sentBytes != 0 ? sentBytes : nil
  }

  public init(
    ticks: Int64, source: UInt32, destination: UInt32, sourcePort: Int32?,
    destinationPort: Int32?, protocol: UInt32, receivedBytes: Int64?, sentBytes: Int64?,
    vendor: UInt32, hostName: UInt32, requestURL: UInt32
  ) {
    self.ticks = ticks
    self.source = source
    self.destination = destination
    self.sourcePort = sourcePort ?? 0
    self.destinationPort = destinationPort ?? 0
    self.protocol = `protocol`
    self.receivedBytes = receivedBytes ?? 0
    self.sentBytes = sentBytes ?? 0
    self.vendor = vendor
    self.hostName = hostName
    self.requestURL = requestURL
    present =
      (sourcePort != nil ? Present.sourcePort : 0)
      | (destinationPort != nil ? Present.destinationPort : 0)
      | (receivedBytes != nil ? Present.receivedBytes : 0)
      | (sentBytes != nil ? Present.sentBytes : 0)
  }
}

/// The rows one unit of input gave, in input order, with their own string pool.
///
/// A chunk is what crosses from the loader to a method: it is reduced (filtered, its ids mapped
/// into the method's own pool) and dropped, so a load holds a few chunks at a time, never the
/// whole input as records.
public struct RowChunk: Sendable {
  public var pool = StringPool()
  public var rows: [CompactRow] = []
  /// The rows grouped by the fields a flow decision reads, when the loader was asked to
  /// (`RecordLoader.groupsFlowFields`): work done on the parsing cores, not the consumer's.
  public var flowGroups: FlowGroups?

  /// Each row's combination of source, destination, names, protocol and destination port.
  public struct FlowGroups: Sendable {
    public struct Fields: FlatKey {
      var source: UInt32
      var destination: UInt32
      var hostName: UInt32
      var requestURL: UInt32
      var `protocol`: UInt32
      var port: Int64

      public static let placeholder = Fields(
        source: 0, destination: 0, hostName: 0, requestURL: 0, protocol: 0, port: 0)

      public var mixed: Int {
        var h = FlatHash.start(UInt64(source) | UInt64(destination) << 32)
        h = FlatHash.add(h, UInt64(hostName) | UInt64(requestURL) << 32)
        h = FlatHash.add(h, UInt64(`protocol`) ^ UInt64(bitPattern: port) &* 0x9E37_79B9_7F4A_7C15)
        return FlatHash.finish(h)
      }
    }
    /// How many distinct combinations there are: `group[i]`, row `i`'s, numbers them in order of
    /// first sight.
    public var combinations: Int { index.count }
    public var group: [UInt32] = []
    private var index = FlatIndex<Fields>(capacity: 1024)

    /// Runs for every row a hunt reads, on the parsing cores.
    public init(_ rows: [CompactRow]) {
      group.reserveCapacity(rows.count)
      for r in rows {
        let f = Fields(
          source: r.source, destination: r.destination, hostName: r.hostName,
          requestURL: r.requestURL, protocol: r.protocol,
          port: r.destinationPortValue.map { Int64($0) } ?? Int64.min)
        group.append(UInt32(index.insert(f).number))
      }
    }
  }

  public init() {}

  public var count: Int { rows.count }

  /// Adds a row given as a record (the readers other than the export's JSON scanner).
  public mutating func append(_ r: ConnectionRecord) {
    rows.append(
      CompactRow(
        ticks: r.time.ticks, source: pool.id(r.sourceIP), destination: pool.id(r.destinationIP),
        sourcePort: r.sourcePort, destinationPort: r.destinationPort,
        protocol: pool.id(r.protocol), receivedBytes: r.receivedBytes, sentBytes: r.sentBytes,
        vendor: pool.id(r.deviceVendor), hostName: pool.id(r.destinationHostName),
        requestURL: pool.id(r.requestURL)))
  }

  /// Every row as a record, in order.
  public func records() -> [ConnectionRecord] {
    let strings = pool.strings()
    return rows.map { $0.record(strings) }
  }
}

extension CompactRow {
  /// The row as a record, its ids looked up in `strings` (the pool's `strings()`).
  @inlinable
  public func record(_ strings: [String]) -> ConnectionRecord {
    @inline(__always) func s(_ id: UInt32) -> String? {
      id == StringPool.none ? nil : strings[Int(id)]
    }
    return ConnectionRecord(
      time: Timestamp(ticks: ticks), sourceIP: s(source), destinationIP: s(destination),
      sourcePort: sourcePortValue, destinationPort: destinationPortValue, protocol: s(`protocol`),
      receivedBytes: receivedBytesValue, sentBytes: sentBytesValue, deviceVendor: s(vendor),
      destinationHostName: s(hostName), requestURL: s(requestURL))
  }
}

/// Maps one chunk's ids into a longer-lived pool, each distinct id once.
public struct PoolRemap {
  private var map: [UInt32]
  public static let unmapped: UInt32 = .max - 1

  public init(_ chunk: StringPool) {
    map = Array(repeating: Self.unmapped, count: chunk.count)
  }

  /// `id` of `chunk` as an id of `pool`.
  @inlinable
  public mutating func callAsFunction(
    _ id: UInt32, _ chunk: StringPool, into pool: inout StringPool
  )
    -> UInt32
  {
    if id == StringPool.none { return id }
    return mapped(Int(id), chunk, &pool)
  }

  @usableFromInline
  mutating func mapped(_ i: Int, _ chunk: StringPool, _ pool: inout StringPool) -> UInt32 {
    let m = map[i]
    if m != Self.unmapped { return m }
    let g = chunk.withBytes(UInt32(i)) { pool.id($0) }
    map[i] = g
    return g
  }
}
