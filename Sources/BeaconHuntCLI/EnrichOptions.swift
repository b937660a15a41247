import ArgumentParser
import BeaconCore
import BeaconEnrich
import BeaconExport
import BeaconPipeline
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

  /// The files these options rewrite every run (with `--rdap`, its cache), for the output checks.
  var cacheFiles: [String] { rdap ? [cachePath] : [] }

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
  func prepare() throws -> EnrichmentPlan {
    EnrichmentPlan(enricher: try enricher(), rdap: try rdapClient())
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
    try FindingsPipeline.checkOutputs(
      [output.output].compactMap { $0 }, caches: enrich.cacheFiles, force: output.force)
    let plan = try enrich.prepare()
    guard !plan.isEmpty else {
      throw ValidationError(
        "give --geoip-db, --asn-db, --ti or --rdap (or set $\(EnrichOptions.geoIPVariable))")
    }
    let table = try FindingsFile.read(findings)
    let written = try await FindingsPipeline(
      enrichment: plan, findings: FindingsDestination(format: output.format, path: output.output),
      force: output.force, log: Stderr.log(quiet: output.quiet), warn: Stderr.warn
    ).finish(FindingsTable(columns: table.columns, rows: table.rows), summary: "", parameters: [])
    if written.failures > 0 { enrichmentFailed(written.failures) }
  }
}
