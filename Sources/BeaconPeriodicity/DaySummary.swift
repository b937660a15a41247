import BeaconCore
import Foundation

/// One day of history, compact: for each destination (a name, else an address: the flow key's
/// destination), the distinct internal sources that reached
/// it and when it was first seen that day, and the day's slow flows' check-ins. A daily hunt reads
/// these instead of raw rows.
///
/// Addresses and protocols are written once per day in `strings` and referred to by index, so a
/// summary is small on disk and cheap to merge: a hunt maps each day's strings to its own ids
/// once, and then compares integers.
public struct DaySummary: Sendable, Equatable {
  public struct Destination: Sendable, Equatable {
    /// Index in `strings`.
    public var ip: Int32
    /// First connection of the day, in 100 ns ticks.
    public var first: Int64
    /// The distinct internal sources (indexes in `strings`), in byte order of their text.
    public var sources: [Int32]
  }

  /// One slow flow's check-ins of the day, for scoring slow beacons over the lookback.
  public struct Flow: Sendable, Equatable {
    /// Indexes in `strings`.
    public var source: Int32
    public var destination: Int32
    public var port: Int32?
    /// Index in `strings`; nil where the input has no protocol.
    public var `protocol`: Int32?
    /// Check-in times in 100 ns ticks, ascending.
    public var ticks: [Int64]
  }

  /// The format version; a summary of another version is recomputed. Version 2 keys destinations
  /// by their exact bytes, as Spark groups them; version 3 counts internal sources only, and
  /// keeps only the hunted day's rows; version 4 adds slow flows; version 5 is the binary format
  /// (`DaySummary+Binary.swift`) with a string table; version 6 keys destinations and flows by
  /// the destination's name where the connection has one (`HostName`), else by its address.
  public static let version = 6

  public var date: String
  /// Identifies the files the summary was made from (paths, sizes, modification times) and the
  /// options that shape it, so a day whose files or options change is summarised again.
  public var fingerprint: String
  /// The addresses and protocols the entries refer to, each once.
  public var strings: [String] { names.strings }
  /// One entry per destination, in byte order of its address.
  public var destinations: [Destination] = []
  /// The day's slow flows (`PeriodicityMethod.isSlowDay` says which), in the order given.
  public var flows: [Flow] = []

  var names = Interner()

  public init(date: String, fingerprint: String) {
    self.date = date
    self.fingerprint = fingerprint
  }

  public static func == (a: DaySummary, b: DaySummary) -> Bool {
    a.date == b.date && a.fingerprint == b.fingerprint && a.strings == b.strings
      && a.destinations == b.destinations && a.flows == b.flows
  }

  /// The index of `s` in `strings`, added when new.
  public mutating func id(_ s: String) -> Int32 { names.id(s) }

  /// Summarises a day's prevalence (its connections added after direction filtering); only
  /// internal sources count.
  public mutating func add(_ p: Prevalence) {
    let rank = p.names.byteOrderRanks()
    let byBytes = { (a: Int32, b: Int32) in rank[Int(a)] < rank[Int(b)] }
    for d in p.sources.keys.sorted(by: byBytes) {
      let ip = id(p.names.string(d))
      let sources = p.sources[d]!.members.sorted(by: byBytes).map { id(p.names.string($0)) }
      destinations.append(Destination(ip: ip, first: p.first[d]!, sources: sources))
    }
  }

  /// Adds one slow flow's check-ins.
  public mutating func addFlow(
    source: String, destination: String, port: Int32?, protocol: String?, ticks: [Int64]
  ) {
    flows.append(
      Flow(
        source: id(source), destination: id(destination), port: port,
        protocol: `protocol`.map { id($0) }, ticks: ticks))
  }

  /// The first connection the day holds, in ticks.
  public var first: Int64? { destinations.lazy.map(\.first).min() }
}

/// Strings to dense integer ids, by exact bytes (as Spark groups them), each string's bytes held
/// once (a `StringPool`): a hunt's prevalence starts from the pool its rows were interned in, so
/// its ids are the rows' and no string is copied.
public struct Interner: Sendable {
  private var pool: StringPool

  public init() { pool = StringPool() }

  /// The pool's strings, with the pool's ids.
  public init(pool: StringPool) {
    precondition(pool.count < Int(Int32.max), "more than 2^31 distinct strings")
    self.pool = pool
  }

  /// A table read back: `strings` keep their indexes; nil if one is repeated (no summary
  /// written here repeats one).
  public init?(_ strings: [String]) {
    pool = StringPool()
    for (k, s) in strings.enumerated() where pool.id(s) != UInt32(k) { return nil }
  }

  public var count: Int { pool.count }

  /// Every string, by id.
  public var strings: [String] { pool.strings() }

  /// The string of `id`.
  public func string(_ id: Int32) -> String { pool.string(UInt32(id))! }

  public mutating func id(_ s: String) -> Int32 { Int32(pool.id(s)) }

  public func lookup(_ s: String) -> Int32? { pool.find(s).map { Int32($0) } }

  /// Each id's rank in byte order of its string.
  public func byteOrderRanks() -> [UInt32] { pool.byteOrderRanks() }
}

