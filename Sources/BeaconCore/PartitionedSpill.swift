#if canImport(Glibc)
  import Glibc
#endif

/// Why a spill to disk failed, with the folder it was in.
public enum SpillError: Error, Sendable, Equatable {
  case cannotCreate(folder: String, reason: String)
  case writeFailed(folder: String, reason: String)
  case readFailed(folder: String, reason: String)
}

/// Rows of a plain type written by partition to one temporary file, and read back a partition
/// at a time, each partition's rows in the order they were appended.
///
/// The file is unlinked as soon as it is made: it has no name while the hunt runs, so it is gone
/// however the process ends (an error, a signal, `kill -9`), and its space is freed when the
/// spill is released. Each partition has a write buffer of `bufferBytes`; a full buffer is
/// written as one extent at the file's end.
///
/// Invariants: `extents[p]` lists partition `p`'s extents in append order; `end` is the sum of
/// every extent's bytes. Used from one thread at a time (the hunt's consumer), hence
/// `@unchecked Sendable`.
public final class PartitionedSpill<Row: BitwiseCopyable>: @unchecked Sendable {
  public let partitions: Int
  public let folder: String
  private let fd: Int32
  private var buffers: [[Row]]
  private var extents: [[(offset: Int64, count: Int)]]
  private var end: Int64 = 0
  private let bufferRows: Int

  /// Bytes written to the file so far.
  public var bytesWritten: Int64 { end }

  /// What the run summary says of this spill.
  public func report(budget: Int64) -> SpillReport {
    SpillReport(partitions: partitions, bytes: end, budget: budget)
  }

  public init(partitions: Int, folder: String, bufferBytes: Int = 64 << 10) throws(SpillError) {
    precondition(partitions > 0)
    self.partitions = partitions
    self.folder = folder
    bufferRows = max(1, bufferBytes / MemoryLayout<Row>.stride)
    var template = Array((folder.hasSuffix("/") ? folder : folder + "/").utf8CString.dropLast())
    template += Array("beaconhunt-spill-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard made >= 0 else { throw .cannotCreate(folder: folder, reason: Self.reason()) }
    _ = fcntl(made, F_SETFD, FD_CLOEXEC)
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    unlink(path)
    fd = made
    buffers = Array(repeating: [], count: partitions)
    extents = Array(repeating: [], count: partitions)
  }

  deinit { close(fd) }

  /// Appends `row` to `partition`'s rows.
  @inline(__always)
  public func append(_ row: Row, to partition: Int) throws(SpillError) {
    buffers[partition].append(row)
    if buffers[partition].count >= bufferRows { try write(partition) }
  }

  /// Rows appended to `partition` so far (written or buffered).
  public func count(of partition: Int) -> Int {
    extents[partition].reduce(buffers[partition].count) { $0 + $1.count }
  }

  /// `partition`'s rows, in the order they were appended.
  public func rows(of partition: Int) throws(SpillError) -> [Row] {
    let total = count(of: partition)
    let stride = MemoryLayout<Row>.stride
    var failure: SpillError? = nil
    let out = [Row](unsafeUninitializedCapacity: total) { buffer, n in
      let raw = UnsafeMutableRawPointer(buffer.baseAddress)
      var at = 0
      for e in extents[partition] {
        var done = 0
        let want = e.count * stride
        while done < want {
          let got = pread(fd, raw! + at * stride + done, want - done, off_t(e.offset) + off_t(done))
          if got < 0, errno == EINTR { continue }
          guard got > 0 else {
            failure = .readFailed(
              folder: folder, reason: got == 0 ? "the file ended early" : Self.reason())
            n = 0
            return
          }
          done += got
        }
        at += e.count
      }
      buffers[partition].withUnsafeBufferPointer { b in
        for (i, r) in b.enumerated() { (buffer.baseAddress! + at + i).initialize(to: r) }
      }
      n = total
    }
    if let failure { throw failure }
    return out
  }

  private func write(_ partition: Int) throws(SpillError) {
    let count = buffers[partition].count
    guard count > 0 else { return }
    let bytes = count * MemoryLayout<Row>.stride
    let offset = end
    var failure: SpillError? = nil
    buffers[partition].withUnsafeBytes { raw in
      var done = 0
      while done < bytes {
        let put = pwrite(fd, raw.baseAddress! + done, bytes - done, off_t(offset) + off_t(done))
        if put < 0, errno == EINTR { continue }
        guard put > 0 else {
          failure = .writeFailed(folder: folder, reason: Self.reason())
          return
        }
        done += put
      }
    }
    if let failure { throw failure }
    extents[partition].append((offset, count))
    end += Int64(bytes)
    buffers[partition].removeAll(keepingCapacity: true)
  }

  private static func reason() -> String { errnoText() }
}
