import BeaconCore
import BeaconNet

#if canImport(Glibc)
  import Glibc
#endif

/// Why enrichment could not start, or what failed for one finding, with the values a message needs.
public enum EnrichError: Error, Sendable, Equatable {
  /// Which of the analyst's files an error is about.
  public enum Source: String, Sendable {
    case geoIP, asn, feed, rdapCache
  }
  case file(Source, TextFileError)
  /// A MaxMind DB that cannot be read (`detail` says where it is corrupt).
  case database(Source, path: String, detail: String)
  /// A database of the wrong kind (an ASN database given as GeoIP).
  case wrongDatabase(Source, path: String, type: String)
  /// A feed that is malformed for its format (`line` 1-based, when known).
  case feed(path: String, line: Int?, message: String)
  case noDestinationColumn
  case rdapCache(path: String, reason: String)
  /// An RDAP URL that is not HTTPS (plain HTTP is allowed for loopback only).
  case rdapNotHTTPS(url: String)
}

/// How urgent a finding is: from its score, raised by a threat-intel match, lowered by a
/// warning-list (known benign) match.
public enum Severity: String, Sendable, CaseIterable, Comparable {
  case low, medium, high, critical

  public static func < (a: Severity, b: Severity) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }

  /// The severity a finding's own evidence gives: high for a periodicity score of 0.9 or more (or
  /// a notebook Percentbeacon of 95 or more), medium otherwise.
  public static func base(columns: [String], cells: [Cell]) -> Severity {
    func number(_ column: FindingColumn) -> Double? {
      guard let k = columns.firstIndex(of: column) else { return nil }
      switch cells[k] {
      case .double(let v): return v
      case .int(let v): return Double(v)
      default: return nil
      }
    }
    if let score = number(.score) { return score >= 0.9 ? .high : .medium }
    if let percent = number(.percentBeacon) { return percent >= 95 ? .high : .medium }
    return .medium
  }
}

/// What enrichment adds to one finding, about its destination.
public struct Enrichment: Sendable, Equatable {
  public var geo: GeoInfo?
  public var asn: ASNInfo?
  public var threats: [Indicator] = []
  public var severity: Severity
  /// What could not be looked up for this finding (a corrupt database record), or nil.
  public var failure: String?

  /// The columns appended to a finding's own.
  public static let columns =
    ([
      .destinationCountry, .destinationCity, .destinationLatitude, .destinationLongitude,
      .destinationASN, .destinationASOrganization, .threatIntel, .severity, .enrichmentError,
    ] as [FindingColumn]).map(\.name)

  /// `feed value malware (first seen …)` per match, `; `-separated.
  public var threatText: String? {
    guard !threats.isEmpty else { return nil }
    return threats.map { t in
      [
        t.benign ? "warning list" : t.feed, t.value, t.malware,
        t.firstSeen.map { (t.benign ? "" : "first seen ") + $0 },
      ].compactMap { $0 }.joined(separator: " ")
    }.joined(separator: "; ")
  }

  public var cells: [Cell] {
    [
      geo?.countryISO.map(Cell.string) ?? .null, geo?.city.map(Cell.string) ?? .null,
      geo?.latitude.map(Cell.double) ?? .null, geo?.longitude.map(Cell.double) ?? .null,
      asn?.number.map(Cell.int) ?? .null, asn?.organization.map(Cell.string) ?? .null,
      threatText.map(Cell.string) ?? .null, .string(severity.rawValue),
      failure.map(Cell.string) ?? .null,
    ]
  }
}

/// Enriches findings from files the analyst has: a GeoIP database, an ASN database and
/// threat-intel feeds. Nothing leaves the machine.
public struct Enricher: Sendable {
  public var geoDB: MaxMindDB?
  public var asnDB: MaxMindDB?
  public var threatIntel = ThreatIntel()

  public init(geoIP: String? = nil, asn: String? = nil, feeds: [String] = []) throws(EnrichError) {
    if let geoIP {
      let db = try Self.open(geoIP, .geoIP)
      guard
        db.metadata.databaseType.contains("City") || db.metadata.databaseType.contains("Country")
      else {
        throw .wrongDatabase(.geoIP, path: geoIP, type: db.metadata.databaseType)
      }
      geoDB = db
    }
    if let asn {
      let db = try Self.open(asn, .asn)
      guard db.metadata.databaseType.uppercased().contains("ASN") else {
        throw .wrongDatabase(.asn, path: asn, type: db.metadata.databaseType)
      }
      asnDB = db
    }
    for f in feeds {
      do { try threatIntel.load(f) } catch let e as EnrichError { throw e } catch {
        throw .feed(path: f, line: nil, message: "\(error)")
      }
    }
  }

