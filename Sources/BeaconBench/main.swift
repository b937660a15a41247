// beaconhunt-bench: BeaconHunt's hunts side by side with the peers a user would pick instead, in one
// run, on simulated days it makes once and keeps under `--dir`:
//
//   swift build -c release && .build/release/beaconhunt-bench [--rows 250000,4000000] [--runs 3]
//       [--dir bench-data] [--history-days 21] [--no-duckdb] [--spark-remote sc://HOST:PORT]
//       [--spark-methods notebook,periodicity] [--spill-limit 64M]
//
// For each day: the floor of reading the bytes (`cat … | wc -l`); the notebook method on BeaconHunt
// and as the project's DuckDB statement (Bench/notebook-method.duckdb.sql), whose findings must be
// byte-identical to ours every run; the default hunt beside a per-flow interval query in DuckDB
// (Bench/flow-intervals.duckdb.sql); both hunts again with `--memory-limit` set to `--spill-limit`,
// so that their state goes to disk, their findings byte-identical to the hunts in memory. Contenders alternate within each run; every one runs as a
// child process, so its peak RSS is its own. DuckDB (PyPI's `duckdb`) is installed into a venv
// when missing. The targets are issue 12's.
import BeaconCore
import BeaconLoad
import BeaconNotebook
import BeaconPeriodicity
import BeaconSimulate
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

var dayRows = [250_000, 4_000_000]
var dir = "bench-data"
var runs = 3
var sparkRemote: String?
var useDuckDB = true
/// History days for the periodicity hunt with a warm cache (0 leaves that measurement out).
var historyDays = 21
/// `--memory-limit` for the hunts that go to disk ("0" leaves them out).
var spillLimit = "16M"
/// The methods hunted on Spark with `--spark-remote` (the periodicity hunt of a large day takes
/// a local server far longer than the notebook's).
var sparkMethods = ["notebook", "periodicity"]
var args = CommandLine.arguments.dropFirst()
func usage() -> Never {
  FileHandle.standardError.write(
    Data(
      "usage: beaconhunt-bench [--rows N[,N…]] [--dir DIR] [--runs N] [--history-days N] [--no-duckdb] [--spark-remote sc://HOST:PORT] [--spark-methods notebook,periodicity] [--spill-limit SIZE|0]\n"
        .utf8))
  exit(2)
}
while let a = args.popFirst() {
  switch a {
  case "--rows":
    let list = (args.popFirst() ?? "").split(separator: ",").map { Int($0) }
    guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) > 0 }) else { usage() }
    dayRows = list.map { $0! }
  case "--dir": dir = args.popFirst() ?? dir
  case "--runs": runs = max(1, Int(args.popFirst() ?? "") ?? runs)
  case "--spark-remote": sparkRemote = args.popFirst()
  case "--history-days": historyDays = max(0, Int(args.popFirst() ?? "") ?? historyDays)
  case "--no-duckdb": useDuckDB = false
  case "--spill-limit": spillLimit = args.popFirst() ?? spillLimit
  case "--spark-methods":
    let list = (args.popFirst() ?? "").split(separator: ",").map(String.init)
    guard !list.isEmpty, list.allSatisfy(["notebook", "periodicity"].contains) else { usage() }
    sparkMethods = list
  default: usage()
  }
}

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  .appendingPathComponent("beaconhunt").path
guard FileManager.default.isExecutableFile(atPath: binary) else {
  print("build the CLI first: swift build -c release --product beaconhunt")
  exit(1)
}
/// The checked-in DuckDB statements and their runner, beside the package's sources.
let benchScripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Bench").path
let duck: DuckDB? = useDuckDB ? try DuckDB.ready(scripts: benchScripts) : nil

/// The bench's day of `rows` rows (seed 2021), simulated once into `dir`; with `days` > 1, the
/// same hunted day with the days before it (the simulator makes each day from its date).
@MainActor func simulatedDay(rows: Int, days: Int = 1) throws -> (
  root: String, config: SimulationConfig
) {
  var config = SimulationConfig()
  config.seed = 2021
  config.rowsPerDay = rows
  config.hosts = max(60, rows / 1250)
  config.days = days
  let root = days == 1 ? "\(dir)/day-\(rows)" : "\(dir)/days-\(rows)x\(days)"
  if !FileManager.default.fileExists(atPath: root + "/truth.json") {
    try? FileManager.default.removeItem(atPath: root)
    print("simulating \(days) day(s) of \(rows) rows into \(root) …")
    let t0 = Date()
    try Simulator(config).write(to: root)
    print("  simulated in \(f(Date().timeIntervalSince(t0), 1)) s; starting again to measure")
    // A spawned child's ru_maxrss starts at the spawning process's high-water mark (posix_spawn
    // shares the bench's memory until exec), so after simulating in-process every peak RSS would
    // read as the simulator's. The bench runs itself again, small, with the data now on disk.
    let argv = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", argv)
    throw BenchError("cannot start again: \(String(cString: strerror(errno)))")
  }
  return (root, config)
}

