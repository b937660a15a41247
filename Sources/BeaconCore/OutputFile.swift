#if canImport(Glibc)
  import Glibc
#endif

/// Why an output could not be written, with the values a message needs.
public enum OutputError: Error, Sendable, Equatable {
  /// The file exists and replacing it was not asked for.
  case exists(path: String)
  /// The path names something that is never written: a folder, a block device.
  case notWritable(path: String, kind: String)
  /// The folder the file would go in does not exist, or is not a writable folder.
  case folderMissing(path: String, folder: String)
  case folderNotWritable(path: String, folder: String)
  case cannotCreate(path: String, reason: String)
  case writeFailed(path: String, reason: String)
  case cannotReplace(path: String, reason: String)
  /// Two outputs of one run name the same file.
  case sameFile(first: String, second: String)
}

/// Writes output without ever replacing a user's file unasked, and never replacing anything but a
/// regular file.
///
/// - A path that does not exist is created (O_EXCL, so a file that appears meanwhile is not
///   overwritten).
/// - An existing regular file is replaced only with `force`: the new text is written beside it and
///   renamed over it, keeping its mode (and, where allowed, its owner); a link to it stays a link.
/// - An existing FIFO or character device (`/dev/stdout`, a named pipe) is written as a stream,
///   never replaced, with or without `force`. Folders and block devices are refused.
public enum OutputFile {
  public static let standardOutputName = "<stdout>"

  /// Fails early when `path` could not be written, so a long hunt does not run for nothing.
  public static func check(_ path: String, force: Bool) throws(OutputError) {
    var st = stat()
    if stat(path, &st) == 0 {
      switch st.st_mode & S_IFMT {
      case S_IFREG:
        guard force else { throw .exists(path: path) }
        let folder = parent(of: realPath(path) ?? path)
        guard access(folder, W_OK | X_OK) == 0 else {
          throw .folderNotWritable(path: path, folder: folder)
        }
      case S_IFIFO, S_IFCHR, S_IFSOCK:
        return
      case S_IFDIR:
        throw .notWritable(path: path, kind: "a folder")
      default:
        throw .notWritable(path: path, kind: "a block device")
      }
      return
    }
    var link = stat()
    if lstat(path, &link) == 0 {
      // A link to nothing: creating through it would write wherever it points.
      throw .notWritable(path: path, kind: "a broken symbolic link")
    }
    try requireWritableFolder(parent(of: path), for: path)
  }

  /// `folder` exists, is a folder, and files can be made in it (for `path`, in messages).
  static func requireWritableFolder(_ folder: String, for path: String) throws(OutputError) {
    var dir = stat()
    guard stat(folder, &dir) == 0, dir.st_mode & S_IFMT == S_IFDIR else {
      throw .folderMissing(path: path, folder: folder)
    }
    guard access(folder, W_OK | X_OK) == 0 else {
      throw .folderNotWritable(path: path, folder: folder)
    }
  }

  /// Fails early when `folder` could not hold BeaconHunt's files (a cache): it must be a writable
  /// folder, or not exist yet in a writable folder.
  public static func checkFolder(_ folder: String) throws(OutputError) {
    var st = stat()
    if stat(folder, &st) == 0 {
      guard st.st_mode & S_IFMT == S_IFDIR else {
        throw .notWritable(path: folder, kind: TextFile.fileKind(st.st_mode))
      }
      guard access(folder, W_OK | X_OK) == 0 else {
        throw .folderNotWritable(path: folder, folder: folder)
      }
      return
    }
    try requireWritableFolder(parent(of: folder), for: folder)
  }

  /// Fails early when a file BeaconHunt keeps for itself and rewrites every run (the RDAP
  /// cache) could not be. It is replaced without being asked, because it is the tool's, not the
  /// user's, but only when it is a regular file; when it does not exist yet, the folders up to
  /// the first that exists are made, so that one must be a writable folder.
  public static func checkCacheFile(_ path: String) throws(OutputError) {
    var st = stat()
    if stat(path, &st) == 0 {
      guard st.st_mode & S_IFMT == S_IFREG else {
        throw .notWritable(path: path, kind: TextFile.fileKind(st.st_mode))
      }
      return try check(path, force: true)
    }
    var link = stat()
    if lstat(path, &link) == 0 {
      throw .notWritable(path: path, kind: "a broken symbolic link")
    }
    var folder = parent(of: path)
    while stat(folder, &st) != 0 {
      let up = parent(of: folder)
      if up == folder { throw .folderMissing(path: path, folder: folder) }
      folder = up
    }
    try requireWritableFolder(folder, for: path)
  }

  /// Fails when two of `paths` name one file (the same path, or two links to one file).
  public static func checkDistinct(_ paths: [String]) throws(OutputError) {
    var seen: [(key: String, path: String)] = []
    for p in paths {
      let key = identity(p)
      if let earlier = seen.first(where: { $0.key == key }) {
        throw .sameFile(first: earlier.path, second: p)
      }
      seen.append((key, p))
    }
  }