  static func open(_ path: String, _ source: EnrichError.Source) throws(EnrichError) -> MaxMindDB {
    // A FIFO or device in the database's place is refused before it is opened.
    var st = stat()
    if stat(path, &st) == 0, st.st_mode & S_IFMT != S_IFREG {
      throw .file(source, .notRegular(path: path, kind: TextFile.fileKind(st.st_mode)))
    }
    do { return try MaxMindDB(path: path) } catch let e as MMDBError {
      throw .database(source, path: path, detail: e.description)
    } catch {
      throw .database(source, path: path, detail: "\(error)")
    }
  }

  public var isEmpty: Bool { geoDB == nil && asnDB == nil && threatIntel.isEmpty }

  /// The notices the databases' licences ask for, for the report and the README.
  public var attributions: [String] {
    [geoDB, asnDB].compactMap { $0 }.compactMap { db -> String? in
      let type = db.metadata.databaseType
      let text = (db.metadata.description.values.joined(separator: " ") + " " + type).lowercased()
      if text.contains("db-ip") || type.uppercased().hasPrefix("DBIP") {
        return "IP geolocation by DB-IP (https://db-ip.com), licensed under CC BY 4.0."
      }
      if type.hasPrefix("GeoLite2") {
        return
          "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com."
      }
      return nil
    }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
  }

  /// Enrichment of one destination (and port), with the finding's base severity. `name` is the
  /// destination's host name when the finding has one: domain indicators match it, beside the
  /// address's.
  public func enrich(
    destination: String, name: String? = nil, port: Int32?, activity: ClosedRange<Timestamp>?,
    base: Severity
  ) -> Enrichment {
    var e = Enrichment(severity: base)
    let byName = name.map { threatIntel.matches(name: $0, activity: activity) } ?? []
    guard let address = IPAddress(destination) else {
      e.threats = byName
      e.severity = Self.severity(e.threats, base: base)
      return e
    }
    // A corrupt record fails this finding's lookup only: the row says so, the rest go on.
    var failures: [String] = []
    do { e.geo = try geoDB?.geo(address) } catch let error as MMDBError {
      failures.append("GeoIP: \(error.description)")
    } catch { failures.append("GeoIP: \(error)") }
    do { e.asn = try asnDB?.asn(address) } catch let error as MMDBError {
      failures.append("ASN: \(error.description)")
    } catch { failures.append("ASN: \(error)") }
    e.failure = failures.isEmpty ? nil : failures.joined(separator: "; ")
    e.threats = byName + threatIntel.matches(address, port: port, activity: activity)
    e.severity = Self.severity(e.threats, base: base)
    return e
  }

  /// A listed destination is critical; one only on a warning list (known benign) is low.
  static func severity(_ threats: [Indicator], base: Severity) -> Severity {
    if threats.contains(where: { !$0.benign }) { return .critical }
    return threats.isEmpty ? base : .low
  }

  /// Findings as columns and rows (from a hunt, or read back from a file), with the enrichment
  /// columns appended.
  public func enrich(columns: [String], rows: [[Cell]]) throws(EnrichError) -> (
    columns: [String], rows: [[Cell]]
  ) {
    guard let dst = columns.firstIndex(of: .destinationIP) else { throw .noDestinationColumn }
    let portAt = columns.firstIndex(of: .destinationPort)
    let nameAt = columns.firstIndex(of: .destinationHostName)
    let (firstAt, lastAt) = (
      columns.firstIndex(of: .firstSeen), columns.firstIndex(of: .lastSeen)
    )
    func time(_ row: [Cell], _ k: Int?) -> Timestamp? {
      guard let k, case .string(let s) = row[k] else { return nil }
      return Timestamp(iso: s)
    }
    let out = rows.map { row -> [Cell] in
      guard case .string(let ip) = row[dst] else {
        return row + Enrichment(severity: .medium).cells
      }
      var port: Int32? = nil
      if let portAt, case .int(let p) = row[portAt] { port = Int32(truncatingIfNeeded: p) }
      var activity: ClosedRange<Timestamp>? = nil
      if let a = time(row, firstAt), let b = time(row, lastAt), a <= b { activity = a...b }
      var name: String? = nil
      if let nameAt, case .string(let n) = row[nameAt] { name = n }
      let e = enrich(
        destination: ip, name: name, port: port, activity: activity,
        base: Severity.base(columns: columns, cells: row))
      return row + e.cells
    }
    return (columns + Enrichment.columns, out)
  }
}
