import BeaconCore
import BeaconNet

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
    func number(_ name: String) -> Double? {
      guard let k = columns.firstIndex(of: name) else { return nil }
      switch cells[k] {
      case .double(let v): return v
      case .int(let v): return Double(v)
      default: return nil
      }
    }
    if let score = number("Score") { return score >= 0.9 ? .high : .medium }
    if let percent = number("Percentbeacon") { return percent >= 95 ? .high : .medium }
    return .medium
  }
}

/// What enrichment adds to one finding, about its destination.
public struct Enrichment: Sendable, Equatable {
  public var geo: GeoInfo?
  public var asn: ASNInfo?
  public var threats: [Indicator] = []
  public var severity: Severity

  /// The columns appended to a finding's own.
  public static let columns = [
    "DestinationCountry", "DestinationCity", "DestinationLatitude", "DestinationLongitude",
    "DestinationASN", "DestinationASOrganization", "ThreatIntel", "Severity",
  ]

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
    ]
  }
}

/// Enriches findings from files the analyst has: a GeoIP database, an ASN database and
/// threat-intel feeds. Nothing leaves the machine.
public struct Enricher: Sendable {
  public var geoDB: MaxMindDB?
  public var asnDB: MaxMindDB?
  public var threatIntel = ThreatIntel()

  public init(geoIP: String? = nil, asn: String? = nil, feeds: [String] = []) throws {
    if let geoIP {
      let db = try Self.open(geoIP, flag: "--geoip-db")
      guard
        db.metadata.databaseType.contains("City") || db.metadata.databaseType.contains("Country")
      else {
        throw HuntError(
          "--geoip-db \(geoIP): a \(db.metadata.databaseType) database, not a City or Country one")
      }
      geoDB = db
    }
    if let asn {
      let db = try Self.open(asn, flag: "--asn-db")
      guard db.metadata.databaseType.uppercased().contains("ASN") else {
        throw HuntError("--asn-db \(asn): a \(db.metadata.databaseType) database, not an ASN one")
      }
      asnDB = db
    }
    for f in feeds { try threatIntel.load(f) }
  }

  static func open(_ path: String, flag: String) throws -> MaxMindDB {
    do { return try MaxMindDB(path: path) } catch let e as MMDBError {
      throw HuntError("\(flag) \(e.description)")
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

  /// Enrichment of one destination (and port), with the finding's base severity.
  public func enrich(
    destination: String, port: Int32?, activity: ClosedRange<Timestamp>?, base: Severity
  ) throws -> Enrichment {
    var e = Enrichment(severity: base)
    guard let address = IPAddress(destination) else { return e }
    do {
      e.geo = try geoDB?.geo(address)
      e.asn = try asnDB?.asn(address)
    } catch let error as MMDBError {
      throw HuntError("enrichment of \(destination): \(error.description)")
    }
    e.threats = threatIntel.matches(address, port: port, activity: activity)
    if e.threats.contains(where: { !$0.benign }) {
      e.severity = .critical
    } else if !e.threats.isEmpty {
      e.severity = .low
    }
    return e
  }

  /// Findings as columns and rows (from a hunt, or read back from a file), with the enrichment
  /// columns appended.
  public func enrich(columns: [String], rows: [[Cell]]) throws -> (
    columns: [String], rows: [[Cell]]
  ) {
    guard let dst = columns.firstIndex(of: "DestinationIP") else {
      throw HuntError("the findings have no DestinationIP column")
    }
    let portAt = columns.firstIndex(of: "DestinationPort")
    let (firstAt, lastAt) = (
      columns.firstIndex(of: "FirstSeen"), columns.firstIndex(of: "LastSeen")
    )
    func time(_ row: [Cell], _ k: Int?) -> Timestamp? {
      guard let k, case .string(let s) = row[k] else { return nil }
      return Timestamp(iso: s)
    }
    let out = try rows.map { row -> [Cell] in
      guard case .string(let ip) = row[dst] else {
        return row + Enrichment(severity: .medium).cells
      }
      var port: Int32? = nil
      if let portAt, case .int(let p) = row[portAt] { port = Int32(truncatingIfNeeded: p) }
      var activity: ClosedRange<Timestamp>? = nil
      if let a = time(row, firstAt), let b = time(row, lastAt), a <= b { activity = a...b }
      let e = try enrich(
        destination: ip, port: port, activity: activity,
        base: Severity.base(columns: columns, cells: row))
      return row + e.cells
    }
    return (columns + Enrichment.columns, out)
  }
}
