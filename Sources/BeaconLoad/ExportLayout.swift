import BeaconCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The folder layout of a Log Analytics data export, and which day folders a hunt reads.
///
/// Paths are built as text so that the same function serves local folders and the URLs a Spark
/// cluster reads (`abfss://…`, `s3a://…`, `hdfs://…`, `file://…`).
public enum ExportLayout {
  /// The folders of one hunt: the day it scores and the history before it.
  public struct Plan: Sendable, Equatable {
    public var current: String
    public var history: [String]
  }

  /// `root/y=YYYY/m=MM/d=DD`.
  public static func dayFolder(root: String, date: CivilDate) -> String {
    var root = root
    while root.count > 1, root.hasSuffix("/"), !root.hasSuffix("://") { root.removeLast() }
    return root + "/" + dayPath(date)
  }

  /// `y=YYYY/m=MM/d=DD`, relative.
  public static func dayPath(_ date: CivilDate) -> String {
    "y=\(CivilDate.pad(date.year, 4))/m=\(CivilDate.pad(date.month, 2))/d=\(CivilDate.pad(date.day, 2))"
  }

  /// `h=HH/m=MM/PT05M.json` (5-minute) or `h=HH/m=00/PT1H.json` (hourly) below a day folder;
  /// `overflow` > 0 names the overflow files `PT05M_1.json`, `PT05M_2.json`, ….
  public static func filePath(hour: Int, minute: Int, hourly: Bool, overflow: Int = 0) -> String {
    let name = hourly ? "PT1H" : "PT05M"
    let suffix = overflow > 0 ? "_\(overflow)" : ""
    return
      "h=\(CivilDate.pad(hour, 2))/m=\(CivilDate.pad(hourly ? 0 : minute, 2))/\(name)\(suffix).json"
  }

  /// The notebook's history: the `lookbackDays + 1` days from `endDate − (lookbackDays + 1)` to
  /// `endDate − 1`, oldest first. (One more day than `lookbackDays`: the notebook's off-by-one, kept.)
  public static func historicalDates(endDate: CivilDate, lookbackDays: Int) -> [CivilDate] {
    guard lookbackDays >= 0 else { return [] }
    return (1...(lookbackDays + 1)).reversed().map { endDate.adding(days: -$0) }
  }

  /// The current-day folder and the historical day folders under one workspace root.
  public static func plan(root: String, endDate: CivilDate, lookbackDays: Int) -> Plan {
    Plan(
      current: dayFolder(root: root, date: endDate),
      history: historicalDates(endDate: endDate, lookbackDays: lookbackDays).map {
        dayFolder(root: root, date: $0)
      })
  }

  /// The workspace folders under a local `--root`: the root itself when it holds `y=YYYY` folders,
  /// otherwise every folder below it that does (a container root holds
  /// `WorkspaceResourceId=/subscriptions/…/workspaces/<ws>/`).
  /// The `days` days before `endDate`, oldest first: the periodicity method's history (exactly
  /// `days`; the notebook's extra day is the notebook's own, see `historicalDates`).
  public static func lookbackDates(endDate: CivilDate, days: Int) -> [CivilDate] {
    guard days > 0 else { return [] }
    return (1...days).reversed().map { endDate.adding(days: -$0) }
  }

  /// The history day folders with files under a local root (every workspace), and how many
  /// (workspace, day) pairs had none.
  public static func lookbackFolders(root: String, endDate: CivilDate, days: Int) throws -> (
    folders: [String], missing: Int
  ) {
    var folders: [String] = []
    var missing = 0
    for ws in try workspaceRoots(under: root) {
      for date in lookbackDates(endDate: endDate, days: days) {
        let folder = dayFolder(root: ws, date: date)
        if InputFiles.files(under: folder).isEmpty { missing += 1 } else { folders.append(folder) }
      }
    }
    return (folders, missing)
  }

  public static func workspaceRoots(under root: String) throws(LoadError) -> [String] {
    var st = stat()
    guard stat(root, &st) == 0 else { throw .rootMissing(path: root) }
    guard st.st_mode & S_IFMT == S_IFDIR else { throw .rootNotAFolder(path: root) }
    var found: [String] = []
    var frontier = [root]
    // Links are followed, but a folder is entered once, so link loops end.
    var visited: Set<InputFiles.FileID> = [InputFiles.FileID(st)]
    // The workspace path sits 8 levels below a container root; 12 leaves room without walking days.
    for _ in 0..<12 where !frontier.isEmpty {
      var next: [String] = []
      for dir in frontier {
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        if children.contains(where: isYearFolder) {
          found.append(dir)
          continue
        }
        for c in children where !c.hasPrefix(".") {
          let path = dir + "/" + c
          var child = stat()
          if stat(path, &child) == 0, child.st_mode & S_IFMT == S_IFDIR,
            visited.insert(InputFiles.FileID(child)).inserted
          {
            next.append(path)
          }
        }
      }
      frontier = next
    }
    guard !found.isEmpty else { throw .rootWithoutLayout(path: root) }
    return found
  }

  static func isYearFolder(_ name: String) -> Bool {
    name.count == 6 && name.hasPrefix("y=") && name.dropFirst(2).allSatisfy(\.isNumber)
  }
}
