import BeaconTestSupport
import Foundation
import Testing

/// The `beaconhunt` binary as a user runs it: exit codes, files left alone, formats.
@Suite struct CommandLineTests {
  /// The binary under test: `$BEACONHUNT_BIN` (CI sets it to the release build), else the debug
  /// build beside the test bundle.
  static let binary: String = {
    if let bin = ProcessInfo.processInfo.environment["BEACONHUNT_BIN"], !bin.isEmpty { return bin }
    var dir = URL(fileURLWithPath: Bundle.main.bundlePath)
    if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
    for candidate in [dir, dir.deletingLastPathComponent()] {
      let path = candidate.appendingPathComponent("beaconhunt").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return dir.appendingPathComponent("beaconhunt").path
  }()

  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) throws
    -> Run
  {
    // A child that exits before reading its input must fail the test, not kill the runner.
    signal(SIGPIPE, SIG_IGN)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.binary)
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let input = Pipe()
    p.standardInput = input
    try p.run()
    if let stdin { try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Run(
      status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
      stderr: String(decoding: e, as: UTF8.self))
  }

  /// A 60 s beacon all day as JSON lines.
  static let beaconDay = beaconDay(to: "203.0.113.50")

  /// A 60 s beacon all day from 10.0.0.5 to `destination`:443, as JSON lines.
  static func beaconDay(to destination: String) -> String {
    (0..<1440).map { k in
      let s = k * 60
      let time = String(format: "2021-11-01T%02d:%02d:%02d.5Z", s / 3600, s / 60 % 60, s % 60)
      return
        #"{"TimeGenerated":"\#(time)","SourceIP":"10.0.0.5","DestinationIP":"\#(destination)","SourcePort":50000,"DestinationPort":443,"Protocol":"TCP","ReceivedBytes":1,"SentBytes":2,"DeviceVendor":"Fortinet"}"#
    }.joined(separator: "\n") + "\n"
  }

