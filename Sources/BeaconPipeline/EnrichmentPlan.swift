import BeaconCore
import BeaconEnrich
import BeaconExport

/// Enrichment ready to apply: the databases and feeds opened, and the RDAP client (the only part
/// that goes online) when one is wanted. Opening them before a hunt makes a bad file fail before
/// the hunt, not after it.
public struct EnrichmentPlan: Sendable {
  public var enricher: Enricher?
  public var rdap: RDAPClient?

  /// No enrichment: findings pass through unchanged.
  public static let none = EnrichmentPlan()

  public init(enricher: Enricher? = nil, rdap: RDAPClient? = nil) {
    self.enricher = enricher
    self.rdap = rdap
  }

  public var isEmpty: Bool { enricher == nil && rdap == nil }

  /// The files the plan rewrites every run (the RDAP client's answers): no output may name one,
  /// and they are replaced without `force` (`OutputFile.checkCacheFile`).
  public var cacheFiles: [String] { rdap?.cachePath.map { [$0] } ?? [] }

  /// Appends the enrichment columns to `table`. A lookup that fails marks its row
  /// (`EnrichmentError`, `RDAPError`) instead of failing the run; `failures` counts those rows.
  public func apply(_ table: FindingsTable) async throws(EnrichError) -> EnrichedFindings {
    var t = table
    if let enricher { (t.columns, t.rows) = try enricher.enrich(columns: t.columns, rows: t.rows) }
    if let rdap { (t.columns, t.rows) = try await rdap.enrich(columns: t.columns, rows: t.rows) }
    let errorColumns = [FindingColumn.enrichmentError, .rdapError].compactMap {
      t.columns.firstIndex(of: $0)
    }
    let failures = t.rows.filter { row in
      errorColumns.contains { k in
        if case .string(let s) = row[k] { return s != "not found" }
        return false
      }
    }.count
    return EnrichedFindings(
      table: t, failures: failures,
      summary: isEmpty ? nil : summary(of: t), warnings: rdap?.warnings ?? [])
  }

  /// What enrichment used and found, for a log: the files, the RDAP requests, the matches and
  /// the findings by severity. Every name from a file or the data is made visible.
  func summary(of t: FindingsTable) -> String {
    var out = "beaconhunt: enrichment\n"
    let v = TableText.visible
    let e = enricher
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
    if let ti = t.columns.firstIndex(of: .threatIntel), !(e?.threatIntel.isEmpty ?? true) {
      let matched = t.rows.filter { if case .string = $0[ti] { true } else { false } }.count
      out += "  ti        \(matched) findings matched a feed (by address or by name)\n"
    }
    if let severity = t.columns.firstIndex(of: .severity) {
      var counts: [String: Int] = [:]
      for r in t.rows { if case .string(let s) = r[severity] { counts[s, default: 0] += 1 } }
      out +=
        "  findings  \(t.rows.count): "
        + Severity.allCases.reversed().map { "\(counts[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(
          separator: ", ") + "\n"
    }
    for a in e?.attributions ?? [] { out += "  note      \(a)\n" }
    return out
  }
}

/// Findings after enrichment.
public struct EnrichedFindings: Sendable {
  public var table: FindingsTable
  /// Rows whose lookup failed (an `EnrichmentError` or `RDAPError` other than "not found").
  public var failures: Int
  /// What enrichment used and found (nil when there was no enrichment).
  public var summary: String?
  /// What went wrong without failing a row (the RDAP cache not written).
  public var warnings: [String]
}
