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
struct EnrichCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "enrich",
    abstract:
      "Add GeoIP, ASN and threat-intel columns to findings written earlier (JSON lines or JSON).")

  @Argument(help: "A findings file (beaconhunt hunt output, or --spark-output's JSON lines).")
  var findings: String

  @OptionGroup(title: "Enrichment") var enrich: EnrichOptions
  @OptionGroup(title: "Output") var output: OutputOptions

  func run() throws {
    guard let enricher = try enrich.enricher() else {
      throw ValidationError(
        "give --geoip-db, --asn-db or --ti (or set $\(EnrichOptions.geoIPVariable))")
    }
    if let path = output.output { try OutputFile.checkWritable(path, force: output.force) }
    let table = try FindingsFile.read(findings)
    let enriched = try enricher.enrich(columns: table.columns, rows: table.rows)
    if !output.quiet { Stderr.write(EnrichSummary.text(enricher, rows: enriched.rows)) }
    try emit(columns: enriched.columns, rows: enriched.rows, output)
  }
}

/// What enrichment used and found, for stderr.
enum EnrichSummary {
  static func text(_ e: Enricher, rows: [[Cell]]) -> String {
    var out = "beaconhunt: enrichment\n"
    if let db = e.geoDB { out += "  geoip     \(db.path) (\(db.metadata.databaseType))\n" }
    if let db = e.asnDB { out += "  asn       \(db.path) (\(db.metadata.databaseType))\n" }
    for f in e.threatIntel.files {
      let skipped = f.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
      out +=
        "  ti        \(f.path) (\(f.format.rawValue)): \(f.indicators) indicators"
        + (skipped.isEmpty ? "" : "; skipped " + skipped.joined(separator: ", ")) + "\n"
    }
    let severity = Enrichment.columns.count - 1
    var counts: [String: Int] = [:]
    for r in rows {
      if case .string(let s) = r[r.count - Enrichment.columns.count + severity] {
        counts[s, default: 0] += 1
      }
    }
    out +=
      "  findings  \(rows.count): "
      + Severity.allCases.reversed().map { "\(counts[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(
        separator: ", ") + "\n"
    for a in e.attributions { out += "  note      \(a)\n" }
    return out
  }
}
