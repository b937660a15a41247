import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the `beaconhunt` binary as a user would, with what a failure test needs to see: the exit
/// code or the signal, the wall time, the peak memory, and a hard time limit after which the child
/// is killed (so a hang fails the test instead of stalling it).
///
/// Peak memory is the child's own: the largest `VmHWM` of `/proc/PID/status` seen while it runs
/// (polled every 5 ms; a high-water mark, so only growth in the last poll interval can be missed).
/// `wait4`'s `ru_maxrss` is not used when a poll succeeded: `posix_spawn` starts the child in this
/// process's memory (vfork), and Linux carries that memory's high-water mark across `exec`, so it
/// reports the test runner's peak (211 MB in a full run) rather than the hunt's. A child that ends
/// before the first poll falls back to `ru_maxrss`, which only over-states.
struct Spawned {
  var status: Int32
  /// The signal that ended the child, if one did.
  var signal: Int32?
  var seconds: Double
  var maxRSSBytes: Int
  var stdout: String
  var stderr: String
  var killedAtLimit: Bool

  /// `stdin`: a file to read from (default: an empty input). `stdout`: a file to write to instead
  /// of capturing.
  static func run(
    _ binary: String, _ args: [String], stdin: String? = nil, stdout: String? = nil,
    in folder: String, limit: Double = 60, environment: [String: String] = [:]
  ) throws -> Spawned {
    let outPath = folder + "/.spawn-\(UUID().uuidString).out"
    let errPath = folder + "/.spawn-\(UUID().uuidString).err"
    defer {
      unlink(outPath)
      unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(
      &actions, 1, stdout ?? outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // GNU env's --chdir starts the child in `folder` without moving this (parallel) test process.
    let argv = (["/usr/bin/env", "--chdir=" + folder, binary] + args).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env.merge(environment) { $1 }
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for e in envp { free(e) } }
    var pid: pid_t = 0
    let start = Date()
    let rc = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
    var wstatus: Int32 = 0
    var usage = rusage()
    var killed = false
    var highWater: Int? = nil
    while true {
      if let kb = Self.highWaterKB(pid) { highWater = max(highWater ?? 0, kb) }
      let r = wait4(pid, &wstatus, WNOHANG, &usage)
      if r == pid { break }
      if Date().timeIntervalSince(start) > limit, !killed {
        kill(pid, SIGKILL)
        killed = true
      }
      usleep(5_000)
    }
    let seconds = Date().timeIntervalSince(start)
    let signalled = wstatus & 0x7F
    func read(_ p: String) -> String {
      (try? String(contentsOfFile: p, encoding: .utf8)) ?? ""
    }
    return Spawned(
      status: signalled == 0 ? (wstatus >> 8) & 0xFF : -1,
      signal: signalled == 0 ? nil : signalled, seconds: seconds,
      maxRSSBytes: (highWater ?? Int(usage.ru_maxrss)) * 1024,
      stdout: stdout == nil ? read(outPath) : "",
      stderr: read(errPath), killedAtLimit: killed)
  }

  /// `VmHWM` of a running process, in KiB; nil once it has exited (or before it can be read).
  static func highWaterKB(_ pid: pid_t) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return nil }
    return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
  }
}
