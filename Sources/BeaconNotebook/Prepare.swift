import BeaconCore

/// Steps 1 and 2 of the notebook method: the vendor filter and public destinations.
public enum NotebookPrepare {
  /// Keeps rows of `vendor` (exact, case-sensitive; `nil` keeps all) whose DestinationIP is
  /// present and not private by the notebook's prefix test, chunk by chunk as the loader hands
  /// them on, into one pool.
  public struct Reducer {
    public private(set) var result = NotebookRows()
    private let vendor: String?
    /// Past this, rows go to disk by source (nil: never).
    private let memory: MemoryBudget?
    private var spillError: SpillError?

    public init(vendor: String?, memory: MemoryBudget? = nil) {
      self.vendor = vendor
      self.memory = memory
    }

    /// The prepared rows, or the error that stopped them going to disk.
    public func finish() throws(SpillError) -> NotebookRows {
      if let spillError { throw spillError }
      return result
    }

    public mutating func add(_ chunk: borrowing RowChunk) {
      let pool = chunk.pool
      // Byte equality, as Spark compares strings (not Unicode canonical equivalence).
      let wanted: UInt32?? = vendor.map { pool.find($0) }
      if case .some(.none) = wanted {
        return  // the vendor is not in this chunk at all
      }
      // Per distinct destination of the chunk: 0 unknown, 1 public, 2 private.
      var destinationKind = [UInt8](repeating: 0, count: pool.count)
      var remap = PoolRemap(pool)
      for r in chunk.rows {
        if case .some(.some(let v)) = wanted, r.vendor != v { continue }
        result.afterVendor += 1
        guard r.destination != StringPool.none else { continue }
        var kind = destinationKind[Int(r.destination)]
        if kind == 0 {
          kind = pool.withBytes(r.destination) { NotebookPrivatePrefixes.matches($0) } ? 2 : 1
          destinationKind[Int(r.destination)] = kind
        }
        guard kind == 1 else { continue }
        var row = r
        row.source = remap(r.source, pool, into: &result.pool)
        row.destination = remap(r.destination, pool, into: &result.pool)
        row.protocol = remap(r.protocol, pool, into: &result.pool)
        row.vendor = remap(r.vendor, pool, into: &result.pool)
        // The notebook reads nine fields; names play no part in it.
        row.hostName = StringPool.none
        row.requestURL = StringPool.none
        if let spill = result.spill {
          guard spillError == nil else { continue }
          do throws(SpillError) {
            try spill.append(
              row,
              to: NotebookRows.partition(ofSource: row.source, partitions: spill.partitions))
          } catch { spillError = error }
        } else {
          result.append(row)
        }
      }
      if result.spill == nil, let memory, spillError == nil,
        Int64(result.heldRowBytes + result.pool.heldBytes)
          > memory.bytes
      {
        startSpilling(memory)
      }
    }

    /// Moves the rows held so far to disk; later ones go straight there.
    private mutating func startSpilling(_ memory: MemoryBudget) {
      do throws(SpillError) {
        let s = try PartitionedSpill<CompactRow>(
          partitions: MemoryBudget.spillPartitions, folder: memory.folder)
        for r in result.blocks.joined() {
          try s.append(r, to: NotebookRows.partition(ofSource: r.source, partitions: s.partitions))
        }
        result.releaseRows()
        result.spill = s
      } catch { spillError = error }
    }
  }

  /// The prepared rows of records already in memory.
  public static func prepare(_ rows: [ConnectionRecord], vendor: String?) -> NotebookRows {
    var chunk = RowChunk()
    for r in rows { chunk.append(r) }
    var reducer = Reducer(vendor: vendor)
    reducer.add(chunk)
    return reducer.result
  }

  /// `prepare`, as records: the kept rows, and the count after the vendor filter.
  public static func apply(_ rows: [ConnectionRecord], vendor: String?) -> (
    rows: [ConnectionRecord], afterVendor: Int
  ) {
    let prepared = prepare(rows, vendor: vendor)
    return (prepared.records(), prepared.afterVendor)
  }
}
