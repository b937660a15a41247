import BeaconCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes output without ever replacing a user's file unasked.
public enum OutputFile {
  /// Fails early when `path` exists and `force` is false, so a long hunt does not run for nothing.
  public static func checkWritable(_ path: String, force: Bool) throws {
    if !force, FileManager.default.fileExists(atPath: path) {
      throw HuntError("\(path) already exists; use --force to replace it")
    }
  }

  /// Writes `text` to `path`. Without `force` the file must not exist (checked atomically with
  /// O_EXCL); with `force` it is replaced atomically through a temporary file in the same folder.
  public static func write(_ text: String, to path: String, force: Bool) throws {
    let target = force ? path + ".beaconhunt-\(getpid()).tmp" : path
    let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      if errno == EEXIST, !force {
        throw HuntError("\(path) already exists; use --force to replace it")
      }
      throw HuntError("\(path): cannot create (\(String(cString: strerror(errno))))")
    }
    var ok = true
    var text = text
    text.withUTF8 { b in
      var off = 0
      while off < b.count {
        let n = Glibc.write(fd, b.baseAddress! + off, b.count - off)
        if n <= 0 {
          ok = false
          return
        }
        off += n
      }
    }
    close(fd)
    guard ok else {
      unlink(target)
      throw HuntError("\(path): write failed (\(String(cString: strerror(errno))))")
    }
    if force, rename(target, path) != 0 {
      unlink(target)
      throw HuntError("\(path): cannot replace (\(String(cString: strerror(errno))))")
    }
  }

  /// Writes `text` to standard output.
  public static func writeStandardOutput(_ text: String) {
    var text = text
    text.withUTF8 { b in
      var off = 0
      while off < b.count {
        let n = Glibc.write(1, b.baseAddress! + off, b.count - off)
        if n <= 0 { return }
        off += n
      }
    }
  }
}
