import ArgumentParser
import BeaconCore
import BeaconEnrich
import BeaconExport
import Foundation

/// Offline enrichment from the analyst's own files; nothing leaves the machine.
struct EnrichOptions: ParsableArguments {
  static let geoIPVariable = "BEACONHUNT_GEOIP_DB"
  static let asnVariable = "BEACONHUNT_ASN_DB"

  @Option(
    help: ArgumentHelp(
      "GeoIP2/GeoLite2 City or Country database, or DB-IP Lite (.mmdb): country, city, coordinates. Default: $\(geoIPVariable).",
      valueName: "file"))
  var geoipDB: String?

  @Option(
    help: ArgumentHelp(
      "GeoLite2 ASN (or DB-IP ASN Lite) database (.mmdb): AS number and organisation. Default: $\(asnVariable).",
      valueName: "file"))
  var asnDB: String?

  @Option(
    help: ArgumentHelp(
      "Threat-intel feed file, repeatable: Feodo Tracker CSV/JSON/list, ThreatFox CSV, URLhaus CSV, Emerging Threats lists, MISP warning lists, STIX 2.1 bundles (detected from content).",
      valueName: "file"))
  var ti: [String] = []

  @Flag(
    help:
      "Look up each destination's network holder with RDAP (online: the only option that sends anything; HTTPS, 1 request/s per registry, cached)."
  )
  var rdap = false

  @Option(
    help: ArgumentHelp(
      "RDAP answers cache (default ~/.cache/beaconhunt/rdap.json).", valueName: "file"))
  var rdapCache: String?

  @Option(
    help: ArgumentHelp(
      "Where the IANA RDAP bootstrap files (ipv4.json, ipv6.json) are (default https://data.iana.org/rdap/).",
      valueName: "url"))
  var rdapBootstrap: String?

  @Option(
    help: ArgumentHelp(
      "Seconds one RDAP request may take in all (connecting, redirects, the whole answer).",
      valueName: "seconds"))
  var rdapTimeout: Double = 10

  func validate() throws {
    try checkFinite(rdapTimeout, "--rdap-timeout", 0.1...600)
    if !rdap, rdapCache != nil || rdapBootstrap != nil {
      throw ValidationError("--rdap-cache and --rdap-bootstrap need --rdap")
    }
  }

  /// The RDAP cache file (with `--rdap`).
  var cachePath: String {
    rdapCache
      ?? (FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/beaconhunt/rdap.json")
  }

  /// The RDAP client, when `--rdap` is given.
  func rdapClient() throws -> RDAPClient? {
    guard rdap else { return nil }
    var bootstrap = RDAPClient.ianaBootstrap
    if let text = rdapBootstrap {
      guard let url = URL(string: text.hasSuffix("/") ? text : text + "/"), url.scheme != nil else {
        throw ValidationError("--rdap-bootstrap \(TableText.visible(text)): not a URL")
      }
      bootstrap = url
    }
    return try RDAPClient(bootstrap: bootstrap, cachePath: cachePath, timeout: rdapTimeout)
  }

  /// The databases, feeds and RDAP client these options ask for, opened (so a bad file fails
  /// before a long hunt, not after it).
  func prepare() throws -> EnrichPlan {
    EnrichPlan(enricher: try enricher(), rdap: try rdapClient())
  }

  /// The enricher these options ask for, or nil when none is given.
  func enricher() throws -> Enricher? {
    let env = ProcessInfo.processInfo.environment
    let geo = geoipDB ?? env[Self.geoIPVariable].flatMap { $0.isEmpty ? nil : $0 }
    let asn = asnDB ?? env[Self.asnVariable].flatMap { $0.isEmpty ? nil : $0 }
    guard geo != nil || asn != nil || !ti.isEmpty else { return nil }
    return try Enricher(geoIP: geo, asn: asn, feeds: ti)
  }
}

/// Enrichment ready to apply: what `EnrichOptions` opened.
struct EnrichPlan {
  var enricher: Enricher?
  var rdap: RDAPClient?

  var isEmpty: Bool { enricher == nil && rdap == nil }