/// The distinct internal sources of a destination. Most destinations of a day have none or one,
/// which need no set of their own (a set per destination was most of a hunt's prevalence).
enum SourceSet: Sendable {
  case none
  case one(Int32)
  case many(Set<Int32>)

  mutating func insert(_ source: Int32) {
    switch self {
    case .none: self = .one(source)
    case .one(let s) where s == source: break
    case .one(let s): self = .many([s, source])
    case .many(var set):
      self = .none  // the set stays unique while it grows
      set.insert(source)
      self = .many(set)
    }
  }

  var count: Int {
    switch self {
    case .none: 0
    case .one: 1
    case .many(let set): set.count
    }
  }

  var members: [Int32] {
    switch self {
    case .none: []
    case .one(let s): [s]
    case .many(let set): Array(set)
    }
  }
}

/// Destination prevalence (distinct internal sources: with `--direction any`, the internet's
/// scanners of a sensor do not make a C2 port "popular") and first-seen times over history and
/// today, keyed by exact bytes so that both engines group the same strings. A destination
/// reached only from outside has prevalence 0 and is still first seen.
public struct Prevalence: Sendable {
  /// The ids of every address and protocol seen; callers key their own tables by them.
  public var names = Interner()
  var sources: [Int32: SourceSet] = [:]
  var first: [Int32: Int64] = [:]

  public init() {}

  /// Prevalence over the strings of `pool`, by its ids.
  public init(pool: StringPool) { names = Interner(pool: pool) }

  /// Adds a connection (or a flow, by its first time), by ids from `names`.
  public mutating func add(source: Int32, destination: Int32, sourceInternal: Bool, ticks: Int64) {
    if sourceInternal {
      sources[destination, default: .none].insert(source)
    } else if sources[destination] == nil {
      sources[destination] = SourceSet.none
    }
    first[destination] = min(first[destination] ?? .max, ticks)
  }

  /// Adds a history day, and returns the ids of its strings (index for index). With
  /// `onlyKnown`, only destinations already added count: a hunt needs the history of today's
  /// destinations only, and merging the rest is wasted work.
  @discardableResult
  public mutating func add(_ day: DaySummary, onlyKnown: Bool = false) -> [Int32] {
    let map = day.strings.map { names.id($0) }
    for d in day.destinations {
      let ip = map[Int(d.ip)]
      if onlyKnown, sources[ip] == nil { continue }
      var set = sources[ip] ?? SourceSet.none
      sources[ip] = nil  // unique while it grows
      for s in d.sources { set.insert(map[Int(s)]) }
      sources[ip] = set
      first[ip] = min(first[ip] ?? .max, d.first)
    }
    return map
  }

  /// Distinct internal sources that reached `destination`.
  public func count(_ destination: Int32) -> Int { sources[destination]?.count ?? 0 }
  public func count(_ destination: String) -> Int { names.lookup(destination).map(count) ?? 0 }

  /// The first connection to `destination`, in ticks.
  public func firstSeen(_ destination: Int32) -> Int64? { first[destination] }
  public func firstSeen(_ destination: String) -> Int64? {
    names.lookup(destination).flatMap(firstSeen)
  }
}

extension DaySummary {
  /// A fingerprint of files: path (below `root` when under it, so that `data` and `/abs/data`
  /// give the same), size and modification time of each. `stamps` are those a folder walk
  /// already took; other files are stat'ed here.
  public static func fingerprint(
    of paths: [String], under root: String? = nil, stamps: [String: FileStamp] = [:]
  ) -> String {
    var text = ""
    for p in paths.sorted() {
      let stamp = stamps[p] ?? FileStamp(path: p)
      let size = stamp?.size ?? -1
      let mtime = stamp.map { "\($0.modified.tv_sec).\($0.modified.tv_nsec)" } ?? "-1"
      let name = root.flatMap { r in p.hasPrefix(r) ? String(p.dropFirst(r.count)) : nil } ?? p
      // Length first: a file name may hold tabs and newlines.
      text += "\(name.utf8.count):\(name)\t\(size)\t\(mtime)\n"
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

/// Summaries cached in a folder (`--cache DIR`), one file per root and day.
public struct SummaryCache: Sendable {
  public let folder: String

  public init(folder: String) { self.folder = folder }

  /// The root is keyed by its real path, so `data`, `./data` and `/abs/data` share a cache.
  func path(root: String, date: String) -> String {
    let real = realpath(root, nil).map { p in
      defer { free(p) }
      return String(cString: p)
    }
    return folder + "/" + DaySummary.stableDigest(real ?? root) + "/" + date + ".summary"
  }

  /// The cached summary, if it was made from files with this fingerprint.
  public func load(root: String, date: String, fingerprint: String) -> DaySummary? {
    // Regular files only: anything else in the cache's place is passed over (and made anew).
    guard let bytes = try? TextFile.read(path(root: root, date: date)),
      let s = DaySummary(decoding: bytes), s.fingerprint == fingerprint, s.date == date
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
      try OutputFile.write(bytes: s.encoded(), to: p, force: true)
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
