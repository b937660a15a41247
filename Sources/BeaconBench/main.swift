// beaconhunt-bench: the notebook hunt of one simulated day on the native engine, side by side with
// the floor of just reading the same bytes (`cat … | wc -l`), in one run.
//
//   swift run -c release beaconhunt-bench [--rows 250000] [--dir bench-data] [--runs 3]
//
// Prints rows/s, MB/s, the ratio to the floor, and the hunt's peak RSS (each hunt runs as a child
// process, so its RSS is its own). Targets (issue 2): ≤ 1 s a day, ≤ 5× the floor, ≤ 300 MB RSS.
import BeaconCore
import BeaconLoad
import BeaconSimulate
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

var rows = 250_000
var dir = "bench-data"
var runs = 3
var sparkRemote: String?
/// History days for the periodicity hunt with a warm cache (0 leaves that measurement out).
var historyDays = 21
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
  switch a {
  case "--rows": rows = Int(args.popFirst() ?? "") ?? rows
  case "--dir": dir = args.popFirst() ?? dir
  case "--runs": runs = max(1, Int(args.popFirst() ?? "") ?? runs)
  case "--spark-remote": sparkRemote = args.popFirst()
  case "--history-days": historyDays = max(0, Int(args.popFirst() ?? "") ?? historyDays)
  default:
    FileHandle.standardError.write(
      "usage: beaconhunt-bench [--rows N] [--dir DIR] [--runs N] [--history-days N] [--spark-remote sc://HOST:PORT]\n"
        .data(using: .utf8)!)
    exit(2)
  }
}