  /// Appends the enrichment columns to findings as columns and rows. A lookup that fails marks
  /// its row (`EnrichmentError`, `RDAPError`) instead of failing the run; `failures` counts those
  /// rows, for the exit code.
  func apply(columns: [String], rows: [[Cell]], quiet: Bool) async throws -> (
    columns: [String], rows: [[Cell]], failures: Int
  ) {
    var table = (columns: columns, rows: rows)
    if let enricher { table = try enricher.enrich(columns: table.columns, rows: table.rows) }
    if let rdap { table = try await rdap.enrich(columns: table.columns, rows: table.rows) }
    if !quiet, !isEmpty {
      Stderr.write(
        EnrichSummary.text(enricher, rdap: rdap, columns: table.columns, rows: table.rows))
    }
    for w in rdap?.warnings ?? [] { Stderr.write("beaconhunt: warning: \(TableText.visible(w))\n") }
    let errorColumns = [FindingColumn.enrichmentError, .rdapError].compactMap {
      table.columns.firstIndex(of: $0)
    }
    let failures = table.rows.filter { row in
      errorColumns.contains { k in
        if case .string(let s) = row[k] { return s != "not found" }
        return false
      }
    }.count
    return (table.columns, table.rows, failures)
  }
}

/// `beaconhunt enrich FINDINGS`: enrichment for findings made earlier, or by Spark.
struct EnrichCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "enrich",
    abstract:
      "Add GeoIP, ASN, threat-intel (and with --rdap, whois) columns to findings written earlier (JSON lines or JSON)."
  )

  @Argument(help: "A findings file (beaconhunt hunt output, or --spark-output's JSON lines).")
  var findings: String

  @OptionGroup(title: "Enrichment") var enrich: EnrichOptions
  @OptionGroup(title: "Output") var output: OutputOptions

  func run() async throws {
    let plan = try enrich.prepare()
    guard !plan.isEmpty else {
      throw ValidationError(
        "give --geoip-db, --asn-db, --ti or --rdap (or set $\(EnrichOptions.geoIPVariable))")
    }
    try checkOutputs(
      [output.output, enrich.rdap ? enrich.cachePath : nil].compactMap { $0 }, force: output.force)
    let table = try FindingsFile.read(findings)
    let enriched = try await plan.apply(
      columns: table.columns, rows: table.rows, quiet: output.quiet)
    try emit(columns: enriched.columns, rows: enriched.rows, output)
    if enriched.failures > 0 { enrichmentFailed(enriched.failures) }
  }
}

/// What enrichment used and found, for stderr.
enum EnrichSummary {
  static func text(_ e: Enricher?, rdap: RDAPClient?, columns: [String], rows: [[Cell]]) -> String {
    var out = "beaconhunt: enrichment\n"
    let v = TableText.visible
    if let db = e?.geoDB { out += "  geoip     \(v(db.path)) (\(v(db.metadata.databaseType)))\n" }
    if let db = e?.asnDB { out += "  asn       \(v(db.path)) (\(v(db.metadata.databaseType)))\n" }
    for f in e?.threatIntel.files ?? [] {
      let skipped = f.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
      out +=
        "  ti        \(v(f.path)) (\(f.format.rawValue)): \(f.indicators) indicators"
        + (f.domains > 0 ? " (\(f.domains) domains)" : "")
        + (skipped.isEmpty ? "" : "; skipped " + skipped.joined(separator: ", ")) + "\n"
    }
    if let rdap {
      out +=
        "  rdap      \(rdap.requests) requests, \(rdap.cacheHits) answers from the cache (\(v(rdap.cachePath ?? "no cache")))\n"
    }
    if let ti = columns.firstIndex(of: .threatIntel), !(e?.threatIntel.isEmpty ?? true) {
      let matched = rows.filter { if case .string = $0[ti] { true } else { false } }.count
      out += "  ti        \(matched) findings matched a feed (by address or by name)\n"
    }
    if let severity = columns.firstIndex(of: .severity) {
      var counts: [String: Int] = [:]
      for r in rows { if case .string(let s) = r[severity] { counts[s, default: 0] += 1 } }
      out +=
        "  findings  \(rows.count): "
        + Severity.allCases.reversed().map { "\(counts[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(
          separator: ", ") + "\n"
    }
    for a in e?.attributions ?? [] { out += "  note      \(a)\n" }
    return out
  }
}
