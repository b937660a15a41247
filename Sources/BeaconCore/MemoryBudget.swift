#if canImport(Glibc)
  import Glibc
#endif

/// How much reduced state a native hunt may hold before it goes to disk, and where it goes.
///
/// A hunt holds what grows with the input's rows (the notebook's prepared rows, 64 bytes each;
/// the periodicity method's kept connections, 40 bytes each) and what grows with its distinct
/// values (flows, addresses, names). When the estimate of both would pass `bytes`, the rows are
/// written by partition to one temporary file (`PartitionedSpill`) and the hunt finishes one
/// partition at a time, with the same findings: the notebook's partitions are by source, the
/// periodicity method's by flow. What grows with distinct values stays in memory. The loader's
/// units in flight (about `2 × threads` segments of 8 MB) come on top of the budget.
public struct MemoryBudget: Sendable, Equatable {
  /// Bytes of reduced state held before spilling.
  public var bytes: Int64
  /// The folder of the temporary file; nil: `$TMPDIR`, else `/tmp`.
  public var temporaryFolder: String?

  /// The default budget: this share of the machine's physical memory (DuckDB's default is 80 %;
  /// the hunt leaves room for the loader and for the rest of the machine).
  public static let defaultShare = 0.5
  /// Partitions a spill is split into: each is read back alone, so one holds about 1/64 of the
  /// rows (a single flow or source is never split).
  public static let spillPartitions = 64

  public init(bytes: Int64 = MemoryBudget.defaultBytes, temporaryFolder: String? = nil) {
    self.bytes = bytes
    self.temporaryFolder = temporaryFolder
  }

  /// `defaultShare` of physical memory (1 GiB when the machine does not say).
  public static var defaultBytes: Int64 { share(defaultShare) }

  /// `fraction` of physical memory (of 2 GiB when the machine does not say).
  public static func share(_ fraction: Double) -> Int64 {
    max(1, Int64(Double(physicalMemory ?? 2 << 30) * fraction))
  }

  /// The machine's physical memory in bytes, when it says.
  public static var physicalMemory: Int64? {
    let pages = Int64(sysconf(Int32(_SC_PHYS_PAGES)))
    let size = Int64(sysconf(Int32(_SC_PAGESIZE)))
    return pages > 0 && size > 0 ? pages * size : nil
  }

  /// The folder spill files are made in.
  public var folder: String {
    if let temporaryFolder { return temporaryFolder }
    if let t = getenv("TMPDIR").map({ String(cString: $0) }), !t.isEmpty { return t }
    return "/tmp"
  }
}

/// What a hunt wrote to disk because its state passed the memory budget.
public struct SpillReport: Sendable, Equatable {
  public var partitions: Int
  public var bytes: Int64
  public var budget: Int64

  public init(partitions: Int, bytes: Int64, budget: Int64) {
    self.partitions = partitions
    self.bytes = bytes
    self.budget = budget
  }
}
