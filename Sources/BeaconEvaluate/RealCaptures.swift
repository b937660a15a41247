import BeaconCore
import BeaconEngine
import BeaconSpec
import Foundation

/// The real third-party captures in `../shared/data/real` (see its README), hunted as a user
/// would, each with its documented C2 (or none, for the benign PCs): found or not, its rank among
/// the capture's findings, its period, and how many other findings there were.
public enum RealCaptures {
  public struct Capture: Sendable {
    public var dataset: String
    /// Paths relative to the data folder; the capstone series are extracted from one CSV.
    public var paths: [String]
    /// `SourceIP>destination:port` of the documented C2 (the destination's name where the
    /// capture's logs give one, else its address); nil for benign captures.
    public var c2: String?
    public var anyDirection = false
    public var internalNetworks: [String]? = nil
    /// A capstone capture name: its connection starts become a CSV of their own.
    public var capstone: String? = nil
  }

  public struct Row: Sendable {
    public var capture: Capture
    /// The C2's finding: its kind and period, and its rank (1-based) among all findings.
    public var kind: String?
    public var period: Double?
    public var rank: Int?
    public var findings = 0
    public var notebookFound = false
    public var notebookFindings = 0
    public var found: Bool { rank != nil }
    public var others: Int { findings - (found ? 1 : 0) }
  }

  /// The capstone lab's captures have no addresses: each gets this made-up pair.
  public static let capstonePair = ("10.99.0.1", "198.51.100.1")
  static let capstoneC2 = "\(capstonePair.0)>\(capstonePair.1)"

  public static let captures: [Capture] = [
    Capture(
      dataset: "slips-test18-remcos (RemcosRAT, 8 min)",
      paths: ["slips-test18-remcos/zeek-labeled/conn.log.labeled"],
      c2: "192.168.1.107>66.63.168.35:5888"),
    Capture(
      dataset: "slips-test-cc capture-1 (curl; sleep 2)",
      paths: ["slips-test-cc/test-cc-capture-1.conn-starts.csv"],
      c2: "147.32.80.37>141.193.213.21:443", internalNetworks: ["147.32.0.0/16"]),
    Capture(
      dataset: "rita-proxy conn.log (via proxy, any direction)", paths: ["rita-proxy/conn.log"],
      c2: "10.136.0.18>10.136.0.16:3128", anyDirection: true),
    Capture(
      dataset: "rita-proxy folder (conn + http.log: by name)", paths: ["rita-proxy"],
      c2: "10.136.0.18>www.honestimnotevil.com:443"),
    Capture(
      dataset: "capstone Empire", paths: [], c2: capstoneC2, anyDirection: true,
      capstone: "empire_beaconing_0.csv"),
    Capture(
      dataset: "capstone PoshC2", paths: [], c2: capstoneC2, anyDirection: true,
      capstone: "posh_beaconing_0.csv"),
    Capture(
      dataset: "capstone Merlin", paths: [], c2: capstoneC2, anyDirection: true,
      capstone: "merlin_beaconing_0.csv"),
    Capture(
      dataset: "capstone Sliver (beacon mode)", paths: [], c2: capstoneC2,
      anyDirection: true, capstone: "sliver_beaconing_1.csv"),
    Capture(
      dataset: "strato-008-normal40 (benign PC, 24 h)",
      paths: ["strato-008-normal40/conn.log.labeled"], c2: nil,
      internalNetworks: ["147.32.0.0/16"]),
    Capture(
      dataset: "strato-010-normal42 (benign PC, 24 h)",
      paths: ["strato-010-normal42/conn.log.labeled"], c2: nil,
      internalNetworks: ["147.32.0.0/16"]),
    Capture(
      dataset: "rita-proxy_rolling (benign, hourly .gz)", paths: ["rita-proxy_rolling"], c2: nil),
  ]

  /// The default data folder: `../shared/data/real` from the current folder, if it exists.
  public static var defaultFolder: String {
    FileManager.default.currentDirectoryPath + "/../shared/data/real"
  }

  /// Hunts every capture under `folder` at default settings (plus the direction and internal
  /// networks each capture's README calls for).
  public static func run(folder: String) throws -> [Row] {
    var rows: [Row] = []
    for c in captures {
      var paths = c.paths.map { folder + "/" + $0 }
      var temporary: String? = nil
      if let name = c.capstone {
        let path = NSTemporaryDirectory() + "beaconhunt-capstone-\(UUID().uuidString).csv"
        try capstoneCSV(folder: folder, capture: name).write(
          toFile: path, atomically: true, encoding: .utf8)
        temporary = path
        paths = [path]
      }
      defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
      var spec = HuntSpec(input: .paths(paths), method: .periodicity)
      spec.periodicity.anyDirection = c.anyDirection
      spec.periodicity.internalNetworks = c.internalNetworks
      let f = try NativeEngine().runSynchronously(spec).findings.periodicity ?? []
      var row = Row(capture: c)
      row.findings = f.count
      if let c2 = c.c2,
        let k = f.firstIndex(where: {
          c2 == $0.pairKey || c2 == $0.pairKey + ":\($0.destinationPort.map(String.init) ?? "-")"
        })
      {
        row.rank = k + 1
        row.kind = f[k].kind.rawValue
        row.period = f[k].period
      }
      let notebook =
        try NativeEngine().runSynchronously(
          HuntSpec(input: .paths(paths), method: .notebook)
        ).findings.notebook ?? []
      row.notebookFindings = notebook.count
      if let c2 = c.c2 {
        row.notebookFound = notebook.contains {
          let pair = "\($0.sourceIP)>\($0.destinationIP)"
          return c2 == pair || c2 == pair + ":\($0.destinationPort)"
        }
      }
      rows.append(row)
    }
    return rows
  }

  /// One capstone capture's connection starts as `ts,src,dst,sent` (times relative, as recorded).
  public static func capstoneCSV(folder: String, capture: String) throws -> String {
    let source = try String(
      contentsOfFile: folder + "/capstone-c2-frameworks/c2_conn_starts.derived.csv",
      encoding: .utf8)
    var csv = "ts,src,dst,sent\n"
    for line in source.split(whereSeparator: \.isNewline).dropFirst() {
      let f = line.split(separator: ",")
      if f.count >= 6, f[0] == capture {
        csv += "\(f[1]),\(capstonePair.0),\(capstonePair.1),\(f[5])\n"
      }
    }
    return csv
  }

  /// The rows as a table.
  public static func table(_ rows: [Row]) -> String {
    func l(_ s: String, _ w: Int) -> String {
      s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count)
    }
    var out =
      l("dataset", 46) + l("documented C2", 42) + l("found", 8) + l("rank", 6) + l("period", 10)
      + l("others", 8) + "notebook\n"
    out += String(repeating: "-", count: 132) + "\n"
    for r in rows {
      let found = r.capture.c2 == nil ? "-" : r.found ? (r.kind ?? "yes") : "MISSED"
      out +=
        l(r.capture.dataset, 46) + l(r.capture.c2 ?? "none (benign)", 42) + l(found, 8)
        + l(r.rank.map(String.init) ?? "-", 6)
        + l(r.period.map { String(format: "%.1f s", $0) } ?? "-", 10) + l(String(r.others), 8)
        + (r.capture.c2 == nil
          ? "\(r.notebookFindings) findings"
          : (r.notebookFound ? "found" : "missed") + " (\(r.notebookFindings) findings)") + "\n"
    }
    return out
  }
}