/// Each line as it is printed, also into a file or pipe (a 4 M-row day takes minutes).
func print(_ s: String = "") {
  Swift.print(s)
  fflush(nil)
}

func f(_ v: Double, _ p: Int = 3) -> String { String(format: "%.\(p)f", v) }
func mb(_ bytes: Int) -> String { f(Double(bytes) / 1e6, 0) }

/// The best time and the highest peak RSS of one contender over the runs.
struct Measured {
  var times: [Double] = []
  var rssMB = 0.0
  var best: Double { times.min() ?? .nan }
  mutating func add(_ m: (seconds: Double, rssMB: Double)) {
    times.append(m.seconds)
    rssMB = max(rssMB, m.rssMB)
  }
}

// Every day the bench hunts exists before the first measurement (simulating restarts the bench).
for rows in dayRows {
  _ = try simulatedDay(rows: rows)
  if historyDays > 0, rows <= 1_000_000 { _ = try simulatedDay(rows: rows, days: historyDays + 1) }
}

for rows in dayRows {
  let (root, config) = try simulatedDay(rows: rows)
  let day = config.endDate.description
  let files = InputFiles.files(
    under: try ExportLayout.workspaceRoots(under: root).map {
      ExportLayout.dayFolder(root: $0, date: config.endDate)
    }[0])
  let bytes = files.reduce(0) {
    $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
  }
  let listFile = root + "/files.txt"
  try files.joined(separator: "\0").write(toFile: listFile, atomically: true, encoding: .utf8)
  let floorCommand = "xargs -0 cat < \(shellQuoted(listFile)) | wc -l"
  let lineCount = Int(try output("/bin/sh", ["-c", floorCommand]).trimmed) ?? 0

  let dayArgs = ["hunt", "--root", root, "--end-date", day, "--quiet"]
  let notebookArgs = dayArgs + ["--method", "notebook"]
  let notebookCSV = root + "/notebook.beaconhunt.csv"
  let duckCSV = root + "/notebook.duckdb.csv"
  let flowsCSV = root + "/flows.duckdb.csv"
  let periodicityCSV = root + "/periodicity.beaconhunt.csv"
  let spilledCSV = root + "/spilled.beaconhunt.csv"
  let spillArgs = ["--memory-limit", spillLimit, "--format", "csv", "-o", spilledCSV, "--force"]
  var notebookSpilled = Measured()
  var periodicitySpilled = Measured()
  /// The check every run: a hunt on disk finds what the hunt in memory found, byte for byte.
  func sameAsInMemory(_ inMemory: String, _ what: String) {
    guard FileManager.default.contentsEqual(atPath: inMemory, andPath: spilledCSV) else {
      print("FAILED: the \(what) over --memory-limit differs: cmp \(inMemory) \(spilledCSV)")
      exit(1)
    }
  }
  var floor = Measured()
  var notebook = Measured()
  var notebookOneCore = Measured()
  var periodicity = Measured()
  var duckNotebook = Measured()
  var duckFlows = Measured()
  for run in 0..<runs {
    floor.add(try timed("/bin/sh", ["-c", floorCommand]))
    notebook.add(
      try timed(binary, notebookArgs + ["--format", "csv", "-o", notebookCSV, "--force"]))
    if let duck {
      duckNotebook.add(try duck.notebook(files: listFile, output: duckCSV))
      // The check every run: the same findings, byte for byte.
      guard FileManager.default.contentsEqual(atPath: notebookCSV, andPath: duckCSV) else {
        print(
          "FAILED: DuckDB's notebook findings differ from BeaconHunt's: cmp \(duckCSV) \(notebookCSV)"
        )
        exit(1)
      }
      duckFlows.add(try duck.flowIntervals(files: listFile, output: flowsCSV))
    }
    periodicity.add(
      try timed(
        binary,
        dayArgs + ["--method", "periodicity", "--format", "csv", "-o", periodicityCSV, "--force"]))
    if spillLimit != "0" {
      notebookSpilled.add(try timed(binary, notebookArgs + spillArgs))
      sameAsInMemory(notebookCSV, "notebook hunt")
      periodicitySpilled.add(try timed(binary, dayArgs + ["--method", "periodicity"] + spillArgs))
      sameAsInMemory(periodicityCSV, "default hunt")
    }
    if run == 0 || rows <= 1_000_000 {
      notebookOneCore.add(try timed(binary, notebookArgs + ["--threads", "1"]))
    }
  }
  let findings = max(
    0,
    try Data(contentsOf: URL(fileURLWithPath: notebookCSV)).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
      - 1)
  print("")
  print(
    "day: \(lineCount) rows, \(files.count) files, \(mb(bytes)) MB (\(root)); best of \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores"
  )
  func line(_ label: String, _ m: Measured, _ extra: String = "") {
    let padded = label.padding(toLength: 40, withPad: " ", startingAt: 0)
    let rss = m.rssMB > 0 ? "  \(f(m.rssMB, 0).leftPadded(5)) MB" : "         "
    print(
      "  \(padded) \(f(m.best).leftPadded(7)) s\(rss)  \(f(Double(lineCount) / m.best / 1e6, 2)) M rows/s\(extra)"
    )
  }
  line("floor: cat … | wc -l", floor)
  line(
    "notebook: beaconhunt, 2 cores", notebook, "  \(f(notebook.best / floor.best, 2))× floor")
  line("notebook: beaconhunt, --threads 1", notebookOneCore)
  if duck != nil {
    line(
      "notebook: DuckDB \(duck!.version) (same \(findings) findings)", duckNotebook,
      "  BeaconHunt \(f(duckNotebook.best / notebook.best, 2))× as fast (target ≥ 2×)")
  }
  line(
    "default hunt: beaconhunt periodicity", periodicity,
    "  \(f(periodicity.best / floor.best, 2))× floor (target ≤ 1.5×)")
  if duck != nil {
    line(
      "per-flow interval query: DuckDB", duckFlows,
      "  BeaconHunt's default hunt \(f(duckFlows.best / periodicity.best, 2))× as fast (target ≥ 1×)"
    )
  }
  if spillLimit != "0" {
    /// What the hunt's run summary says it wrote to disk (one more run, not timed).
    func written(_ args: [String]) throws -> String {
      let command =
        ([binary] + args.filter { $0 != "--quiet" }).map(shellQuoted).joined(separator: " ")
        + " 2>&1 >/dev/null"
      let summary = try output("/bin/sh", ["-c", command])
      guard let disk = summary.split(separator: "\n").first(where: { $0.contains("disk  ") }),
        let to = disk.range(of: "): "), let end = disk.range(of: " written")
      else { return "stayed in memory" }
      return String(disk[to.upperBound..<end.lowerBound]) + " on disk"
    }
    line(
      "notebook: --memory-limit \(spillLimit)", notebookSpilled,
      "  \(f(notebookSpilled.best / notebook.best, 2))× the time in memory, same findings, \(try written(notebookArgs + spillArgs))"
    )
    line(
      "default hunt: --memory-limit \(spillLimit)", periodicitySpilled,
      "  \(f(periodicitySpilled.best / periodicity.best, 2))× the time in memory, same findings, \(try written(dayArgs + ["--method", "periodicity"] + spillArgs))"
    )
  }
  let rss = max(notebook.rssMB, notebookOneCore.rssMB, periodicity.rssMB)
  let rssTarget = lineCount <= 4_500_000 ? 500.0 : 1000.0
  print(
    "  peak RSS of a BeaconHunt hunt: \(f(rss, 0)) MB (target ≤ \(f(rssTarget, 0)) MB: \(rss <= rssTarget ? "met" : "NOT met"))"
  )

  if historyDays > 0, rows <= 1_000_000 {
    // The default hunt of the same day with its history from a warm cache, as a daily hunt runs,
    // alternating with the notebook hunt of that day.
    let (historyRoot, _) = try simulatedDay(rows: rows, days: historyDays + 1)
    let cache = historyRoot + "/cache"
    let historyDayArgs = ["hunt", "--root", historyRoot, "--end-date", day, "--quiet"]
    let args = historyDayArgs + ["--lookback-days", "\(historyDays)", "--cache", cache]
    _ = try timed(binary, args)  // summarises the history days once (the cache's first day)
    var withHistory = Measured()
    var notebookOfDay = Measured()
    for _ in 0..<runs {
      withHistory.add(try timed(binary, args))
      notebookOfDay.add(try timed(binary, historyDayArgs + ["--method", "notebook"]))
    }
    line(
      "default hunt, \(historyDays) cached history days", withHistory,
      "  \(f(withHistory.best / notebookOfDay.best, 2))× the notebook hunt of the day (target ≤ 1.5×)"
    )
  }

  if let sparkRemote {
    // The same hunts on Spark (warm: one untimed run first, as a running cluster would be),
    // and the notebook method as the plain PySpark DataFrame job a Spark user would run
    // (Bench/pyspark-notebook.py) on the same server, alternating with ours; its findings must
    // be byte-identical to ours every run.
    let pyspark = try PySpark.ready(scripts: benchScripts)
    let sparkCSV = root + "/notebook.spark.csv"
    let pysparkCSV = root + "/notebook.pyspark.csv"
    for method in sparkMethods {
      let methodCSV = method == "notebook" ? sparkCSV : root + "/periodicity.spark.csv"
      let sparkArgs =
        dayArgs + [
          "--method", method, "--engine", "spark", "--spark-remote", sparkRemote,
          "--format", "csv", "-o", methodCSV, "--force",
        ]
      _ = try timed(binary, sparkArgs)
      var spark = Measured()
      var job = Measured()
      for _ in 0..<runs {
        spark.add(try timed(binary, sparkArgs))
        if method == "notebook" {
          job.add(try pyspark.notebook(remote: sparkRemote, files: listFile, output: pysparkCSV))
          guard FileManager.default.contentsEqual(atPath: sparkCSV, andPath: pysparkCSV),
            FileManager.default.contentsEqual(atPath: sparkCSV, andPath: notebookCSV)
          else {
            print(
              "FAILED: the notebook findings on Spark differ: cmp \(sparkCSV) \(pysparkCSV) \(notebookCSV)"
            )
            exit(1)
          }
        } else if !FileManager.default.contentsEqual(atPath: methodCSV, andPath: periodicityCSV) {
          print(
            "FAILED: the default hunt's findings on Spark differ: cmp \(methodCSV) \(periodicityCSV)"
          )
          exit(1)
        }
      }
      let native = method == "notebook" ? notebook : periodicity
      line(
        "\(method): beaconhunt --engine spark", spark,
        "  \(f(spark.best / native.best, 1))× the native hunt, same findings (the cluster's RSS is not counted)"
      )
      if method == "notebook" {
        line(
          "notebook: PySpark (same \(findings) findings)", job,
          "  BeaconHunt on Spark \(f(spark.best / job.best, 2))× its time (target ≤ 1.1×)")
      }
    }
  }
}