let dataDir = "\(dir)/day-\(rows)"
var config = SimulationConfig()
config.seed = 2021
config.rowsPerDay = rows
config.hosts = max(60, rows / 1250)
if !FileManager.default.fileExists(atPath: dataDir + "/truth.json") {
  try? FileManager.default.removeItem(atPath: dataDir)
  print("simulating \(rows) rows into \(dataDir) …")
  let t0 = Date()
  try Simulator(config).write(to: dataDir)
  print("  simulated in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
}
let root = dataDir
let day = config.endDate.description
// The same hunted day with `historyDays` days before it (the simulator makes each day from its
// date, so the last day is byte-identical to the one-day export's).
let historyDir = "\(dir)/days-\(rows)x\(historyDays + 1)"
if historyDays > 0, !FileManager.default.fileExists(atPath: historyDir + "/truth.json") {
  try? FileManager.default.removeItem(atPath: historyDir)
  var long = config
  long.days = historyDays + 1
  print("simulating \(historyDays + 1) days of \(rows) rows into \(historyDir) …")
  let t0 = Date()
  try Simulator(long).write(to: historyDir)
  print("  simulated in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
}
let files = InputFiles.files(
  under: try ExportLayout.workspaceRoots(under: root).map {
    ExportLayout.dayFolder(root: $0, date: config.endDate)
  }[0])
let bytes = files.reduce(0) {
  $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
}
let lineCount = files.reduce(0) { n, f in
  n + (try! Data(contentsOf: URL(fileURLWithPath: f))).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
}

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  .appendingPathComponent("beaconhunt").path
guard FileManager.default.isExecutableFile(atPath: binary) else {
  print("build the CLI first: swift build -c release --product beaconhunt")
  exit(1)
}

/// Runs a command with its output discarded; returns wall seconds and the child's own peak RSS in MB
/// (from wait4, so no other process is counted).
func timed(_ path: String, _ arguments: [String]) throws -> (seconds: Double, rssMB: Double) {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
  let argv = ([path] + arguments).map { strdup($0) } + [nil]
  defer { for p in argv { free(p) } }
  var pid: pid_t = 0
  let t0 = DispatchTime.now().uptimeNanoseconds
  guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
    throw BenchError("cannot run \(path)")
  }
  var status: Int32 = 0
  var usage = rusage()
  wait4(pid, &status, 0, &usage)
  let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
  guard status == 0 else {
    throw BenchError("\(path) \(arguments.prefix(3)) failed (status \(status))")
  }
  return (seconds, Double(usage.ru_maxrss) / 1024)
}

let listFile = dataDir + "/files.txt"
try files.joined(separator: "\0").write(toFile: listFile, atomically: true, encoding: .utf8)
/// `'…'` for sh, with embedded quotes closed and reopened: `--dir` is the user's, not ours.
func shellQuoted(_ s: String) -> String {
  "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}
let floorCommand = "xargs -0 cat < \(shellQuoted(listFile)) | wc -l"
// Warm the page cache so every contender reads from memory.
_ = try timed("/bin/sh", ["-c", floorCommand])

var floorTimes: [Double] = []
var huntTimes: [Double] = []
var huntOneCore: [Double] = []
var periodicityTimes: [Double] = []
var rss = 0.0
let dayArgs = ["hunt", "--root", root, "--end-date", day, "--quiet"]
let huntArgs = dayArgs + ["--method", "notebook"]
let periodicityArgs = dayArgs + ["--method", "periodicity"]
for _ in 0..<runs {
  floorTimes.append(try timed("/bin/sh", ["-c", floorCommand]).seconds)
  let all = try timed(binary, huntArgs)
  let one = try timed(binary, huntArgs + ["--threads", "1"])
  let periodic = try timed(binary, periodicityArgs)
  periodicityTimes.append(periodic.seconds)
  huntTimes.append(all.seconds)
  huntOneCore.append(one.seconds)
  rss = max(rss, all.rssMB, one.rssMB, periodic.rssMB)
}
let floorBest = floorTimes.min()!
let huntBest = huntTimes.min()!
let oneBest = huntOneCore.min()!
let mb = Double(bytes) / 1e6
func f(_ v: Double, _ p: Int = 3) -> String { String(format: "%.\(p)f", v) }
print("")
print("day: \(lineCount) rows, \(files.count) files, \(f(mb, 1)) MB (\(root))")
print("best of \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores:")
print("  floor  cat | wc -l                 \(f(floorBest)) s   \(f(mb / floorBest, 0)) MB/s")
print(
  "  hunt   notebook, all cores         \(f(huntBest)) s   \(f(mb / huntBest, 0)) MB/s   \(f(Double(lineCount) / huntBest, 0)) rows/s   \(f(huntBest / floorBest, 2))× floor"
)
print(
  "  hunt   notebook, --threads 1       \(f(oneBest)) s   \(f(mb / oneBest, 0)) MB/s   \(f(Double(lineCount) / oneBest, 0)) rows/s   \(f(oneBest / floorBest, 2))× floor"
)
let periodicBest = periodicityTimes.min()!
var historyLine: String? = nil
if historyDays > 0 {
  // The default hunt of the same day with its history from a warm cache, as a daily hunt runs,
  // alternating with the notebook hunt of that day.
  let cache = historyDir + "/cache"
  let historyDayArgs = ["hunt", "--root", historyDir, "--end-date", day, "--quiet"]
  let args = historyDayArgs + ["--lookback-days", "\(historyDays)", "--cache", cache]
  _ = try timed(binary, args)  // summarises the history days once (the cache's first day)
  var withHistory: [Double] = []
  var notebook: [Double] = []
  for _ in 0..<runs {
    let h = try timed(binary, args)
    withHistory.append(h.seconds)
    rss = max(rss, h.rssMB)
    notebook.append(try timed(binary, historyDayArgs + ["--method", "notebook"]).seconds)
  }
  let h = withHistory.min()!
  let n = notebook.min()!
  historyLine =
    "  hunt   periodicity, \(historyDays) cached history days  \(f(h)) s   \(f(h / n, 2))× the notebook hunt of the day (\(f(n)) s; target ≤ 1.5×)"
}
print(
  "  hunt   periodicity, all cores      \(f(periodicBest)) s   \(f(mb / periodicBest, 0)) MB/s   \(f(periodicBest / huntBest, 2))× the notebook hunt (target ≤ 2×)"
)
if let historyLine { print(historyLine) }
print("  peak RSS of a hunt                 \(f(rss, 0)) MB")
if let sparkRemote {
  // The same hunts on Spark (warm: one untimed run first, as a running cluster would be).
  for (method, args, nativeBest) in [
    ("notebook", huntArgs, huntBest), ("periodicity", periodicityArgs, periodicBest),
  ] {
    let sparkArgs = args + ["--engine", "spark", "--spark-remote", sparkRemote]
    _ = try timed(binary, sparkArgs)
    var sparkTimes: [Double] = []
    for _ in 0..<runs { sparkTimes.append(try timed(binary, sparkArgs).seconds) }
    let best = sparkTimes.min()!
    print(
      "  hunt   \(method) on Spark (\(sparkRemote))  \(f(best)) s   \(f(best / nativeBest, 1))× the native hunt (client RSS not counted: the work is the cluster's)"
    )
  }
}
print(
  "targets: ≤ 1 s for the day, ≤ 5× floor, ≤ 300 MB RSS → "
    + (huntBest <= 1 && huntBest <= 5 * floorBest && rss <= 300 ? "met" : "NOT met"))

/// Why the benchmark could not run one of its children.
struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
