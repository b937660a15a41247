import BeaconCore
import BeaconNet
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconEnrich

/// The made-up feed samples in `../shared/enrichment/threatintel-samples` (documentation ranges
/// only), one per format BeaconHunt reads.
@Suite struct ThreatIntelTests {
  static let samples = MMDBData.root.replacingOccurrences(of: "/mmdb", with: "/threatintel-samples")

  static func load(_ names: String...) throws -> ThreatIntel {
    var ti = ThreatIntel()
    for n in names { try ti.load(samples + "/" + n) }
    return ti
  }

  static func ip(_ s: String) -> IPAddress { IPAddress(s)! }
  static let november =
    Timestamp(iso: "2026-11-30T12:00:00Z")!...Timestamp(iso: "2026-11-30T13:00:00Z")!

  @Test(arguments: [
    ("feodo_ipblocklist.csv", FeedFormat.feodoCSV, 3), ("feodo_ipblocklist.json", .feodoJSON, 2),
    ("feodo_ipblocklist.txt", .plainList, 3), ("threatfox_recent.csv", .threatFoxCSV, 2),
    ("urlhaus_csv_recent.csv", .urlhausCSV, 2), ("et_compromised-ips.txt", .plainList, 4),
    ("et_emerging-Block-IPs.txt", .plainList, 3),
    ("misp_warninglist_cidr.json", .mispWarningList, 3),
    ("stix21_bundle.json", .stix, 7), ("opencti_bundle.json", .stix, 1),
  ])
  func everyFormatIsDetectedAndRead(file: String, format: FeedFormat, count: Int) throws {
    let ti = try Self.load(file)
    #expect(ti.files.first?.format == format)
    #expect(ti.indicators.count == count)
  }

  @Test func feodoMatchesByAddressAndPortWithMalwareAndFirstSeen() throws {
    let ti = try Self.load("feodo_ipblocklist.csv")
    let m = ti.matches(Self.ip("203.0.113.10"), port: 443)
    #expect(m.map(\.malware) == ["QakBot"] && m.first?.firstSeen == "2026-10-01 08:15:02")
    // The CSV names the C2 port: the same address on another port is not this indicator.
    #expect(ti.matches(Self.ip("203.0.113.10"), port: 80).isEmpty)
    #expect(ti.matches(Self.ip("203.0.113.11"), port: 443).isEmpty)
  }