  @Test func binaryExists() {
    #expect(
      FileManager.default.isExecutableFile(atPath: Self.binary),
      "build the package first: \(Self.binary)")
    // CI tests the release binary; a missing variable there is a failure, not a quiet fallback.
    if ProcessInfo.processInfo.environment["CI"] == "true" {
      #expect(
        Self.binary.contains("/release/"),
        "CI must set BEACONHUNT_BIN to the release build (see .ci/run), got \(Self.binary)")
    }
  }

  @Test func pathsPrintsTheCurrentDayAndTheNotebooksHistory() throws {
    let r = try run([
      "paths", "--root", "abfss://c@a.dfs.core.windows.net/ws", "--end-date", "2022-01-02",
      "--lookback-days", "2",
    ])
    #expect(r.status == 0)
    #expect(
      r.stdout == """
        current\tabfss://c@a.dfs.core.windows.net/ws/y=2022/m=01/d=02
        history\tabfss://c@a.dfs.core.windows.net/ws/y=2021/m=12/d=30
        history\tabfss://c@a.dfs.core.windows.net/ws/y=2021/m=12/d=31
        history\tabfss://c@a.dfs.core.windows.net/ws/y=2022/m=01/d=01

        """)
  }

  /// Names are log fields, so attacker-controlled: an escape sequence, a formula, SQL or a
  /// 4000-byte "name" is an unusable name, counted, and the row keeps its address; a usable
  /// name reaches every format as itself.
  @Test func hostileHostNamesAreCountedNotShown() throws {
    let hostile = [
      #"\u001b]0;pwned\u0007evil.example"#, "=HYPERLINK(1).example", "'; DROP TABLE x; --",
      String(repeating: "a", count: 4000), "<script>alert(1)</script>.example",
    ]
    let lines = Self.beaconDay(to: "8.8.8.8").split(separator: "\n").enumerated().map { k, l in
      let name = k % 2 == 0 ? hostile[k / 2 % hostile.count] : "C2.Example.NET."
      return l.dropLast() + #","DestinationHostName":"\#(name)"}"#
    }
    let stdin = lines.joined(separator: "\n") + "\n"
    for format in ["table", "csv", "jsonl"] {
      let r = try run(["hunt", "-", "--format", format], stdin: stdin)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr.contains("720 rows with an unusable name, keyed by address"), "\(r.stderr)")
      for out in [r.stdout, r.stderr] {
        #expect(!out.contains("\u{1B}") && !out.contains("\u{07}") && !out.contains("<script>"))
        #expect(!out.contains("HYPERLINK") && !out.contains("DROP TABLE"))
      }
      #expect(r.stdout.contains("c2.example.net"), "\(format): \(r.stdout)")
    }
  }

  @Test func huntReadsStandardInputAndWritesEachFormat() throws {
    // The default method is periodicity; 203.0.113.50 is documentation space, so --direction any.
    let periodic = try run(["hunt", "-", "--quiet", "--direction", "any"], stdin: Self.beaconDay)
    #expect(periodic.status == 0 && periodic.stderr.isEmpty)
    #expect(
      periodic.stdout.hasPrefix(
        #"{"SourceIP":"10.0.0.5","DestinationHostName":null,"DestinationIP":"203.0.113.50","DestinationIPs":["203.0.113.50"],"DestinationIPCount":1,"DestinationPort":443,"Protocol":"TCP","Kind":"beacon","#
      ))
    #expect(periodic.stdout.contains(#""Reason":"beacon every 60 s ±0 %, 1440 check-ins"#))
    let jsonl = try run(["hunt", "-", "--quiet", "--method", "notebook"], stdin: Self.beaconDay)
    #expect(jsonl.status == 0 && jsonl.stderr.isEmpty)
    #expect(
      jsonl.stdout.hasPrefix(
        #"{"DestinationIP":"203.0.113.50","DeviceVendor":"Fortinet","SourceIP":"10.0.0.5","DestinationPort":443,"Protocol":"TCP","Timedelta":60,"Timedeltacount":1439,"#
      ))
    let csv = try run(
      ["hunt", "-", "--quiet", "--method", "notebook", "--format", "csv"], stdin: Self.beaconDay)
    #expect(
      csv.stdout.hasPrefix(
        "DestinationIP,DeviceVendor,SourceIP,DestinationPort,Protocol,Timedelta,"))
    let table = try run(
      ["hunt", "-", "--quiet", "--method", "notebook", "--format", "table"], stdin: Self.beaconDay)
    #expect(table.stdout.contains("203.0.113.50") && table.stdout.contains("100.0"))
  }

  @Test func summaryGoesToStderrWithStepsAndTimes() throws {
    let r = try run(["hunt", "-", "--vendor", "Fortinet"], stdin: Self.beaconDay + "oops\n")
    #expect(r.status == 0)
    #expect(r.stderr.contains("read      1,440 rows from 1 files"))
    #expect(r.stderr.contains("skipped   1 lines: 1 not a JSON object"))
    #expect(r.stderr.contains("<stdin>:1441: not a JSON object"))
    #expect(r.stderr.contains("periodicity method on the native engine"))
    #expect(r.stderr.contains("beacons") && r.stderr.contains("time      load"))
  }

  @Test func strictFailsOnSkippedLinesAndWritesNothing() throws {
    let scratch = TempFolder()
    let dir = scratch.path
    let r = try run(
      ["hunt", "-", "--strict", "-o", dir + "/out.jsonl"], stdin: Self.beaconDay + "oops\n")
    #expect(r.status == 3)
    #expect(!FileManager.default.fileExists(atPath: dir + "/out.jsonl"))
  }

  @Test func anExistingOutputIsKeptWithoutForce() throws {
    let scratch = TempFolder()
    let dir = scratch.path
    let out = dir + "/findings.jsonl"
    try "precious\n".write(toFile: out, atomically: true, encoding: .utf8)
    let refused = try run(["hunt", "-", "-q", "-o", out], stdin: Self.beaconDay)
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("already exists; use --force"))
    #expect(try String(contentsOfFile: out, encoding: .utf8) == "precious\n")
    let forced = try run(
      ["hunt", "-", "-q", "--method", "notebook", "-o", out, "--force"], stdin: Self.beaconDay)
    #expect(forced.status == 0)
    #expect(
      try String(contentsOfFile: out, encoding: .utf8).hasPrefix(
        #"{"DestinationIP":"203.0.113.50""#))
  }

  @Test func clearErrorsForMissingRootDayAndArguments() throws {
    let missing = try run(["hunt", "--root", "/nonexistent/export", "--end-date", "2021-11-01"])
    #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/export does not exist"))
    let noDate = try run(["hunt", "--root", "/tmp"])
    #expect(noDate.status != 0 && noDate.stderr.contains("--root needs --end-date"))
    let badDate = try run(["hunt", "--root", "/tmp", "--end-date", "2021-02-30"])
    #expect(badDate.status != 0 && badDate.stderr.contains("is not a date"))
  }

  @Test func simulateThenHuntTheExportRoot() throws {
    let scratch = TempFolder()
    let dir = scratch.path("export")
    let sim = try run([
      "simulate", "--out", dir, "--rows-per-day", "8000", "--hosts", "20", "--beacon",
      "c2:120:0:uniform:0:quiet:8443",
    ])
    #expect(sim.status == 0)
    let hunt = try run(["hunt", "--root", dir, "--end-date", "2021-11-01", "-q"])
    #expect(hunt.status == 0)
    #expect(hunt.stdout.contains(#""DestinationPort":8443,"Protocol":"TCP","Kind":"beacon","#))
    let notebook = try run([
      "hunt", "--root", dir, "--end-date", "2021-11-01", "-q", "--method", "notebook",
    ])
    #expect(notebook.stdout.contains(#""DestinationPort":8443,"Protocol":"TCP","Timedelta":120,"#))
    let again = try run(["simulate", "--out", dir])
    #expect(again.status != 0 && again.stderr.contains("not empty"))
  }

  /// `../shared/enrichment`: MaxMind test databases and made-up feeds (nothing of it committed).
  static let enrichment: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path + "/shared/enrichment"
  }()

  @Test func enrichAddsGeoASNAndThreatIntelToEarlierFindings() throws {
    let scratch = TempFolder()
    let dir = scratch.path
    // Periodicity findings from stdin (documentation space needs --direction any), then enriched.
    let hunt = try run(
      ["hunt", "-", "-q", "--direction", "any", "-o", dir + "/f.jsonl"], stdin: Self.beaconDay)
    #expect(hunt.status == 0)
    try "203.0.113.50\n".write(toFile: dir + "/c2.txt", atomically: true, encoding: .utf8)
    let mmdb = Self.enrichment + "/mmdb/test-data/"
    let r = try run(
      [
        "enrich", dir + "/f.jsonl", "--asn-db", mmdb + "GeoLite2-ASN-Test.mmdb", "--ti",
        dir + "/c2.txt", "--format", "csv",
      ], environment: ["BEACONHUNT_GEOIP_DB": mmdb + "GeoLite2-City-Test.mmdb"])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\r\n")
    #expect(
      lines.first?.hasSuffix(
        "Reason,IntervalHistogram,Timeline,DestinationCountry,DestinationCity,DestinationLatitude,DestinationLongitude,DestinationASN,DestinationASOrganization,ThreatIntel,Severity,EnrichmentError"
      ) == true)
    #expect(lines.count == 2 && lines[1].hasSuffix(",ip-list 203.0.113.50,critical,"))
    #expect(r.stderr.contains("GeoLite2-City-Test.mmdb (GeoLite2-City)"))  // from the variable
    #expect(r.stderr.contains("findings  1: 1 critical"))
    #expect(r.stderr.contains("GeoLite2 data created by MaxMind"))
  }

  @Test func huntEnrichesAndWritesTheSentinelTable() throws {
    let mmdb = Self.enrichment + "/mmdb/test-data/"
    // 81.2.69.142 is in the City test database (London).
    let day = Self.beaconDay.replacingOccurrences(of: "203.0.113.50", with: "81.2.69.142")
    let r = try run(
      [
        "hunt", "-", "-q", "--geoip-db", mmdb + "GeoLite2-City-Test.mmdb", "--format", "sentinel",
      ], stdin: day)
    #expect(r.status == 0, "\(r.stderr)")
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
    #expect(rows.count == 1)
    #expect(rows[0]["DestinationCity"] as? String == "London")
    #expect((rows[0]["TimeGenerated"] as? String)?.hasSuffix("Z") == true)
    #expect(r.stdout.hasPrefix("[\n{\"TimeGenerated\":\""))
  }

  @Test func badEnrichmentFilesFailBeforeTheHunt() throws {
    let mmdb = Self.enrichment + "/mmdb/"
    let wrongKind = try run(
      ["hunt", "-", "-q", "--geoip-db", mmdb + "test-data/GeoLite2-ASN-Test.mmdb"],
      stdin: Self.beaconDay)
    #expect(wrongKind.status != 0)
    #expect(wrongKind.stderr.contains("a GeoLite2-ASN database, not a City or Country one"))
    let corrupt = mmdb + "bad-data/maxminddb-golang/invalid-string-length.mmdb"
    let bad = try run(["hunt", "-", "-q", "--asn-db", corrupt], stdin: Self.beaconDay)
    #expect(bad.status != 0 && bad.stderr.contains("--asn-db \(corrupt)"))
    let noneGiven = try run(["enrich", "/dev/null"])
    #expect(noneGiven.status != 0 && noneGiven.stderr.contains("give --geoip-db"))
  }
}

