import BeaconNet
import BeaconSimulate
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconEnrich

/// The MaxMind DB test data lives beside the project (`../shared/enrichment/mmdb`, see its
/// PROVENANCE.md); nothing of it is committed here.
enum MMDBData {
  static let root = SharedData.maxMindTestData
  static func testData(_ name: String) -> String { SharedData.maxMindTestDatabase(name) }

  /// The rows of an expected TSV (header names → values).
  static func expected(_ name: String) throws -> [[String: String]] {
    let text = try String(contentsOfFile: root + "/expected/" + name, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      .filter { !$0.hasPrefix("#") && !$0.isEmpty }
    let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(
      String.init)
    return lines.map { line in
      let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      return Dictionary(
        uniqueKeysWithValues: zip(
          header, cells + Array(repeating: "", count: max(0, header.count - cells.count))))
    }
  }
}

@Suite struct MaxMindDBTests {
  @Test(arguments: [
    ("GeoIP2-City-Test.mmdb", "GeoIP2-City-Test.tsv"),
    ("GeoLite2-City-Test.mmdb", "GeoLite2-City-Test.tsv"),
    ("GeoLite2-Country-Test.mmdb", "GeoLite2-Country-Test.tsv"),
  ])
  func cityAndCountryDatabasesMatchTheReferenceReader(db: String, tsv: String) throws {
    let reader = try MaxMindDB(path: MMDBData.testData(db))
    let rows = try MMDBData.expected(tsv)
    #expect(rows.count > 200)
    for row in rows {
      let ip = try #require(IPAddress(row["probe_ip"]!))
      let g = try #require(try reader.geo(ip), "\(row["probe_ip"]!) has no record")
      func text(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
      let got = [
        g.network, g.countryISO ?? "", g.registeredCountryISO ?? "", g.subdivisionISO ?? "",
        g.city ?? "", text(g.latitude), text(g.longitude),
        g.accuracyRadiusKm.map(String.init) ?? "",
        g.timeZone ?? "",
      ]
      let want = [
        "network", "country_iso", "registered_country_iso", "subdivision_iso", "city_en",
        "latitude",
        "longitude", "accuracy_radius_km", "time_zone",
      ].map { row[$0]! }
      #expect(got == want, "\(row["probe_ip"]!)")
    }
  }

  @Test func asnDatabaseMatchesTheReferenceReader() throws {
    let reader = try MaxMindDB(path: MMDBData.testData("GeoLite2-ASN-Test.mmdb"))
    #expect(reader.metadata.databaseType == "GeoLite2-ASN")
    let rows = try MMDBData.expected("GeoLite2-ASN-Test.tsv")
    #expect(rows.count > 400)
    for row in rows {
      let ip = try #require(IPAddress(row["probe_ip"]!))
      let a = try #require(try reader.asn(ip))
      #expect(
        [a.network, a.number.map(String.init) ?? "", a.organization ?? ""]
          == [row["network"]!, row["asn"]!, row["organization"]!], "\(row["probe_ip"]!)")
    }
  }

  /// The format's own test databases: every record size, IPv4 and IPv6 trees, mixed trees.
  @Test(arguments: ["24", "28", "32"])
  func recordSizesAndTreeShapes(bits: String) throws {
    for kind in ["ipv4", "ipv6", "mixed"] {
      let reader = try MaxMindDB(path: MMDBData.testData("MaxMind-DB-test-\(kind)-\(bits).mmdb"))
      #expect(reader.metadata.recordSize == Int(bits)!)
      if kind != "ipv6" {
        // 1.1.1.1/32, 1.1.1.2/31, …, 1.1.1.32/32, each record {ip: network's first address}.
        for (ip, network) in [
          ("1.1.1.1", "1.1.1.1/32"), ("1.1.1.3", "1.1.1.2/31"), ("1.1.1.7", "1.1.1.4/30"),
          ("1.1.1.15", "1.1.1.8/29"), ("1.1.1.31", "1.1.1.16/28"), ("1.1.1.32", "1.1.1.32/32"),
        ] {
          let hit = try #require(try reader.lookup(IPAddress(ip)!), "\(kind)-\(bits) \(ip)")
          #expect(IPNetwork(IPAddress(ip)!, prefixLength: hit.prefixLength).description == network)
          let first = String(network.split(separator: "/")[0])
          let want = kind == "mixed" ? "::" + first : first
          #expect(try reader.value(at: hit.offset, ["ip"])?.string == want)
        }
        #expect(try reader.lookup(IPAddress("1.1.1.33")!) == nil)
      }
      if kind != "ipv4" {
        for (ip, network) in [
          ("::1:ffff:ffff", "::1:ffff:ffff/128"), ("::2:0:1", "::2:0:0/122"),
          ("::2:0:40", "::2:0:40/124"),
        ] {
          let hit = try #require(try reader.lookup(IPAddress(ip)!), "\(kind)-\(bits) \(ip)")
          #expect(IPNetwork(IPAddress(ip)!, prefixLength: hit.prefixLength).description == network)
        }
        #expect(try reader.lookup(IPAddress("::3:0:0")!) == nil)
      } else {
        #expect(try reader.lookup(IPAddress("::1:ffff:ffff")!) == nil)
      }
    }
  }

