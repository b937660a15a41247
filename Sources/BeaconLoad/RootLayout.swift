import BeaconCore
import Foundation

/// The layouts a `--root` may have, and the files of each day in them.
///
/// - A Log Analytics export: `…/y=YYYY/m=MM/d=DD/h=HH/m=MM/PT05M.json`, under one or more
///   workspace folders (`ExportLayout`).
/// - A Zeek log archive, as `zeekctl` (and RITA's import) leave it:
///   `<root>/YYYY-MM-DD/conn.HH:MM:SS-HH:MM:SS.log.gz`, with the logs being written now in
///   `<root>/current/` (or in `<root>` itself). Conn logs are hunted, and the `http`, `ssl` and
///   `dns` logs beside them name their destinations (`ZeekNames`); the others (`dhcp`,
///   `conn-summary` …) are counted by kind, never opened. Zeek names its day
///   folders in the sensor's local time; the hunted day's window is UTC (rows outside it are
///   counted and set nothing).
public enum RootLayout: Sendable, Equatable {
  case export(workspaces: [String])
  case zeekArchive(root: String)

  /// One day of a root: the folder (for the record and the cache key) and its input files.
  public struct Day: Sendable {
    public var root: String
    public var date: CivilDate
    public var folder: String
    public var files: InputSet
  }

  /// The layout of a local root; neither layout is `LoadError.rootWithoutLayout`.
  public static func resolve(_ root: String) throws(LoadError) -> RootLayout {
    do {
      return .export(workspaces: try ExportLayout.workspaceRoots(under: root))
    } catch .rootWithoutLayout {
      guard ZeekArchive.isArchive(root) else { throw .rootWithoutLayout(path: root) }
      return .zeekArchive(root: root)
    }
  }

  /// The days `dates` of every workspace (or of the archive). `latest` marks the hunted day,
  /// which also takes an archive's current logs when no later day folder exists.
  public func days(_ dates: [CivilDate], latest: Bool = false) -> [Day] {
    switch self {
    case .export(let workspaces):
      var seen = InputFiles.Seen()
      return workspaces.flatMap { ws in
        dates.map { date in
          let folder = ExportLayout.dayFolder(root: ws, date: date)
          return Day(
            root: ws, date: date, folder: folder, files: InputFiles.walk(folder, seen: &seen))
        }
      }
    case .zeekArchive(let root):
      var seen = InputFiles.Seen()
      return dates.map { date in
        var folders = [ZeekArchive.dayFolder(root: root, date: date)]
        if latest, ZeekArchive.latestDay(root).map({ $0 <= date }) ?? true {
          folders += [root + "/current", root]
        }
        var files = InputSet()
        for f in folders { files.append(ZeekArchive.connLogs(in: f, seen: &seen)) }
        return Day(root: root, date: date, folder: folders[0], files: files)
      }
    }
  }
}

/// A Zeek log archive's names.
public enum ZeekArchive {
  /// `root/YYYY-MM-DD`.
  public static func dayFolder(root: String, date: CivilDate) -> String {
    var root = root
    while root.count > 1, root.hasSuffix("/") { root.removeLast() }
    return root + "/" + date.description
  }

  /// Whether `root` holds dated day folders, or a current conn log.
  public static func isArchive(_ root: String) -> Bool {
    var seen = InputFiles.Seen()
    func hasConnLog(_ folder: String) -> Bool {
      connLogs(in: folder, seen: &seen).sources.contains {
        isConnLog(String($0.name.split(separator: "/").last ?? ""))
      }
    }
    return latestDay(root) != nil || hasConnLog(root + "/current") || hasConnLog(root)
  }

  /// The latest `YYYY-MM-DD` folder below `root`.
  static func latestDay(_ root: String) -> CivilDate? {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    return names.compactMap { n in n.count == 10 ? CivilDate(iso: n) : nil }.max()
  }

  /// `conn.log`, `conn.HH:MM:SS-HH:MM:SS.log(.gz)`, and the like; `conn-summary` is another log.
  static func isConnLog(_ name: String) -> Bool {
    name.hasPrefix("conn.") && (name.hasSuffix(".log") || name.hasSuffix(".log.gz"))
  }

  /// The kind of another Zeek log (`dns` of `dns.00:00:00-01:00:00.log.gz`), if it is one.
  static func logKind(_ name: String) -> String? {
    guard name.hasSuffix(".log") || name.hasSuffix(".log.gz"),
      let dot = name.firstIndex(of: "."), dot > name.startIndex
    else { return nil }
    return String(name[..<dot])
  }

  /// The conn logs directly in `folder`, with the http, ssl and dns logs that name their
  /// destinations (`ZeekNames`), listed by the rule of every folder walk (`InputFiles`: each
  /// real file once, FIFOs and broken links reported), and the other logs beside them counted by
  /// kind. Files that are not Zeek logs are passed over.
  static func connLogs(in folder: String, seen: inout InputFiles.Seen) -> InputSet {
    let listing = InputFiles.walk(folder, seen: &seen, recursive: false)
    var set = InputSet()
    set.skipped = listing.skipped
    set.repeated = listing.repeated
    for source in listing.sources {
      let name = String(source.name.split(separator: "/").last ?? "")
      if isConnLog(name) || logKind(name).flatMap(ZeekNames.Kind.init) != nil {
        set.sources.append(source)
        set.stamps[source.name] = listing.stamps[source.name]
      } else if let kind = logKind(name) {
        set.otherLogs[kind, default: 0] += 1
      }
    }
    return set
  }
}
