import BeaconCore

/// The notebook method's prepared rows (after the vendor and public-destination filters), in one
/// pool: what the method holds of a day, at `MemoryLayout<CompactRow>.stride` bytes a row, or on
/// disk by source once they pass the hunt's `MemoryBudget`.
public struct NotebookRows: Sendable {
  public var pool = StringPool()
  /// The rows held in memory (all of them, unless they went to disk), in blocks of `blockRows`;
  /// only the last block is ever short. Appending never copies the rows held, as a growing array
  /// does: at 16 M rows the copy made while one array doubled was the hunt's peak.
  public private(set) var blocks: [[CompactRow]] = []
  /// Rows in a block: 4 MiB of them.
  static let blockRows = 1 << 16
  /// Rows that passed the vendor filter (the run summary's count).
  public var afterVendor = 0
  /// The rows on disk, partitioned by source id (so each source's rows are in one partition).
  public var spill: PartitionedSpill<CompactRow>?

  public init() {}

  /// Prepared rows, in memory or on disk.
  public var count: Int {
    spill.map { s in (0..<s.partitions).reduce(0) { $0 + s.count(of: $1) } }
      ?? blocks.reduce(0) { $0 + $1.count }
  }

  /// Adds a row in memory.
  public mutating func append(_ row: CompactRow) {
    if blocks.isEmpty || blocks[blocks.count - 1].count == Self.blockRows {
      blocks.append([])
      blocks[blocks.count - 1].reserveCapacity(Self.blockRows)
    }
    blocks[blocks.count - 1].append(row)
  }

  /// The bytes the rows in memory hold.
  public var heldRowBytes: Int { blocks.count * Self.blockRows * MemoryLayout<CompactRow>.stride }

  /// Lets go of the rows in memory (once they are on disk).
  public mutating func releaseRows() { blocks = [] }

  /// One partition in memory, many on disk.
  public var partitions: Int { spill?.partitions ?? 1 }

  /// Partition `p`'s rows in blocks, in input order: the blocks in memory, or on disk the rows
  /// whose source's id is `p` modulo `partitions`, as one block.
  public func blocks(ofPartition p: Int) throws(SpillError) -> [[CompactRow]] {
    guard let spill else { return blocks }
    return [try spill.rows(of: p)]
  }

  /// The partition of a row by its source id.
  @inlinable public static func partition(ofSource id: UInt32, partitions: Int) -> Int {
    Int(id % UInt32(partitions))
  }

  /// The rows as records, in order (for tests and tools; rows in memory only).
  public func records() -> [ConnectionRecord] {
    let strings = pool.strings()
    return blocks.joined().map { $0.record(strings) }
  }
}