  @Test func everyDataTypeDecodes() throws {
    let reader = try MaxMindDB(path: MMDBData.testData("MaxMind-DB-test-decoder.mmdb"))
    let hit = try #require(try reader.lookup(IPAddress("1.1.1.1")!))
    let r = try reader.record(at: hit.offset)
    #expect(r["utf8_string"] == .string("unicode! ☯ - ♫"))
    #expect(r["double"] == .double(42.123456))
    #expect(r["float"] == .float(1.1))
    #expect(r["bytes"] == .bytes([0, 0, 0, 42]))
    #expect(r["uint16"] == .unsigned(100))
    #expect(r["uint32"] == .unsigned(268_435_456))
    #expect(r["int32"] == .int32(-268_435_456))
    #expect(r["uint64"] == .unsigned(1_152_921_504_606_846_976))
    #expect(r["uint128"] == .uint128(high: 1 << 56, low: 0))
    #expect(r["boolean"] == .bool(true))
    #expect(r["array"] == .array([.unsigned(1), .unsigned(2), .unsigned(3)]))
    #expect(r["map"]?["mapX"]?["arrayX"] == .array([.unsigned(7), .unsigned(8), .unsigned(9)]))
    #expect(r["map"]?["mapX"]?["utf8_stringX"] == .string("hello"))
    // Path reads decode only what they reach, and agree with the full record.
    #expect(try reader.value(at: hit.offset, ["map", "mapX", "arrayX", 2]) == .unsigned(9))
    #expect(try reader.value(at: hit.offset, ["array", 3]) == nil)
    #expect(try reader.value(at: hit.offset, ["nope"]) == nil)
  }

  @Test func pointersInDataAndMetadata() throws {
    let meta = try MaxMindDB(path: MMDBData.testData("MaxMind-DB-test-metadata-pointers.mmdb"))
    #expect(meta.metadata.nodeCount > 0 && !meta.metadata.languages.isEmpty)
    #expect(try meta.verify() > 0)
    let nested = try MaxMindDB(path: MMDBData.testData("MaxMind-DB-test-pointer-decoder.mmdb"))
    #expect(try nested.verify() > 0)
  }

  @Test func anIPv6TreeWithoutAnIPv4SubtreeAnswersIPv4LookupsWithItsRecord() throws {
    let reader = try MaxMindDB(path: MMDBData.testData("MaxMind-DB-no-ipv4-search-tree.mmdb"))
    let hit = try #require(try reader.lookup(IPAddress("1.1.1.1")!))
    #expect(hit.prefixLength == 0)
    #expect(try reader.record(at: hit.offset) == .string("::/64"))
  }