/// The HTML report in a real browser (Debian's chromium, headless; `.ci/run` installs it).
@Suite(
  .enabled(
    if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
      || ProcessInfo.processInfo.environment["CI"] == "true",
    "install Debian's chromium (see .ci/run)"))
struct ReportInBrowserTests {
  func chromium(_ args: [String]) throws -> (stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
    p.arguments =
      ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"] + args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
  }

  /// A screenshot of the page, kept as the test's artefact in `.build/test-artifacts/`.
  func screenshot(_ url: String, _ name: String) throws {
    let artefacts =
      URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().path + "/.build/test-artifacts"
    try FileManager.default.createDirectory(atPath: artefacts, withIntermediateDirectories: true)
    _ = try chromium([
      "--window-size=1400,1100", "--virtual-time-budget=3000",
      "--screenshot=" + artefacts + "/" + name, url,
    ])
    let png = try Data(contentsOf: URL(fileURLWithPath: artefacts + "/" + name))
    #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
  }

  @Test func theReportRunsWithoutErrorsWithAMarkerPerLocatedFinding() throws {
    let cli = CommandLineTests()
    let scratch = TempFolder()
    let dir = scratch.path
    let mmdb = CommandLineTests.enrichment + "/mmdb/test-data/"
    // Two located destinations (London, and 2001:218:: in Japan), one unlocated, one hostile name.
    var day = CommandLineTests.beaconDay.replacingOccurrences(
      of: "203.0.113.50", with: "81.2.69.142")
    day += CommandLineTests.beaconDay.replacingOccurrences(of: "203.0.113.50", with: "2001:218::1")
      .replacingOccurrences(of: "10.0.0.5", with: "fd00::5")
    day += CommandLineTests.beaconDay.replacingOccurrences(of: "203.0.113.50", with: "8.8.8.8")
      .replacingOccurrences(of: "\"Fortinet\"", with: "\"<script>alert(1)</script>\"")
    let hunt = try cli.run(
      [
        "hunt", "-", "-q", "--geoip-db", mmdb + "GeoLite2-City-Test.mmdb", "--report",
        dir + "/report.html", "-o", dir + "/f.jsonl",
      ], stdin: day)
    #expect(hunt.status == 0, "\(hunt.stderr)")
    let findings = try String(contentsOfFile: dir + "/f.jsonl", encoding: .utf8)
    let located = findings.split(separator: "\n").filter {
      !$0.contains(#""DestinationLatitude":null"#)
    }
    #expect(findings.split(separator: "\n").count == 3 && located.count == 2)
    let url = "file://" + dir + "/report.html"
    let dom = try chromium(["--virtual-time-budget=3000", "--dump-dom", url])
    #expect(dom.stdout.contains(#"data-ready="1""#), "the report's script ran to its end")
    #expect(dom.stdout.components(separatedBy: "<circle class=\"marker").count - 1 == located.count)
    // Console errors (uncaught exceptions, CSP refusals) are logged as CONSOLE lines.
    let console = dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }
    #expect(console.isEmpty, "\(console)")
    try screenshot(url, "report.png")
  }

  @Test func theDemoReportPlacesEveryLabelledBeacon() throws {
    let cli = CommandLineTests()
    let scratch = TempFolder()
    let dir = scratch.path
    let demo = try cli.run([
      "demo", "--report", dir + "/demo.html", "--geoip-db",
      CommandLineTests.enrichment + "/mmdb/test-data/GeoLite2-City-Test.mmdb",
    ])
    #expect(demo.status == 0, "\(demo.stderr)")
    #expect(demo.stdout.contains("The HTML report (map, table, run summary) is \(dir)/demo.html."))
    let url = "file://" + dir + "/demo.html"
    let dom = try chromium(["--virtual-time-budget=3000", "--dump-dom", url])
    #expect(dom.stdout.contains(#"data-ready="1""#))
    // The demo's 7 labelled beacons are its only findings, and all are located.
    #expect(dom.stdout.components(separatedBy: "<circle class=\"marker").count - 1 == 7)
    #expect(dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }.isEmpty)
    try screenshot(url, "demo-report.png")
  }
}