/// The notebook method as a PySpark DataFrame job on the Spark Connect server under test, from
/// the venv `.ci/run` makes (PyPI's pyspark with the Connect client's extras, added when missing).
struct PySpark {
  var python: String
  var scripts: String

  static func ready(scripts: String) throws -> PySpark {
    let python = try venvPython(
      variable: "BEACONHUNT_SPARK_VENV", folder: "venv-pyspark-4.3.0",
      probe: "import pyspark.sql.connect.session, pyarrow, grpc, pandas",
      package: "pyspark[connect]==4.3.0", keep: true)
    return PySpark(python: python, scripts: scripts)
  }

  func notebook(remote: String, files: String, output: String) throws -> (
    seconds: Double, rssMB: Double
  ) {
    try timed(
      python,
      [scripts + "/pyspark-notebook.py", remote, files, output] + DuckDB.notebookParameters)
  }
}

/// PyPI's `duckdb` in a venv of its own, and the bench's statements run through it.
struct DuckDB {
  static let pinned = "2.0.1"
  var python: String
  var scripts: String
  var version: String

  /// The venv at `$BEACONHUNT_DUCKDB_VENV` (default ~/.cache/beaconhunt/venv-duckdb), made and
  /// filled when it has no `duckdb`.
  static func ready(scripts: String) throws -> DuckDB {
    let probe = "import duckdb; print(duckdb.__version__)"
    let python = try venvPython(
      variable: "BEACONHUNT_DUCKDB_VENV", folder: "venv-duckdb", probe: probe,
      package: "duckdb==\(pinned)", keep: false)
    return DuckDB(
      python: python, scripts: scripts, version: try output(python, ["-c", probe]).trimmed)
  }

