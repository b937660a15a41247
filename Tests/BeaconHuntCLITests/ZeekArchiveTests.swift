import BeaconTestSupport
import Foundation
import Testing

/// A Zeek log archive as `--root`: `YYYY-MM-DD/conn.HH:MM:SS-HH:MM:SS.log.gz` day folders, their
/// other logs summarised by kind, history and its cache as for an export.
@Suite struct ZeekArchiveTests {
  let cli = CommandLineTests()
  static let rolling = SharedData.realCaptures + "/rita-proxy_rolling"

  /// An archive whose 2024-04-29 folder holds the rolling capture's hourly logs (every kind), and
  /// whose day before holds its conn logs again (their rows are not of that day).
  func archive(in scratch: TempFolder) throws -> String {
    let root = scratch.path("archive")
    let fm = FileManager.default
    for (date, onlyConn) in [("2024-04-29", false), ("2024-04-28", true)] {
      try fm.createDirectory(atPath: root + "/" + date, withIntermediateDirectories: true)
      for name in try fm.contentsOfDirectory(atPath: Self.rolling)
      where !onlyConn || name.hasPrefix("conn.") {
        try fm.createSymbolicLink(
          atPath: root + "/" + date + "/" + name, withDestinationPath: Self.rolling + "/" + name)
      }
    }
    return root
  }

  @Test func aZeekArchiveIsARootWithHistoryAndCache() throws {
    let scratch = TempFolder()
    let root = try archive(in: scratch)
    let cache = scratch.path("cache")
    let args = [
      "hunt", "--root", root, "--end-date", "2024-04-29", "--lookback-days", "2", "--cache", cache,
      "--direction", "any", "--strict",
    ]
    let cold = try cli.run(args)
    // Other logs do not make --strict fail: it is about malformed rows in what is hunted.
    #expect(cold.status == 0, "\(cold.stderr)")
    // The conn logs and the six name logs beside them.
    #expect(cold.stderr.contains("read      7,550 rows from 8 files"), "\(cold.stderr)")
    #expect(
      cold.stderr.contains(
        "other     Zeek logs, not hunted: 2 capture_loss, 1 known_certs, 2 stats, 2 x509"
      ), "\(cold.stderr)")
    #expect(
      cold.stderr.contains(
        "names     Zeek logs read for host names: 2 dns, 2 http, 2 ssl; 8,976 entries; conn rows named: 336 by dns, 1,991 by http, 1,145 by ssl"
      ), "\(cold.stderr)")
    #expect(!cold.stderr.contains("skipped"))
    #expect(cold.stderr.contains("2 asked: 0 from the cache, 1 summarised, 1 missing"))
    let warm = try cli.run(args)
    #expect(warm.status == 0 && warm.stdout == cold.stdout)
    #expect(warm.stderr.contains("2 asked: 1 from the cache, 0 summarised, 1 missing"))
    // The day before holds only rows of the 29th, none of its own day: it adds nothing, so the
    // hunt with history finds what the hunt of the day alone finds.
    let alone = try cli.run([
      "hunt", "--root", root, "--end-date", "2024-04-29", "--lookback-days", "0",
      "--direction", "any",
    ])
    #expect(alone.status == 0 && alone.stdout == cold.stdout)
  }

  @Test func anArchiveDayFollowsTheRulesOfEveryFolderWalk() throws {
    // A broken link and a FIFO where conn logs belong, and `current/` holding a link to a file
    // the day folder already has: reported, never opened, and read once.
    let scratch = TempFolder()
    let root = scratch.path
    let fm = FileManager.default
    let day = root + "/2024-04-29"
    try fm.createDirectory(atPath: day, withIntermediateDirectories: true)
    try fm.createDirectory(atPath: root + "/current", withIntermediateDirectories: true)
    let conn = try fm.contentsOfDirectory(atPath: Self.rolling).filter { $0.hasPrefix("conn.") }
    #expect(conn.count == 2)
    for name in conn {
      try fm.createSymbolicLink(
        atPath: day + "/" + name, withDestinationPath: Self.rolling + "/" + name)
    }
    try fm.createSymbolicLink(
      atPath: root + "/current/conn.log", withDestinationPath: Self.rolling + "/" + conn[0])
    try fm.createSymbolicLink(
      atPath: day + "/conn.17:00:00-18:00:00.log.gz", withDestinationPath: root + "/nowhere")
    #expect(mkfifo(day + "/conn.18:00:00-19:00:00.log", 0o644) == 0)
    let started = Date()
    let r = try cli.run([
      "hunt", "--root", root, "--end-date", "2024-04-29", "--lookback-days", "0",
      "--direction", "any",
    ])
    #expect(Date().timeIntervalSince(started) < 60)  // the FIFO is never opened
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("read      7,550 rows from 2 files"), "\(r.stderr)")
    #expect(r.stderr.contains("conn.17:00:00-18:00:00.log.gz: broken symbolic link: skipped"))
    #expect(r.stderr.contains("conn.18:00:00-19:00:00.log: not a regular file (a FIFO)"))
    #expect(r.stderr.contains("1 more paths to files already read"), "\(r.stderr)")
  }

  @Test func aRootWithNeitherLayoutSaysWhichItKnows() throws {
    let scratch = TempFolder()
    let root = scratch.path
    try FileManager.default.createDirectory(
      atPath: root + "/logs", withIntermediateDirectories: true)
    try "x\n".write(toFile: root + "/logs/notes.txt", atomically: true, encoding: .utf8)
    let r = try cli.run(["hunt", "--root", root, "--end-date", "2024-04-29"])
    #expect(r.status == 4)
    #expect(r.stderr.contains("y=YYYY/m=MM/d=DD") && r.stderr.contains("YYYY-MM-DD/conn."))
  }

  @Test func lookbackWithPlainFilesIsAUsageError() throws {
    let r = try cli.run(["hunt", Self.rolling, "--lookback-days", "3"])
    #expect(r.status == 64 && r.stderr.contains("--lookback-days needs --root"))
  }
}

/// `beaconhunt evaluate`'s options are checked before minutes of simulation, and what it shows
/// of them is escaped.
@Suite struct EvaluateOptionTests {
  @Test func aRealFolderThatIsNotThereIsAUsageErrorShownSafely() throws {
    let started = Date()
    let r = try CommandLineTests().run([
      "evaluate", "--real", "/nowhere/\u{1B}]0;pwned\u{07}\u{1B}[31m",
    ])
    #expect(r.status == 64, "\(r.stderr)")
    #expect(Date().timeIntervalSince(started) < 30)  // no scenario was simulated
    #expect(r.stderr.contains("is not a folder"), "\(r.stderr)")
    #expect(!r.stderr.contains("\u{1B}") && !r.stderr.contains("\u{07}"))
  }
}
