import BeaconCore
import Foundation

/// One day of history, compact: for each destination, the distinct sources that reached it and
/// when it was first seen that day. A daily hunt reads these instead of raw rows.
public struct DaySummary: Codable, Sendable, Equatable {
  public struct Destination: Codable, Sendable, Equatable {
    public var ip: String
    /// First connection of the day, in 100 ns ticks.
    public var first: Int64
    /// The distinct sources, in byte order.
    public var sources: [String]
  }

  /// One slow flow's check-ins of the day, for scoring slow beacons over the lookback.
  public struct Flow: Codable, Sendable, Equatable {
    public var source: String
    public var destination: String
    public var port: Int32?
    public var `protocol`: String?
    /// Check-in times in 100 ns ticks, ascending, written as decimal text joined by `,`: one JSON
    /// string per flow decodes far faster than an array of numbers.
    public var checkIns: String

    public init(
      source: String, destination: String, port: Int32?, protocol: String?, checkIns: [Int64]
    ) {
      self.source = source
      self.destination = destination
      self.port = port
      self.protocol = `protocol`
      self.checkIns = checkIns.map(String.init).joined(separator: ",")
    }

    /// The check-in ticks; nil when the text is not a list of integers (a damaged cache).
    public var ticks: [Int64]? {
      // Digits by hand: a warm 21-day history parses millions of these.
      var out: [Int64] = []
      var value: Int64 = 0
      var negative = false
      var digits = 0
      var text = checkIns
      let ok = text.withUTF8 { bytes -> Bool in
        func finish() -> Bool {
          guard digits > 0 else { return false }
          out.append(negative ? -value : value)
          (value, negative, digits) = (0, false, 0)
          return true
        }
        for b in bytes {
          switch b {
          case UInt8(ascii: "0")...UInt8(ascii: "9"):
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { return false }
            value = a
            digits += 1
          case UInt8(ascii: "-") where digits == 0 && !negative: negative = true
          case UInt8(ascii: ","): guard finish() else { return false }
          default: return false
          }
        }
        return bytes.isEmpty || finish()
      }
      return ok ? out : nil
    }
  }

  /// The format version; a summary of another version is recomputed. Version 2 keys destinations
  /// by their exact bytes (a list, not a JSON object), as Spark groups them; version 3 counts
  /// internal sources only, and keeps only the hunted day's rows; version 4 adds slow flows.
  public static let version = 4

  public var version = DaySummary.version
  public var date: String
  /// Identifies the files the summary was made from (paths, sizes, modification times), so a day
  /// whose files change is summarised again.
  public var fingerprint: String
  /// One entry per destination, in byte order of `ip`.
  public var destinations: [Destination] = []
  /// The day's slow flows (`PeriodicityMethod.slowDay` says which), in key order.
  public var flows: [Flow] = []

  public init(date: String, fingerprint: String) {
    self.date = date
    self.fingerprint = fingerprint
  }

  /// Summarises prepared rows (after direction filtering); only internal sources count.
  public mutating func add(_ rows: [ConnectionRecord], sourceInternal: [Bool]) {
    var p = Prevalence()
    p.add(self)
    p.add(rows, sourceInternal: sourceInternal)
    destinations = p.destinations
  }
}

/// Destination prevalence (distinct internal sources: with `--direction any`, the internet's
/// scanners of a sensor do not make a C2 port "popular") and first-seen times over history and
/// today, keyed by exact bytes so that both engines group the same strings. A destination
/// reached only from outside has prevalence 0 and is still first seen.
public struct Prevalence: Sendable {
  var sources: [ExactString: Set<ExactString>] = [:]
  var first: [ExactString: Int64] = [:]

  public init() {}

  /// Adds a history day. With `onlyKnown`, only destinations already added count: a hunt needs
  /// the history of today's destinations only, and merging the rest is wasted work.
  public mutating func add(_ day: DaySummary, onlyKnown: Bool = false) {
    for d in day.destinations {
      let ip = ExactString(d.ip)
      if onlyKnown, sources[ip] == nil { continue }
      sources[ip, default: []].formUnion(d.sources.map { ExactString($0) })
      first[ip] = min(first[ip] ?? .max, d.first)
    }
  }

