import BeaconTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `--memory-limit`, as a user meets it: a hunt over the limit goes to disk and finds the same
/// beacons, says so, and leaves nothing behind however it ends.
@Suite struct MemoryLimitTests {
  typealias Scratch = FailureBehaviourTests.Scratch
  static var binary: String { CommandLineTests.binary }

  func hunt(_ args: [String], in s: Scratch, environment: [String: String] = [:]) throws
    -> Spawned
  {
    let r = try Spawned.run(
      Self.binary, ["hunt"] + args, in: s.path, limit: 120, environment: environment)
    #expect(r.signal == nil, "ended by signal \(r.signal ?? 0): \(r.stderr.suffix(2000))")
    #expect(!r.killedAtLimit)
    return r
  }

  /// Real Zeek captures: a folder with name logs (the join), hourly `.gz` logs (read as
  /// streams, handed on in parts), and a labelled conn log.
  static let captures = ["rita-proxy", "rita-proxy_rolling", "strato-008-normal40"].map {
    SharedData.realCaptures + "/" + $0
  }

  @Test(arguments: captures, ["periodicity", "notebook"])
  func aHuntOverTheLimitFindsWhatItFindsInMemory(capture: String, method: String) throws {
    let s = try Scratch()
    try s.mkdir("tmp")
    let plain = try hunt([capture, "--method", method, "--format", "csv"], in: s)
    let limited = try hunt(
      [
        capture, "--method", method, "--format", "csv", "--memory-limit", "1",
        "--temp-directory", "tmp",
      ], in: s)
    #expect(plain.status == 0 && limited.status == 0, "\(plain.stderr)\n\(limited.stderr)")
    #expect(!plain.stdout.isEmpty)
    #expect(limited.stdout == plain.stdout)
    #expect(!plain.stderr.contains("memory limit"))
    #expect(limited.stderr.contains("disk      state over the memory limit"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: s.path + "/tmp") == [])
  }

  /// The spill file is unlinked as soon as it is made: a hunt killed while it holds one leaves
  /// nothing in the folder.
  @Test(arguments: [SIGKILL, SIGINT, SIGTERM])
  func aKilledHuntLeavesNoTemporaryFile(signal: Int32) throws {
    let s = try Scratch()
    try s.mkdir("tmp")
    let temp = s.path + "/tmp"
    let hunt = Process()
    hunt.executableURL = URL(fileURLWithPath: Self.binary)
    hunt.arguments = ["hunt", "-", "--memory-limit", "1", "--temp-directory", temp, "-q"]
    let input = Pipe()
    hunt.standardInput = input
    hunt.standardOutput = FileHandle.nullDevice
    hunt.standardError = FileHandle.nullDevice
    try hunt.run()
    // More rows than one part of a stream, so some are handed on and go to disk while the
    // input stays open.
    let lines = (0..<30).map { CommandLineTests.beaconDay(to: "198.51.100.\($0 + 1)") }.joined()
    input.fileHandleForWriting.write(Data(lines.utf8))
    var spilling = false
    let deadline = Date().addingTimeInterval(20)
    while !spilling, Date() < deadline {
      let fds =
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(hunt.processIdentifier)/fd"))
        ?? []
      spilling = fds.contains { fd in
        let target =
          (try? FileManager.default.destinationOfSymbolicLink(
            atPath: "/proc/\(hunt.processIdentifier)/fd/\(fd)")) ?? ""
        return target.hasPrefix(temp + "/") && target.hasSuffix("(deleted)")
      }
      if !spilling { usleep(20_000) }
    }
    #expect(spilling, "no spill file was open while the input was")
    #expect(try FileManager.default.contentsOfDirectory(atPath: temp) == [])
    kill(hunt.processIdentifier, signal)
    hunt.waitUntilExit()
    try? input.fileHandleForWriting.close()
    #expect(hunt.terminationReason == .uncaughtSignal || hunt.terminationStatus != 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: temp) == [])
  }

  /// The default folder ($TMPDIR) is checked only when the hunt needs it; when it cannot take
  /// the spill, the hunt says which folder and what to do, and writes no findings.
  @Test func aTemporaryFolderThatCannotTakeTheSpillIsAClearError() throws {
    let s = try Scratch()
    try s.write("day.json", CommandLineTests.beaconDay(to: "198.51.100.7"))
    let r = try hunt(
      ["day.json", "--memory-limit", "1", "-o", "out.csv"], in: s,
      environment: ["TMPDIR": s.path + "/gone"])
    #expect(r.status == 5, "\(r.status) \(r.stderr)")
    #expect(r.stderr.contains("--memory-limit"))
    #expect(r.stderr.contains(s.path + "/gone"))
    #expect(r.stderr.contains("No such file or directory"))
    #expect(!s.exists("out.csv"))
    // Under the limit, the folder is never needed.
    let fine = try hunt(
      ["day.json", "-o", "out.csv"], in: s, environment: ["TMPDIR": s.path + "/gone"])
    #expect(fine.status == 0, "\(fine.stderr)")
  }
}