  /// Every valid test database passes the full verification walk.
  @Test func validDatabasesVerify() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: MMDBData.root + "/test-data")
      .filter {
        $0.hasSuffix(".mmdb") && !$0.contains("Broken") && !$0.contains("Invalid")
          && !$0.contains("broken")
      }
    #expect(names.count > 30)
    for name in names {
      let reader = try MaxMindDB(path: MMDBData.testData(name))
      #expect(try reader.verify() > 0, "\(name)")
    }
  }

  /// Every file of the format's corrupt-data collection gives an error, not a crash or a hang:
  /// on opening, or on looking up and decoding every record its tree reaches.
  @Test func corruptDatabasesAreClearErrors() throws {
    let dir = MMDBData.root + "/bad-data"
    var files: [String] = []
    for sub in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: dir + "/" + sub, isDirectory: &isDir),
        isDir.boolValue
      else { continue }
      files += try FileManager.default.contentsOfDirectory(atPath: dir + "/" + sub).filter {
        $0.hasSuffix(".mmdb")
      }
      .map { dir + "/" + sub + "/" + $0 }
    }
    files += [
      "GeoIP2-City-Test-Broken-Double-Format.mmdb", "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
      "MaxMind-DB-test-broken-pointers-24.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb",
    ].map(MMDBData.testData)
    #expect(files.count >= 25)
    for file in files {
      let outcome = Self.exercise(file)
      // Three files in the collection are valid databases that tripped one reader's bugs: a build
      // epoch of UINT64_MAX, and an empty array or map as the metadata's last value (the
      // reference reader reads all three). They must read cleanly.
      if ["uint64-max-epoch", "empty-array-last-in-metadata", "empty-map-last-in-metadata"]
        .contains(
          where: { file.hasSuffix($0 + ".mmdb") })
      {
        #expect(outcome == nil, "\(file): \(outcome ?? "")")
      } else {
        #expect(outcome != nil, "\(file) read without an error")
        #expect(outcome?.contains(file) == true, "the error names the file: \(outcome ?? "")")
      }
    }
  }

  /// Opens `file`, looks up addresses across the space and decodes each record; the first error.
  static func exercise(_ file: String) -> String? {
    do {
      let reader = try MaxMindDB(path: file)
      var probes = (0..<256).map { IPAddress(ipv4: UInt32($0) << 24 | 0x01_0101) }
      probes += (0..<256).map { IPAddress(high: UInt64($0) << 56 | 0x1, low: 1) }
      probes += ["1.1.1.1", "1.1.1.3", "::1:ffff:ffff", "::2:0:40", "2001:218::1", "81.2.69.160"]
        .map { IPAddress($0)! }
      for ip in probes {
        if let hit = try reader.lookup(ip) { _ = try reader.record(at: hit.offset) }
      }
      _ = try reader.verify()
      return nil
    } catch {
      return "\(error)"
    }
  }
}

/// Seeded corruption of real test databases: every mutation must end in a clean result or an
/// `MMDBError` (a crash or a hang fails the run).
@Suite struct MaxMindDBFuzzTests {
  @Test(arguments: [
    "GeoLite2-City-Test.mmdb", "GeoLite2-ASN-Test.mmdb", "MaxMind-DB-test-decoder.mmdb",
  ])
  func corruptedBytesNeverCrash(name: String) throws {
    let original = try Data(contentsOf: URL(fileURLWithPath: MMDBData.testData(name)))
    let scratch = TempFolder()
    let path = scratch.path("beaconhunt-fuzz.mmdb")
    var rng = SimRandom(seed: 0x5EED_0000 &+ UInt64(original.count))
    func next() -> UInt64 { rng.next() }
    var errors = 0
    let rounds = 300
    for round in 0..<rounds {
      var bytes = [UInt8](original)
      // A few random bytes, or a truncation, or a run of 0xFF (huge sizes and pointers).
      switch round % 3 {
      case 0:
        for _ in 0..<(1 + Int(next() % 8)) {
          bytes[Int(next() % UInt64(bytes.count))] = UInt8(next() & 0xFF)
        }
      case 1:
        bytes.removeLast(Int(next() % UInt64(bytes.count)))
      default:
        let at = Int(next() % UInt64(bytes.count))
        for k in at..<min(bytes.count, at + 4) { bytes[k] = 0xFF }
      }
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      if MaxMindDBTests.exercise(path) != nil { errors += 1 }
    }
    // The mutations must reach the checks, not only pass through unread bytes.
    #expect(errors > rounds / 10, "\(errors) of \(rounds) mutations were caught")
  }
}