  public mutating func add(_ rows: [ConnectionRecord], sourceInternal: [Bool]) {
    for (r, isInternal) in zip(rows, sourceInternal) {
      guard let d = r.destinationIP, let s = r.sourceIP else { continue }
      let ip = ExactString(d)
      if isInternal {
        sources[ip, default: []].insert(ExactString(s))
      } else if sources[ip] == nil {
        sources[ip] = []
      }
      first[ip] = min(first[ip] ?? .max, r.time.ticks)
    }
  }

  /// Distinct sources that reached `destination`.
  public func count(_ destination: String) -> Int { sources[ExactString(destination)]?.count ?? 0 }

  /// The first connection to `destination`, in ticks.
  public func firstSeen(_ destination: String) -> Int64? { first[ExactString(destination)] }

  /// As summary entries, in byte order.
  public var destinations: [DaySummary.Destination] {
    sources.map { ip, s in
      DaySummary.Destination(
        ip: ip.string, first: first[ip]!,
        sources: s.map(\.string).sorted { utf8Compare($0, $1) < 0 })
    }.sorted { utf8Compare($0.ip, $1.ip) < 0 }
  }
}

extension DaySummary {
  /// A fingerprint of files: path, size and modification time of each.
  public static func fingerprint(of paths: [String]) -> String {
    var text = ""
    for p in paths.sorted() {
      let a = try? FileManager.default.attributesOfItem(atPath: p)
      let size = (a?[.size] as? NSNumber)?.int64Value ?? -1
      let mtime = (a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
      text += "\(p)\t\(size)\t\(mtime)\n"
    }
    // Swift's Hasher is seeded per process, so a stable digest of its own.
    return stableDigest(text)
  }

  public static func stableDigest(_ s: String) -> String {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x8422_2325_cbf2_9ce4
    for byte in s.utf8 {
      a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
      b = (b &+ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15
    }
    return String(a, radix: 16) + String(b, radix: 16) + "-\(s.utf8.count)"
  }
}

/// Summaries cached in a folder (`--cache DIR`), one JSON file per root and day.
public struct SummaryCache: Sendable {
  public let folder: String

  public init(folder: String) { self.folder = folder }

  func path(root: String, date: String) -> String {
    folder + "/" + DaySummary.stableDigest(root) + "/" + date + ".json"
  }

  /// The cached summary, if it was made from files with this fingerprint.
  public func load(root: String, date: String, fingerprint: String) -> DaySummary? {
    // Regular files only: anything else in the cache's place is passed over (and made anew).
    guard let bytes = try? TextFile.read(path(root: root, date: date)),
      let s = try? JSONDecoder().decode(DaySummary.self, from: Data(bytes)),
      s.version == DaySummary.version, s.fingerprint == fingerprint
    else { return nil }
    return s
  }

  /// Writes beside and renames (`OutputFile`), so a crash never leaves a half-written summary
  /// and nothing but a regular file is ever replaced.
  public func store(_ s: DaySummary, root: String) throws(BaselineError) {
    let p = path(root: root, date: s.date)
    do {
      try FileManager.default.createDirectory(
        atPath: OutputFile.parent(of: p), withIntermediateDirectories: true)
      let data = try JSONEncoder().encode(s)
      try OutputFile.write(String(decoding: data, as: UTF8.self), to: p, force: true)
    } catch let e as OutputError {
      throw .cacheNotWritten(folder: folder, detail: e)
    } catch {
      throw .cacheNotWritten(folder: folder, detail: .cannotCreate(path: p, reason: "\(error)"))
    }
  }
}

/// Why the history cache could not be used.
public enum BaselineError: Error, Sendable, Equatable {
  case cacheNotWritten(folder: String, detail: OutputError)
}
