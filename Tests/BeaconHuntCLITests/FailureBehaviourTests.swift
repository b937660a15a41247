import BeaconNet
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconEnrich

#if canImport(Glibc)
  import Glibc
#endif

/// Hostile inputs, folders, outputs, servers and options, tried on the built binary as an attacker
/// would (README, "Failure behaviour"). Each test checks that no signal ended the run, that it
/// finished in bounded time, the exit code, the counts in the summary and the files around it.
@Suite struct FailureBehaviourTests {
  static var binary: String { CommandLineTests.binary }

  /// A scratch folder per test, removed at the end.
  final class Scratch {
    private let folder = TempFolder()
    var path: String { folder.path }
    init() throws { chmod(path, 0o755) }

    func write(_ name: String, _ text: String) throws {
      try text.write(toFile: path + "/" + name, atomically: false, encoding: .utf8)
    }
    func write(_ name: String, bytes: [UInt8]) throws {
      try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name))
    }
    func read(_ name: String) -> String? {
      try? String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }
    func exists(_ name: String) -> Bool {
      var st = stat()
      return lstat(path + "/" + name, &st) == 0
    }
    func mode(_ name: String) -> mode_t {
      var st = stat()
      lstat(path + "/" + name, &st)
      return st.st_mode
    }
    func mkdir(_ name: String) throws {
      try FileManager.default.createDirectory(
        atPath: path + "/" + name, withIntermediateDirectories: true)
    }
  }

  /// A 60 s beacon all day to a real, located address (MaxMind's test City database knows it).
  static let day = CommandLineTests.beaconDay(to: "81.2.69.160")

  func hunt(_ args: [String], in s: Scratch, stdin: String? = nil, limit: Double = 60) throws
    -> Spawned
  {
    let r = try Spawned.run(Self.binary, ["hunt"] + args, stdin: stdin, in: s.path, limit: limit)
    #expect(r.signal == nil, "ended by signal \(r.signal ?? 0): \(r.stderr.suffix(2000))")
    #expect(!r.killedAtLimit, "still running after \(limit) s")
    return r
  }

  func findings(_ r: Spawned) -> Int { r.stdout.split(separator: "\n").count }

  // MARK: one log line cannot kill the hunt

  @Test func timesThatOverflowAreCountedBadFieldsInEveryReader() throws {
    let s = try Scratch()
    try s.write(
      "x.csv", "ts,src,dst,dport\n999999999999,10.0.0.1,8.8.8.8,443\n1.5,10.0.0.1,8.8.8.8,443\n")
    try s.write(
      "x.cef",
      "Dec 01 2021 10:00:00 h CEF:0|V|P|1|1|n|1|rt=9999999999999999 src=10.0.0.1 dst=8.8.8.8 dpt=443\n"
        + "Dec 01 2021 10:00:00 h CEF:0|V|P|1|1|n|1|rt=-9223372036854775808 src=10.0.0.1 dst=8.8.8.8\n"
    )
    try s.write(
      "conn.log",
      "#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n"
        + "999999999999.999999\tC1\t10.0.0.1\t5\t8.8.8.8\t53\tudp\n"
        + "-999999999999\tC2\t10.0.0.1\t5\t8.8.8.8\t53\tudp\n")
    try s.write(
      "x.json",
      #"{"TimeGenerated":"9999-12-31T23:59:59.9999999-23:59","SourceIP":"10.0.0.1"}"# + "\n")
    for (file, bad) in [("x.csv", 1), ("x.cef", 2), ("conn.log", 2), ("x.json", 0)] {
      let r = try hunt([file], in: s)
      #expect(r.status == 0, "\(file): \(r.stderr)")
      if bad > 0 { #expect(r.stderr.contains("skipped   \(bad) lines"), "\(file): \(r.stderr)") }
    }
  }

  // MARK: inputs

  @Test func aPipeIsReadLikeAFile() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    let direct = try hunt(["all.json", "-q"], in: s)
    // Process substitution: bash hands the hunt /dev/fd/63, a pipe. Paths travel as arguments.
    let piped = try Spawned.run(
      "/bin/bash", ["-c", #"exec "$0" hunt --strict -q <(cat "$1")"#, Self.binary, "all.json"],
      in: s.path)
    #expect(piped.signal == nil && piped.status == 0, "\(piped.stderr)")
    #expect(findings(direct) == 1 && piped.stdout == direct.stdout)
    let stdin = try hunt(["-", "--strict"], in: s, stdin: s.path + "/all.json")
    #expect(stdin.status == 0 && stdin.stdout == direct.stdout)
    #expect(stdin.stderr.contains("read      1,440 rows"))
  }

  @Test func aFIFOInAFolderIsReportedAndNeverOpened() throws {
    let s = try Scratch()
    try s.mkdir("d")
    try s.write("d/all.json", Self.day)
    #expect(mkfifo(s.path + "/d/x.json", 0o644) == 0)
    let r = try hunt(["d"], in: s, limit: 20)
    #expect(r.status == 0 && findings(r) == 1)
    #expect(r.stderr.contains("d/x.json: not a regular file (a FIFO): skipped, never opened"))
    #expect(r.stderr.contains("skipped   1 files"))
    let strict = try hunt(["d", "--strict"], in: s, limit: 20)
    #expect(strict.status == 3 && strict.stdout.isEmpty)
  }

  @Test func linkLoopsEndAndEveryFileIsReadOnce() throws {
    let s = try Scratch()
    try s.mkdir("d/sub")
    try s.write("d/sub/all.json", Self.day)
    symlink(".", s.path + "/d/self")
    symlink("..", s.path + "/d/sub/up")
    symlink("sub/all.json", s.path + "/d/again.json")
    let r = try hunt(["d"], in: s, limit: 30)
    #expect(r.status == 0 && findings(r) == 1, "\(r.stderr)")
    #expect(r.stderr.contains("read      1,440 rows from 1 files"))
    #expect(r.stderr.contains("links     1 more paths to files already read"))
    // The same under a --root container: links that loop back to the root end too.
    let ws = "root/WorkspaceResourceId=/subscriptions/x/workspaces/w"
    try s.mkdir(ws + "/y=2021/m=11/d=01/h=00/m=00")
    try s.write(ws + "/y=2021/m=11/d=01/h=00/m=00/PT05M.json", Self.day)
    symlink("../..", s.path + "/" + ws + "/back")
    symlink(".", s.path + "/root/loop")
    symlink("../../../../../..", s.path + "/" + ws + "/y=2021/m=11/d=01/h=00/top")
    let root = try hunt(
      ["--root", "root", "--end-date", "2021-11-01", "--lookback-days", "2"], in: s, limit: 30)
    #expect(root.status == 0 && findings(root) == 1, "\(root.stderr)")
    #expect(root.stderr.contains("read      1,440 rows from 1 files"))
  }

  @Test func decompressionBombsAreStoppedInBoundedMemory() throws {
    let s = try Scratch()
    let good = String(Self.day.prefix(while: { $0 != "\n" })) + "\n"
    // One line of 300 MiB between two good lines, and a file of zeros, compressed with Python's gzip.
    let py = Process()
    py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    py.arguments = [
      "python3", "-c",
      """
      import gzip, sys
      good = sys.argv[1].encode()
      with gzip.open('line.json.gz', 'wb', compresslevel=1) as f:
          f.write(good)
          for _ in range(300): f.write(b'a' * (1 << 20))
          f.write(b'\\n' + good)
      with gzip.open('zeros.json.gz', 'wb', compresslevel=1) as f:
          for _ in range(300): f.write(bytes(1 << 20))
      """, good,
    ]
    py.currentDirectoryURL = URL(fileURLWithPath: s.path)
    try py.run()
    py.waitUntilExit()
    #expect(py.terminationStatus == 0)
    let line = try hunt(["line.json.gz", "--method", "notebook"], in: s)
    #expect(line.status == 0)
    #expect(line.stderr.contains("read      2 rows"))
    #expect(
      line.stderr.contains("line.json.gz:2: 314572800 bytes, over the limit of 4 MiB: skipped"))
    #expect(
      line.maxRSSBytes < 300 << 20, "peak RSS \(line.maxRSSBytes >> 20) MiB for a 300 MiB line")
    let capped = try hunt(["line.json.gz", "--max-decompressed-size", "64M"], in: s)
    #expect(capped.status == 0)
    #expect(capped.stderr.contains("inflates past the limit of 64 MiB (a decompression bomb?)"))
    #expect(capped.stderr.contains("read      1 rows"))
    let member = try hunt(["line.json.gz", "--max-member-size", "32M"], in: s)
    #expect(member.stderr.contains("a gzip member inflates past the limit of 32 MiB"))
    let zeros = try hunt(["zeros.json.gz"], in: s)
    #expect(zeros.status == 0 && zeros.stderr.contains("zeros.json.gz: binary file (NUL bytes)"))
    #expect(zeros.maxRSSBytes < 300 << 20)
  }

  // MARK: outputs

  @Test func forceNeverReplacesAnythingButARegularFile() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    // A FIFO nobody reads: not replaced, and the hunt fails at once instead of hanging.
    #expect(mkfifo(s.path + "/fifo", 0o600) == 0)
    let fifo = try hunt(["all.json", "-q", "-o", "fifo", "--force"], in: s, limit: 20)
    #expect(fifo.status == 5 && s.mode("fifo") & S_IFMT == S_IFIFO)
    // A 0600 file keeps its mode when replaced; without --force it is left alone.
    try s.write("mine.jsonl", "keep\n")
    chmod(s.path + "/mine.jsonl", 0o600)
    let refused = try hunt(["all.json", "-q", "-o", "mine.jsonl"], in: s)
    #expect(refused.status == 5 && s.read("mine.jsonl") == "keep\n")
    #expect(refused.stderr.contains("mine.jsonl already exists; use --force to replace it"))
    let forced = try hunt(["all.json", "-q", "-o", "mine.jsonl", "--force"], in: s)
    #expect(forced.status == 0 && s.mode("mine.jsonl") & 0o777 == 0o600)
    #expect(s.read("mine.jsonl")?.contains("81.2.69.160") == true)
    // A device node of the test's own (the null device's numbers), never a system path: written
    // as a stream, still a device afterwards. Making one needs root, which CI is.
    if getuid() == 0 {
      #expect(mknod(s.path + "/null", S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)
      let device = try hunt(["all.json", "-q", "-o", "null", "--force"], in: s)
      #expect(device.status == 0 && s.mode("null") & S_IFMT == S_IFCHR)
    }
    // A missing folder is found before the hunt.
    let missing = try hunt(["all.json", "-q", "-o", "no/such/f.jsonl"], in: s)
    #expect(missing.status == 5 && missing.stderr.contains("the folder no/such does not exist"))
    // Nothing is left behind.
    let left = try FileManager.default.contentsOfDirectory(atPath: s.path).filter {
      !$0.hasPrefix(".spawn-")
    }
    #expect(Set(left) == Set(["all.json", "fifo", "mine.jsonl"] + (getuid() == 0 ? ["null"] : [])))
  }

  @Test func twoOutputsNamingOneFileIsAUsageError() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    for report in ["X", "./X"] {
      let r = try hunt(["all.json", "-q", "-o", "X", "--report", report, "--force"], in: s)
      #expect(r.status == 64 && !s.exists("X"), "\(r.stderr)")
    }
  }

  @Test func aFailedWriteToStandardOutputExitsNonZero() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    // A pipe whose reader has gone: EPIPE, never SIGPIPE.
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    close(fds[0])
    let r = try Spawned.run(
      Self.binary, ["hunt", "all.json", "-q"], stdout: "/dev/fd/\(fds[1])", in: s.path)
    close(fds[1])
    #expect(r.signal == nil && r.status == 5, "\(r.status) \(r.stderr)")
    #expect(r.stderr.contains("<stdout>: write failed"))
    if getuid() == 0 {
      // A full disk: a device node of the test's own with /dev/full's numbers.
      #expect(mknod(s.path + "/full", S_IFCHR | 0o666, dev_t((1 << 8) | 7)) == 0)
      let full = try Spawned.run(
        Self.binary, ["hunt", "all.json", "-q"], stdout: s.path + "/full", in: s.path)
      #expect(full.signal == nil && full.status == 5)
      #expect(full.stderr.contains("No space left on device"))
    }
  }

  // MARK: failures after the hunt keep the work

  @Test func aCorruptGeoIPRecordMarksItsRowAndTheFindingsAreWritten() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    // MaxMind's test City database with the record of 81.2.69.160 overwritten by a map header
    // claiming more entries than the file holds.
    let source = CommandLineTests.enrichment + "/mmdb/test-data/GeoLite2-City-Test.mmdb"
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
    let db = try MaxMindDB(path: source)
    let found = try #require(try db.lookup(IPAddress("81.2.69.160")!))
    let at = db.metadata.nodeCount * db.metadata.recordSize / 4 + 16 + found.offset
    for k in 0..<4 { bytes[at + k] = 0xFF }
    try s.write("corrupt.mmdb", bytes: bytes)
    let r = try hunt(
      ["all.json", "-q", "--geoip-db", "corrupt.mmdb", "-o", "f.jsonl", "--report", "r.html"],
      in: s)
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("enrichment failed for 1 finding"))
    let out = try #require(s.read("f.jsonl"))
    #expect(out.contains(#""EnrichmentError":"GeoIP: "#))
    #expect(s.read("r.html")?.contains("EnrichmentError") == true)
  }

  /// The RDAP cache is the tool's own file: each run rewrites it without `--force` (a cache that
  /// needed it would be no cache), and makes its folders; but it is never anything other than a
  /// regular file, and never one of the run's outputs.
  @Test func theRDAPCacheIsRewrittenEachRunButOnlyAsARegularFile() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    func run(_ cache: String, _ extra: [String] = []) throws -> Spawned {
      try hunt(
        [
          "all.json", "-q", "--rdap", "--rdap-bootstrap", "http://127.0.0.1:9/", "--rdap-cache",
          cache, "--rdap-timeout", "2",
        ] + extra, in: s)
    }
    // Twice into the same cache, in folders that do not exist yet: both runs get as far as
    // the lookups (which fail: exit 2), neither stops at the cache (exit 5).
    for _ in 0..<2 {
      let r = try run("made/here/rdap.json", ["-o", "f.jsonl", "--force"])
      #expect(r.status == 2, "\(r.stderr)")
      #expect(s.read("made/here/rdap.json") != nil)
    }
    // A folder is refused before any data is read; an output of the same run is a usage error.
    try FileManager.default.createDirectory(
      atPath: s.path + "/folder", withIntermediateDirectories: true)
    let folder = try run("folder")
    #expect(folder.status == 5 && folder.stderr.contains("folder"), "\(folder.stderr)")
    let before = s.read("f.jsonl")
    let same = try run("f.jsonl", ["-o", "f.jsonl", "--force"])
    #expect(same.status == 64, "\(same.stderr)")
    #expect(s.read("f.jsonl") == before)
  }

  @Test func anUnreachableRDAPBootstrapMarksRowsAndTheFindingsAreWritten() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    let r = try hunt(
      [
        "all.json", "-q", "--rdap", "--rdap-bootstrap", "http://127.0.0.1:9/", "--rdap-cache",
        "rdap.json", "--rdap-timeout", "2", "-o", "f.jsonl",
      ], in: s)
    #expect(r.status == 2, "\(r.stderr)")
    let out = try #require(s.read("f.jsonl"))
    #expect(
      out.contains(#""RDAPError":"bootstrap http://127.0.0.1:9/ipv4.json: connection refused""#))
    #expect(!r.stderr.contains("NSError") && !r.stderr.contains("Error Domain"))
  }

  // MARK: network

  @Test func hostileRDAPServersCostOneDeadlineAndOneCapEach() throws {
    let s = try Scratch()
    let server = try HostileRDAPServer()
    defer { server.stop() }
    // 81.2.69.160 is outside the server's bootstrap ranges; the test's own address is inside.
    try s.write("day.json", CommandLineTests.beaconDay(to: "198.51.100.7"))
    for (mode, error, limit) in [
      ("trickle", "127.0.0.1: no complete answer within 1.5 s", 8.0),
      ("flood", "127.0.0.1: answer larger than \(RDAPClient.defaultMaxBodyBytes) bytes", 20),
      (
        "redirect",
        "127.0.0.1: redirect to http://127.0.0.2:\(server.port)/plain/ip/198.51.100.7 refused: not HTTPS",
        8
      ),
    ] {
      let r = try hunt(
        [
          "day.json", "-q", "--direction", "any", "--rdap", "--rdap-bootstrap",
          server.bootstrap(mode), "--rdap-cache", "rdap-\(mode).json", "--rdap-timeout", "1.5",
          "-o", "\(mode).jsonl",
        ], in: s, limit: 60)
      #expect(r.status == 2, "\(mode): \(r.stderr)")
      #expect(r.seconds < limit, "\(mode): \(r.seconds) s")
      #expect(
        s.read("\(mode).jsonl")?.contains(#""RDAPError":"\#(error)""#) == true,
        "\(mode): \(s.read("\(mode).jsonl") ?? "no output")")
      #expect(r.maxRSSBytes < 200 << 20, "\(mode): \(r.maxRSSBytes >> 20) MiB")
    }
    // 20,000 entities: read within the cap and walked boundedly; an answer, not a failure.
    let many = try hunt(
      [
        "day.json", "-q", "--direction", "any", "--rdap", "--rdap-bootstrap",
        server.bootstrap("entities"), "--rdap-cache", "rdap-entities.json", "-o", "entities.jsonl",
      ], in: s, limit: 60)
    #expect(many.status == 0, "\(many.stderr)")
    #expect(many.seconds < 10 && many.maxRSSBytes < 200 << 20, "\(many.maxRSSBytes >> 20) MiB")
    #expect(s.read("entities.jsonl")?.contains(#""DestinationNetworkName":"NET-X MANY""#) == true)
  }

  @Test func aPortThatNeverSpeaksSparkConnectFailsInSeconds() throws {
    let s = try Scratch()
    try s.write("all.json", Self.day)
    let listener = SilentListener()
    let port = listener.port
    let r = try hunt(
      [
        "all.json", "-q", "--engine", "spark", "--spark-remote", "sc://127.0.0.1:\(port)",
        "--spark-connect-timeout", "2",
      ], in: s, limit: 30)
    #expect(r.status == 6, "\(r.stderr)")
    #expect(r.seconds < 15)
    #expect(r.stderr.contains("gave no Spark Connect answer within 2.000 s"))
  }

  // MARK: options

  @Test(arguments: [
    ["--spark-timeout", "nan"], ["--rdap-timeout", "inf"],
    ["--lookback-days", "9223372036854775807"], ["--min-score", "nan"], ["--threads", "0"],
    ["--percent-beacon-threshold", "-inf"], ["--popular-destination", "0"],
    ["--max-line-size", "0"], ["--max-line-size", "99999999999999999999"],
    ["--internal", "10.0.0.0/33"], ["--end-date", "2021-13-01", "--root", "."],
    ["--map", "nope=x"], ["--spark-remote", "http://x"], ["--allow", "missing.txt"],
    ["--memory-limit", "0"], ["--memory-limit", "101%"], ["--memory-limit", "nan%"],
    ["--temp-directory", "missing"], ["--temp-directory", "all.json"],
    ["--engine", "spark", "--memory-limit", "1G"],
  ])
  func absurdOptionValuesAreUsageErrorsBeforeAnyDataIsRead(args: [String]) throws {
    let s = try Scratch()
    // A big input, so an option checked only after loading would show in the time.
    let big = String(repeating: Self.day, count: 20)
    try s.write("all.json", big)
    let input = args.contains("--root") ? [] : ["all.json"]
    let r = try hunt(input + args + ["-q"], in: s, limit: 20)
    #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
    #expect(r.seconds < 2, "\(args): took \(r.seconds) s")
    #expect(r.stdout.isEmpty)
  }

  @Test func pathsInErrorsAreEscapedForTheTerminal() throws {
    let s = try Scratch()
    let hostile = "x\u{1B}[2J\u{1B}]0;owned\u{07}.json"
    let missing = try hunt([hostile], in: s)
    #expect(missing.status == 4)
    #expect(!missing.stderr.contains("\u{1B}") && !missing.stderr.contains("\u{07}"))
    #expect(missing.stderr.contains("x\\u{1b}[2J"))
    // In a folder: a broken link with that name is counted and shown escaped.
    try s.mkdir("d")
    try s.write("d/all.json", Self.day)
    symlink("nowhere", s.path + "/d/" + hostile)
    let folder = try hunt(["d", "-q"], in: s)
    #expect(folder.status == 0)
    let summary = try hunt(["d"], in: s)
    #expect(!summary.stderr.contains("\u{1B}") && summary.stderr.contains("broken symbolic link"))
  }

  // MARK: small faults

  @Test func smallFaultsCostOneLineOrOneFileAndAreCounted() throws {
    let s = try Scratch()
    let lines = Self.day.split(separator: "\n").map(String.init)
    let text = Array(Self.day.utf8)
    // A NUL byte in the first line: that line only.
    var nul = Array(lines[0].utf8)
    nul.insert(0, at: 40)
    try s.write(
      "nul.json",
      bytes: nul + [0x0A] + Array(lines.dropFirst().joined(separator: "\n").utf8) + [0x0A])
    // A UTF-8 byte-order mark; CR-only line ends; invalid UTF-8 in DeviceVendor.
    try s.write("bom.json", bytes: [0xEF, 0xBB, 0xBF] + text)
    try s.write("cr.json", bytes: text.map { $0 == 0x0A ? 0x0D : $0 })
    try s.write(
      "vendor.json",
      bytes: Array(
        lines[0].replacingOccurrences(of: "Fortinet", with: "Forti\u{FFFF}net").utf8
      ).map {
        $0 == 0xBF ? 0xFF : $0
      } + [0x0A] + Array(lines.dropFirst().joined(separator: "\n").utf8) + [0x0A])
    for (file, rows, extra) in [
      ("nul.json", "1,439", "nul.json:1: a NUL byte in the line: skipped"),
      ("bom.json", "1,440", "read      1,440 rows"), ("cr.json", "1,440", "read      1,440 rows"),
      ("vendor.json", "1,440", "vendor.json:1: DeviceVendor: invalid UTF-8, replaced by U+FFFD"),
    ] {
      let r = try hunt([file], in: s)
      #expect(r.status == 0 && findings(r) == 1, "\(file): \(r.stderr)")
      #expect(r.stderr.contains("read      \(rows) rows"), "\(file): \(r.stderr)")
      #expect(r.stderr.contains(extra), "\(file): \(r.stderr)")
    }
    // A broken link and an unreadable file in a folder: counted and named, the rest is hunted.
    try s.mkdir("d")
    try s.write("d/all.json", Self.day)
    try s.write("d/secret.json", Self.day)
    chmod(s.path + "/d/secret.json", 0o000)
    symlink("gone.json", s.path + "/d/broken.json")
    // Root reads any file, so the unreadable one is tried as nobody.
    let asNobody = getuid() == 0
    let r =
      asNobody
      ? try Spawned.run(
        "/usr/sbin/runuser", ["-u", "nobody", "--", Self.binary, "hunt", "d"], in: s.path)
      : try hunt(["d"], in: s)
    #expect(r.signal == nil && r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("d/broken.json: broken symbolic link: skipped"))
    #expect(r.stderr.contains("d/secret.json: cannot open (Permission denied): skipped"))
    #expect(r.stderr.contains("skipped   2 files"))
    #expect(r.stderr.contains("read      1,440 rows from 2 files"))
  }
}
