import BeaconCore

/// The notebook method's prepared rows (after the vendor and public-destination filters), in one
/// pool: what the method holds of a day, at `MemoryLayout<CompactRow>.stride` bytes a row, or on
/// disk by source once they pass the hunt's `MemoryBudget`.
public struct NotebookRows: Sendable {
  public var pool = StringPool()
  /// The rows held in memory: all of them, unless they went to disk.
  public var rows: [CompactRow] = []
  /// Rows that passed the vendor filter (the run summary's count).
  public var afterVendor = 0
  /// The rows on disk, partitioned by source id (so each source's rows are in one partition).
  public var spill: PartitionedSpill<CompactRow>?

  public init() {}

  /// Prepared rows, in memory or on disk.
  public var count: Int {
    spill.map { s in (0..<s.partitions).reduce(0) { $0 + s.count(of: $1) } } ?? rows.count
  }

  /// One partition in memory, many on disk.
  public var partitions: Int { spill?.partitions ?? 1 }

  /// Partition `p`'s rows: all rows when they are in memory; on disk, those whose source's id
  /// is `p` modulo `partitions`, in input order.
  public func rows(ofPartition p: Int) throws(SpillError) -> [CompactRow] {
    guard let spill else { return rows }
    return try spill.rows(of: p)
  }

  /// The partition of a row by its source id.
  @inlinable public static func partition(ofSource id: UInt32, partitions: Int) -> Int {
    Int(id % UInt32(partitions))
  }

  /// The rows as records, in order (for tests and tools; rows in memory only).
  public func records() -> [ConnectionRecord] {
    let strings = pool.strings()
    return rows.map { $0.record(strings) }
  }
}