  @Test func threatFoxIPPortAndURLhausHostsMatchByAddressAndByName() throws {
    let ti = try Self.load("threatfox_recent.csv", "urlhaus_csv_recent.csv")
    #expect(ti.matches(Self.ip("203.0.113.10"), port: 443).map(\.malware) == ["Cobalt Strike"])
    #expect(
      ti.matches(Self.ip("203.0.113.55"), port: 4444).first?.value
        == "http://203.0.113.55:4444/bin.sh")
    // Domains, and URL hosts that are names, match the destination's exact name.
    #expect(ti.files.map(\.domains) == [1, 1] && ti.files.allSatisfy { $0.skipped.isEmpty })
    #expect(ti.matches(name: "c2.bad.example").map(\.malware) == ["Sliver"])
    #expect(ti.matches(name: "bad.example").map(\.value) == ["https://bad.example/invoice.exe"])
    #expect(ti.matches(name: "www.c2.bad.example").isEmpty)  // no subdomains
    #expect(ti.matches(name: "203.0.113.10").isEmpty)  // names never match addresses
  }

  @Test func enrichmentMatchesTheNameBesideTheAddress() throws {
    let e = try Enricher(feeds: [Self.samples + "/threatfox_recent.csv"])
    let byName = e.enrich(
      destination: "198.51.100.200", name: "c2.bad.example", port: 443, activity: nil,
      base: .medium)
    #expect(
      byName.severity == .critical
        && byName.threatText?.hasPrefix("threatfox-csv c2.bad.example Sliver") == true)
    let byAddress = e.enrich(
      destination: "203.0.113.10", name: "benign.example", port: 443, activity: nil,
      base: .medium)
    #expect(byAddress.severity == .critical && byAddress.threats.count == 1)
    let neither = e.enrich(
      destination: "198.51.100.200", name: "benign.example", port: 443, activity: nil,
      base: .medium)
    #expect(neither.severity == .medium && neither.threats.isEmpty)
    // Findings read back from a file: the DestinationHostName column is what matches.
    let table = try e.enrich(
      columns: ["SourceIP", "DestinationHostName", "DestinationIP", "DestinationPort"],
      rows: [[.string("10.0.0.5"), .string("c2.bad.example"), .string("10.0.0.8"), .int(8080)]])
    let ti = try #require(table.columns.firstIndex(of: "ThreatIntel"))
    #expect(table.rows[0][ti] != .null)
  }

  @Test func plainListsHoldAddressesAndNetworks() throws {
    let ti = try Self.load("et_emerging-Block-IPs.txt", "et_compromised-ips.txt")
    #expect(ti.matches(Self.ip("203.0.113.77"), port: 1).map(\.value) == ["203.0.113.0/25"])
    #expect(ti.matches(Self.ip("203.0.113.200"), port: 1).isEmpty)
    #expect(ti.matches(Self.ip("2001:db8::bad:1"), port: nil).count == 1)
  }

  @Test func mispWarningListsAreBenign() throws {
    let ti = try Self.load("misp_warninglist_cidr.json")
    let m = ti.matches(Self.ip("192.0.2.5"), port: 123)
    #expect(m.count == 1 && m[0].benign)
    #expect(ti.matches(Self.ip("2001:db8:53::1"), port: 53).count == 1)
  }

  @Test func stixPatternsValidityAndRevocation() throws {
    let ti = try Self.load("stix21_bundle.json")
    // '=' and ISSUBSET, IPv4 and IPv6, OR of two observations, an address with a port.
    #expect(ti.matches(Self.ip("198.51.100.9"), port: 1, activity: Self.november).count == 1)
    #expect(ti.matches(Self.ip("2001:db8::bad:1"), port: 1, activity: Self.november).count == 1)
    #expect(ti.matches(Self.ip("192.0.2.78"), port: 1, activity: Self.november).count == 1)
    #expect(ti.matches(Self.ip("203.0.113.10"), port: 443, activity: Self.november).count == 2)
    #expect(ti.matches(Self.ip("203.0.113.10"), port: 80, activity: Self.november).count == 1)
    // Revoked indicators are skipped; a domain-name pattern is a domain indicator.
    #expect(ti.matches(Self.ip("203.0.113.99"), port: 1).isEmpty)
    #expect(ti.files[0].skipped == ["revoked indicators": 1] && ti.files[0].domains == 1)
    #expect(ti.matches(name: "c2.bad.example", activity: Self.november).count == 1)
    // Outside valid_from … valid_until, nothing matches.
    let before = Timestamp(iso: "2026-10-01T00:00:00Z")!...Timestamp(iso: "2026-10-02T00:00:00Z")!
    #expect(ti.matches(Self.ip("203.0.113.10"), port: 443, activity: before).isEmpty)
  }

  @Test func malformedFeedsAreErrorsNamingFileAndLine() throws {
    let scratch = TempFolder()
    let dir = scratch.path
    try "# list\n10.0.0.1\nnot-an-ip\n".write(
      toFile: dir + "/bad.txt", atomically: true, encoding: .utf8)
    var ti = ThreatIntel()
    #expect(
      throws: EnrichError.feed(
        path: dir + "/bad.txt", line: 3, message: "\"not-an-ip\" is not an IP or CIDR network")
    ) { try ti.load(dir + "/bad.txt") }
    try "{\"type\":\"x\"}".write(toFile: dir + "/x.json", atomically: true, encoding: .utf8)
    #expect(
      throws: EnrichError.feed(
        path: dir + "/x.json", line: nil,
        message: "a JSON object that is neither a STIX bundle nor a MISP warning list")
    ) { try ti.load(dir + "/x.json") }
    #expect(throws: EnrichError.file(.feed, .notFound(path: dir + "/missing.csv"))) {
      try ti.load(dir + "/missing.csv")
    }
    // A FIFO in a feed's place fails at once instead of blocking the hunt.
    #expect(mkfifo(dir + "/fifo.csv", 0o644) == 0)
    #expect(throws: EnrichError.file(.feed, .notRegular(path: dir + "/fifo.csv", kind: "a FIFO"))) {
      try ti.load(dir + "/fifo.csv")
    }
  }
}
