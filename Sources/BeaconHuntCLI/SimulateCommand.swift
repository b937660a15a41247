import ArgumentParser
import BeaconCore
import BeaconExport
import BeaconSimulate

/// Simulation knobs shared by `simulate` and `demo`.
struct SimulationOptions: ParsableArguments {
  @Option(help: "Random seed: the same seed and options give byte-identical files.")
  var seed: UInt64 = 1

  @Option(help: "Last simulated day (YYYY-MM-DD).")
  var endDate: String = "2021-11-01"

  @Option(help: "Days to simulate, ending at --end-date.")
  var days: Int = 1

  @Option(help: "Internal workstations that browse.")
  var hosts: Int = 60

  @Option(help: "Rows per day (about 1.2 KB each).")
  var rowsPerDay: Int = 20_000

  @Flag(help: "Write hourly PT1H.json files (exports before Oct 2021) instead of 5-minute ones.")
  var hourly = false

  @Option(
    help:
      "Split a time bucket into overflow files (PT05M_1.json, …) after this many records (0: never)."
  )
  var maxRecordsPerFile: Int = 0

  @Option(help: "Malformed lines to mix in (for testing bad-input handling).")
  var corruptLines: Int = 0

  @Flag(help: "No benign periodic traffic (NTP, telemetry).")
  var noBenignPeriodic = false

  @Option(
    help: ArgumentHelp(
      "Add a beacon: name:period[:jitter[:kind[:missed[:host[:port[:vendor]]]]]] (kind uniform|cobalt-strike, host quiet|busy). Repeatable; replaces the standard set.",
      valueName: "spec"))
  var beacon: [String] = []

  func config() throws -> SimulationConfig {
    var c = SimulationConfig()
    c.seed = seed
    guard let d = CivilDate(iso: endDate) else {
      throw ValidationError("--end-date: \(TableText.visible(endDate)) is not a date")
    }
    c.endDate = d
    try checkRange(days, "--days", 1...366)
    try checkRange(hosts, "--hosts", 1...1_000_000)
    try checkRange(rowsPerDay, "--rows-per-day", 0...1_000_000_000)
    try checkRange(corruptLines, "--corrupt-lines", 0...1_000_000_000)
    try checkRange(maxRecordsPerFile, "--max-records-per-file", 0...Int(Int32.max))
    c.days = days
    c.hosts = hosts
    c.rowsPerDay = rowsPerDay
    c.hourly = hourly
    c.maxRecordsPerFile = maxRecordsPerFile
    c.corruptLines = corruptLines
    c.benignPeriodic = !noBenignPeriodic
    if !beacon.isEmpty { c.beacons = try beacon.map(Self.parseBeacon) }
    return c
  }

  static func parseBeacon(_ text: String) throws -> BeaconScenario {
    let f = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard f.count >= 2, let period = Double(f[1]), period > 0 else {
      throw ValidationError(
        "--beacon \(text): expected name:period[:jitter[:kind[:missed[:host[:port[:vendor]]]]]]")
    }
    var b = BeaconScenario(name: f[0], period: period)
    func field(_ k: Int) -> String? { f.count > k && !f[k].isEmpty ? f[k] : nil }
    if let j = field(2) {
      guard let v = Double(j), (0...1).contains(v) else {
        throw ValidationError("--beacon \(text): jitter is a fraction 0–1")
      }
      b.jitter = v
    }
    if let k = field(3) {
      guard let v = JitterKind(rawValue: k) else {
        throw ValidationError("--beacon \(text): kind is uniform or cobalt-strike")
      }
      b.jitterKind = v
    }
    if let m = field(4) {
      guard let v = Double(m), (0..<1).contains(v) else {
        throw ValidationError("--beacon \(text): missed is a fraction 0–1")
      }
      b.missedBeats = v
    }
    if let h = field(5) {
      guard let v = BeaconScenario.HostKind(rawValue: h) else {
        throw ValidationError("--beacon \(text): host is quiet or busy")
      }
      b.host = v
    }
    if let p = field(6) {
      guard let v = Int(p), (1...65535).contains(v) else {
        throw ValidationError("--beacon \(text): port is 1–65535")
      }
      b.destinationPort = v
    }
    if let v = field(7) { b.vendor = v }
    return b
  }
}

struct SimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Write a realistic CommonSecurityLog export with labelled beacons and a truth.json.")

  @Option(help: "Folder to create (must be new or empty).")
  var out: String

  @OptionGroup var simulation: SimulationOptions

  func run() throws {
    let truth = try Simulator(try simulation.config()).write(to: out)
    let v = TableText.visible
    Stderr.write(
      "beaconhunt: wrote \(truth.rows) rows over \(truth.days) day(s) to \(v(truth.workspaceRoot))\n"
        + "  labelled beacons: \(truth.beacons.count) (see \(v(out))/truth.json)\n"
        + "  hunt it: beaconhunt hunt --root \(v(out)) --end-date \(truth.endDate)\n")
  }
}
