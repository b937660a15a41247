import BeaconCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One input of a load: a file on disk (a regular file, or a pipe such as `<(zcat …)`), or
/// standard input.
public enum InputSource: Sendable, Equatable {
  case file(String)
  case standardInput

  public var name: String {
    switch self {
    case .file(let p): p
    case .standardInput: "<stdin>"
    }
  }
}

/// What stops a load before it reads anything, with the values a message needs. The command line
/// turns these into messages (and names its flags there).
public enum LoadError: Error, Sendable, Equatable {
  /// A named input does not exist (or is a link to nothing).
  case noSuchInput(path: String)
  /// A named folder holds no file to read.
  case emptyFolder(path: String)
  /// A named input cannot be read at all: a device, a folder that cannot be listed.
  case unreadableInput(path: String, reason: String)
  /// An export root has no files for the hunted day.
  case noFilesForDay(date: CivilDate, folders: [String])
  /// The export root does not exist, or is not a folder.
  case rootMissing(path: String)
  case rootNotAFolder(path: String)
  /// The root holds neither an export's `y=YYYY/m=MM/d=DD` folders nor a Zeek archive's
  /// `YYYY-MM-DD` folders.
  case rootWithoutLayout(path: String)
}

/// The files of a load, and what was met on the way and not read.
public struct InputSet: Sendable, Equatable {
  public var sources: [InputSource] = []
  /// Entries passed over, each with its reason (FIFOs, sockets and devices met in a folder, broken
  /// links, folders that cannot be listed); counted as skipped files.
  public var skipped: [InputProblem] = []
  /// Files reached a second time through a link or another path (read once).
  public var repeated = 0
  /// Other Zeek logs of an archive's day folder, by kind, recognised by name and not opened.
  public var otherLogs: [String: Int] = [:]
  /// Size and modification time of the files a folder walk met, by path (so that a history
  /// cache's fingerprint needs no second `stat`).
  public var stamps: [String: FileStamp] = [:]

  public init() {}

  mutating func append(_ other: InputSet) {
    sources += other.sources
    stamps.merge(other.stamps) { a, _ in a }
    skipped += other.skipped
    repeated += other.repeated
    for (k, v) in other.otherLogs { otherLogs[k, default: 0] += v }
  }
}

/// Lists the files a hunt reads.
///
/// One rule for every folder walk: links are followed, but every real file is read once (by device
/// and inode) and a folder already visited is not entered again, so link loops end. Entries that
/// are not regular files or folders (FIFOs, sockets, devices), broken links and folders that
/// cannot be listed are reported as skipped, never opened. Like Spark's file listing, names that
/// start with `.` or `_` (hidden files, `_SUCCESS` markers) are passed over silently.
public enum InputFiles {
  struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64
    init(_ st: stat) {
      device = UInt64(st.st_dev)
      inode = UInt64(st.st_ino)
    }
  }

  /// A walk's memory of what it has seen, shared by every path of one load.
  struct Seen {
    var files: Set<FileID> = []
    var folders: Set<FileID> = []
  }

  /// Every file below `folder`, recursively, sorted by path.
  public static func files(under folder: String) -> [String] {
    var seen = Seen()
    return walk(folder, seen: &seen).sources.map(\.name)
  }

  /// Every file below `folder` (sorted by path), with what was passed over.
  public static func listing(under folder: String) -> InputSet {
    var seen = Seen()
    return walk(folder, seen: &seen)
  }

  /// `recursive: false` lists `folder` itself only (a Zeek archive's day folder), by the same
  /// rules.
  static func walk(_ folder: String, seen: inout Seen, recursive: Bool = true) -> InputSet {
    var set = InputSet()
    var found: [String] = []
    var top = stat()
    guard stat(folder, &top) == 0 else { return set }
    guard seen.folders.insert(FileID(top)).inserted else { return set }
    var stack = [folder]
    while let dir = stack.popLast() {
      guard let handle = opendir(dir) else {
        set.skipped.append(
          InputProblem(
            file: dir, line: 0, message: "cannot list the folder (\(errnoText())): skipped"))
        continue
      }
      defer { closedir(handle) }
      var names: [String] = []
      while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name.hasPrefix(".") || name.hasPrefix("_") { continue }
        names.append(name)
      }
      // Each entry by its name in the open folder: a deep export path is not resolved again
      // for each of its thousands of files.
      let dfd = dirfd(handle)
      for name in names.sorted(by: utf8Less) {
        let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        var st = stat()
        guard fstatat(dfd, name, &st, 0) == 0 else {
          var link = stat()
          let broken =
            fstatat(dfd, name, &link, AT_SYMLINK_NOFOLLOW) == 0
            && (link.st_mode & S_IFMT) == S_IFLNK
          set.skipped.append(
            InputProblem(
              file: path, line: 0,
              message: broken
                ? "broken symbolic link: skipped" : "cannot stat (\(errnoText())): skipped"))
          continue
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
          if recursive, seen.folders.insert(FileID(st)).inserted { stack.append(path) }
        case S_IFREG:
          if seen.files.insert(FileID(st)).inserted {
            found.append(path)
            set.stamps[path] = FileStamp(st)
          } else {
            set.repeated += 1
          }
        default:
          set.skipped.append(
            InputProblem(
              file: path, line: 0,
              message:
                "not a regular file (\(TextFile.fileKind(st.st_mode))): skipped, never opened"))
        }
      }
    }
    set.sources = found.sorted(by: utf8Less).map(InputSource.file)
    set.skipped.sort { utf8Less($0.file, $1.file) }
    return set
  }

  /// Expands command-line inputs: files as given (regular files, or pipes such as `<(…)`),
  /// folders recursively, `-` as standard input.
  public static func expand(_ paths: [String]) throws(LoadError) -> InputSet {
    var out = InputSet()
    var seen = Seen()
    for p in paths {
      if p == "-" {
        out.sources.append(.standardInput)
        continue
      }
      var st = stat()
      guard stat(p, &st) == 0 else {
        if errno == ENOENT || errno == ENOTDIR { throw .noSuchInput(path: p) }
        throw .unreadableInput(path: p, reason: errnoText())
      }
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        let set = walk(p, seen: &seen)
        guard !set.sources.isEmpty || !set.skipped.isEmpty || set.repeated > 0 else {
          throw .emptyFolder(path: p)
        }
        out.append(set)
      case S_IFREG:
        if seen.files.insert(FileID(st)).inserted {
          out.sources.append(.file(p))
        } else {
          out.repeated += 1
        }
      case S_IFIFO, S_IFSOCK:
        // Named on the command line: a pipe the user made (process substitution), read as a stream.
        out.sources.append(.file(p))
      default:
        throw .unreadableInput(
          path: p, reason: "\(TextFile.fileKind(st.st_mode)), not a file, folder or pipe")
      }
    }
    return out
  }

  /// The files of a hunt over an export: every file of the current day of every workspace under
  /// `root`. A day with no files is an error, since hunting nothing would look like a clean day.
  public static func currentDay(root: String, endDate: CivilDate) throws(LoadError) -> (
    folders: [String], files: InputSet
  ) {
    let layout = try RootLayout.resolve(root)
    var folders: [String] = []
    var files = InputSet()
    for day in layout.days([endDate], latest: true) {
      folders.append(day.folder)
      files.append(day.files)
    }
    guard !files.sources.isEmpty else { throw .noFilesForDay(date: endDate, folders: folders) }
    return (folders, files)
  }
}