  /// `$private_prefixes`: the notebook's private-prefix list, as a JSON array.
  static let privatePrefixes =
    "private_prefixes=["
    + NotebookPrivatePrefixes.prefixes.map { "\"\($0)\"" }.joined(separator: ",") + "]"

  /// The notebook method's statement, with BeaconHunt's own defaults and private prefixes bound.
  func notebook(files: String, output: String) throws -> (seconds: Double, rssMB: Double) {
    try run(
      "notebook-method.duckdb.sql", files: files, output: output,
      params: Self.notebookParameters)
  }

  /// `NAME=JSON` for the notebook method's peers (DuckDB's statement, the PySpark job):
  /// BeaconHunt's own defaults and private prefixes.
  static var notebookParameters: [String] {
    let t = NotebookThresholds()
    return [
      privatePrefixes,
      "daily_event_count=\(t.dailyEventCountThreshold)",
      "degree_of_source_ips=\(t.degreeOfSourceIPThreshold)",
      "time_delta=\(t.timeDeltaThreshold)",
      "percent_beacon=\(t.percentBeaconThreshold)",
    ]
  }

  func flowIntervals(files: String, output: String) throws -> (seconds: Double, rssMB: Double) {
    return try run(
      "flow-intervals.duckdb.sql", files: files, output: output,
      params: [
        Self.privatePrefixes,
        "min_connections=\(PeriodicityParameters().minConnections)",
      ])
  }

