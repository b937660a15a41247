#if canImport(Glibc)
  import Glibc
#endif

/// A file's size and modification time, as `stat` gave them.
public struct FileStamp: Sendable, Equatable {
  public var size: Int64
  public var modified: timespec

  public init(_ st: stat) {
    size = Int64(st.st_size)
    modified = st.st_mtim
  }

  /// The file at `path` now; nil when it cannot be stat'ed.
  public init?(path: String) {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    self.init(st)
  }

  public static func == (a: FileStamp, b: FileStamp) -> Bool {
    a.size == b.size && a.modified.tv_sec == b.modified.tv_sec
      && a.modified.tv_nsec == b.modified.tv_nsec
  }
}