  /// Device and inode of an existing file; otherwise its absolute, resolved path.
  static func identity(_ path: String) -> String {
    var st = stat()
    if stat(path, &st) == 0 { return "inode \(st.st_dev):\(st.st_ino)" }
    let folder = realPath(parent(of: path)) ?? parent(of: path)
    return "path " + folder + "/" + name(of: path)
  }

  // Written on the bytes: Foundation's NSString path methods trap on some short paths.
  public static func parent(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1, p.hasSuffix("/") { p.removeLast() }
    guard let slash = p.lastIndex(of: "/") else { return "." }
    let folder = p[..<slash]
    return folder.isEmpty ? "/" : String(folder)
  }

  public static func name(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1, p.hasSuffix("/") { p.removeLast() }
    guard let slash = p.lastIndex(of: "/") else { return String(p) }
    return String(p[p.index(after: slash)...])
  }

  static func realPath(_ path: String) -> String? {
    guard let r = realpath(path, nil) else { return nil }
    defer { free(r) }
    return String(cString: r)
  }

  /// Writes `text` to `path` by the rules above.
  public static func write(_ text: String, to path: String, force: Bool) throws(OutputError) {
    try write(bytes: Array(text.utf8), to: path, force: force)
  }

  /// Writes `bytes` to `path` by the rules above.
  public static func write(bytes text: [UInt8], to path: String, force: Bool) throws(OutputError) {
    var st = stat()
    if stat(path, &st) == 0 {
      switch st.st_mode & S_IFMT {
      case S_IFREG:
        guard force else { throw .exists(path: path) }
        try replace(realPath(path) ?? path, shownAs: path, old: st, with: text)
      case S_IFIFO, S_IFCHR, S_IFSOCK:
        // O_NONBLOCK: a FIFO nobody reads fails at once (ENXIO) instead of hanging.
        let fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: errnoText()) }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        try writeAll(fd, text, path: path)
      case S_IFDIR:
        throw .notWritable(path: path, kind: "a folder")
      default:
        throw .notWritable(path: path, kind: "a block device")
      }
      return
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      if errno == EEXIST { throw .exists(path: path) }
      throw .cannotCreate(path: path, reason: errnoText())
    }
    try fill(fd, created: path, shownAs: path) { () throws(OutputError) in
      try writeAll(fd, text, path: path)
    }
  }

  /// Runs `body` on the new file `created` (open as `fd`) and closes it; on any failure the file
  /// is closed and removed, so a failed write leaves nothing behind.
  private static func fill(
    _ fd: Int32, created: String, shownAs path: String, _ body: () throws(OutputError) -> Void
  ) throws(OutputError) {
    do throws(OutputError) { try body() } catch {
      close(fd)
      unlink(created)
      throw error
    }
    guard close(fd) == 0 else {
      let reason = errnoText()
      unlink(created)
      throw .writeFailed(path: path, reason: reason)
    }
  }

  /// Replaces the regular file at `target` (links already resolved) through a file beside it.
  private static func replace(
    _ target: String, shownAs path: String, old: stat, with text: [UInt8]
  )
    throws(OutputError)
  {
    let folder = parent(of: target)
    let name = name(of: target)
    let tmp = folder + "/." + name + ".beaconhunt-\(getpid()).tmp"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw .cannotReplace(path: path, reason: errnoText()) }
    try fill(fd, created: tmp, shownAs: path) { () throws(OutputError) in
      try writeAll(fd, text, path: path)
      // The replaced file keeps its permissions (a 0600 file stays 0600) and, for root, its owner.
      _ = fchown(fd, old.st_uid, old.st_gid)
      guard fchmod(fd, old.st_mode & 0o7777) == 0 else {
        throw OutputError.writeFailed(path: path, reason: errnoText())
      }
    }
    guard rename(tmp, target) == 0 else {
      let reason = errnoText()
      unlink(tmp)
      throw .cannotReplace(path: path, reason: reason)
    }
  }

  private static func writeAll(_ fd: Int32, _ text: String, path: String) throws(OutputError) {
    var text = text
    if let failure = text.withUTF8({ writeAll(fd, UnsafeRawBufferPointer($0)) }) {
      throw .writeFailed(path: path, reason: failure)
    }
  }

  private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(OutputError) {
    if let failure = bytes.withUnsafeBytes({ writeAll(fd, $0) }) {
      throw .writeFailed(path: path, reason: failure)
    }
  }

  /// Writes all of `b`; the reason when that fails.
  private static func writeAll(_ fd: Int32, _ b: UnsafeRawBufferPointer) -> String? {
    var off = 0
    while off < b.count {
      let n = Glibc.write(fd, b.baseAddress! + off, b.count - off)
      if n < 0, errno == EINTR { continue }
      if n <= 0 { return n < 0 ? errnoText() : "no progress" }
      off += n
    }
    return nil
  }

  /// Writes `text` to standard output; a failed write (a full disk, a closed pipe) throws.
  public static func writeStandardOutput(_ text: String) throws(OutputError) {
    try writeAll(1, text, path: standardOutputName)
  }
}

/// The C library's text for the current `errno`.
public func errnoText() -> String { String(cString: strerror(errno)) }
