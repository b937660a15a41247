import BeaconCore
import Foundation

/// One input of a load: a file on disk or standard input.
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

/// Lists the files a hunt reads.
public enum InputFiles {
  /// Every regular file below `folder`, recursively, sorted by path. Like Spark's file listing,
  /// names starting with `.` or `_` (hidden files, `_SUCCESS` markers) are passed over.
  public static func files(under folder: String) -> [String] {
    let fm = FileManager.default
    var result: [String] = []
    var stack = [folder]
    var isDir: ObjCBool = false
    while let dir = stack.popLast() {
      guard let children = try? fm.contentsOfDirectory(atPath: dir) else { continue }
      for c in children where !c.hasPrefix(".") && !c.hasPrefix("_") {
        let path = dir.hasSuffix("/") ? dir + c : dir + "/" + c
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
        if isDir.boolValue { stack.append(path) } else { result.append(path) }
      }
    }
    return result.sorted { utf8Less($0, $1) }
  }

  /// Expands command-line inputs: files as given, folders recursively, `-` as standard input.
  public static func expand(_ paths: [String]) throws -> [InputSource] {
    var out: [InputSource] = []
    var isDir: ObjCBool = false
    for p in paths {
      if p == "-" {
        out.append(.standardInput)
      } else if FileManager.default.fileExists(atPath: p, isDirectory: &isDir) {
        if isDir.boolValue {
          let files = files(under: p)
          guard !files.isEmpty else { throw HuntError("\(p): folder holds no files") }
          out += files.map(InputSource.file)
        } else {
          out.append(.file(p))
        }
      } else {
        throw HuntError("\(p): no such file or folder")
      }
    }
    return out
  }

  /// The files of a hunt over an export: every file of the current day of every workspace under
  /// `root`. A day with no files is an error, since hunting nothing would look like a clean day.
  public static func currentDay(root: String, endDate: CivilDate) throws -> (
    folders: [String], files: [InputSource]
  ) {
    let workspaces = try ExportLayout.workspaceRoots(under: root)
    var folders: [String] = []
    var files: [InputSource] = []
    for ws in workspaces {
      let day = ExportLayout.dayFolder(root: ws, date: endDate)
      folders.append(day)
      files += Self.files(under: day).map(InputSource.file)
    }
    guard !files.isEmpty else {
      throw HuntError(
        "no files for \(endDate): looked in " + folders.joined(separator: ", ")
          + " (check --end-date and --root)")
    }
    return (folders, files)
  }
}
