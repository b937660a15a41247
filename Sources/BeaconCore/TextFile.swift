#if canImport(Glibc)
  import Glibc
#endif

/// Why a small input file (an allowlist, a feed, findings, a cache) could not be read.
public enum TextFileError: Error, Sendable, Equatable {
  case notFound(path: String)
  /// A FIFO, socket, device or folder: never opened for reading, so it cannot hang the hunter.
  case notRegular(path: String, kind: String)
  case tooLarge(path: String, limit: Int)
  case unreadable(path: String, reason: String)

  public var path: String {
    switch self {
    case .notFound(let p), .notRegular(let p, _), .tooLarge(let p, _), .unreadable(let p, _): p
    }
  }
}

/// Reads whole the small files a hunt is configured with, by one rule: regular files only (opened
/// without blocking, so a FIFO in their place fails at once), and at most `limit` bytes.
public enum TextFile {
  /// 1 GiB: feeds and allowlists are megabytes; this only stops a device or a runaway file.
  public static let defaultLimit = 1 << 30

  public static func read(_ path: String, limit: Int = TextFile.defaultLimit) throws(TextFileError)
    -> [UInt8]
  {
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else {
      if errno == ENOENT || errno == ENOTDIR { throw .notFound(path: path) }
      throw .unreadable(path: path, reason: errnoText())
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw .unreadable(path: path, reason: errnoText()) }
    guard st.st_mode & S_IFMT == S_IFREG else {
      throw .notRegular(path: path, kind: fileKind(st.st_mode))
    }
    guard Int(st.st_size) <= limit else { throw .tooLarge(path: path, limit: limit) }
    var out = [UInt8](repeating: 0, count: Int(st.st_size))
    var got = 0
    while got < out.count {
      let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, $0.count - got) }
      if n < 0, errno == EINTR { continue }
      guard n >= 0 else { throw .unreadable(path: path, reason: errnoText()) }
      if n == 0 { break }
      got += n
    }
    out.removeSubrange(got...)
    return out
  }

  /// What kind of file a mode describes, in words.
  public static func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: "a FIFO"
    case S_IFSOCK: "a socket"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFDIR: "a folder"
    case S_IFREG: "a regular file"
    default: "not a regular file"
    }
  }
}