  func run(_ sql: String, files: String, output: String, params: [String]) throws -> (
    seconds: Double, rssMB: Double
  ) {
    let threads = "\(ProcessInfo.processInfo.activeProcessorCount)"
    return try timed(
      python,
      [scripts + "/duckdb-hunt.py", scripts + "/" + sql, files, output, threads] + params)
  }
}

/// The Python of the venv at `$variable` (default `~/.cache/beaconhunt/folder`), with `package`
/// installed when `probe` fails there. `keep`: add to a venv that exists (the Spark venv is
/// `.ci/run`'s too) instead of making it anew.
func venvPython(variable: String, folder: String, probe: String, package: String, keep: Bool)
  throws -> String
{
  let venv =
    ProcessInfo.processInfo.environment[variable]
    ?? (NSHomeDirectory() + "/.cache/beaconhunt/" + folder)
  let python = venv + "/bin/python"
  // pyspark 4.3 warns on import about pandas 3; the probe only asks whether imports work.
  let probeArguments = ["-W", "ignore::FutureWarning", "-c", probe]
  if (try? output(python, probeArguments)) != nil { return python }
  print("installing \(package) into \(venv) …")
  if !keep { try? FileManager.default.removeItem(atPath: venv) }
  if !FileManager.default.fileExists(atPath: python) {
    _ = try output("/usr/bin/env", ["python3", "-m", "venv", venv])
  }
  _ = try output(venv + "/bin/pip", ["install", "-q", package])
  _ = try output(python, probeArguments)
  return python
}

/// Runs a command with its output discarded; returns wall seconds and the child's own peak RSS in
/// MB (from wait4). The child's figure starts at the bench's own high-water mark, so the bench
/// keeps small: it never simulates and measures in one process (`simulatedDay`).
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

/// A command's standard output; throws when it fails.
func output(_ path: String, _ arguments: [String]) throws -> String {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: path)
  p.arguments = arguments
  let pipe = Pipe()
  p.standardOutput = pipe
  try p.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  guard p.terminationStatus == 0 else {
    throw BenchError("\(path) \(arguments.prefix(3)) failed (status \(p.terminationStatus))")
  }
  return String(decoding: data, as: UTF8.self)
}

/// `'…'` for sh, with embedded quotes closed and reopened: `--dir` is the user's, not ours.
func shellQuoted(_ s: String) -> String {
  "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}

extension String {
  var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
  func leftPadded(_ n: Int) -> String {
    count >= n ? self : String(repeating: " ", count: n - count) + self
  }
}

/// Why the benchmark could not run one of its children.
struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
