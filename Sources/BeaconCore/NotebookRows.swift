/// The notebook method's prepared rows (after the vendor and public-destination filters), in one
/// pool: what the method holds of a day, at `MemoryLayout<CompactRow>.stride` bytes a row.
public struct NotebookRows: Sendable {
  public var pool = StringPool()
  public var rows: [CompactRow] = []
  /// Rows that passed the vendor filter (the run summary's count).
  public var afterVendor = 0

  public init() {}

  /// The rows as records, in order (for tests and tools).
  public func records() -> [ConnectionRecord] {
    let strings = pool.strings()
    return rows.map { $0.record(strings) }
  }
}
