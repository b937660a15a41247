import ArgumentParser
import BeaconCore
import BeaconExport
import BeaconNotebook
import BeaconPeriodicity

/// The most lookback days accepted: ten years of daily exports.
let maxLookbackDays = 3650

/// A finite number in `range`, or a usage error naming the option.
func checkFinite(_ v: Double, _ option: String, _ range: ClosedRange<Double>) throws {
  guard v.isFinite, range.contains(v) else {
    throw ValidationError(
      "\(option) \(v): expected a number from \(plain(range.lowerBound)) to \(plain(range.upperBound))"
    )
  }
}

/// 600 as "600", 0.1 as "0.1".
func plain(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? "\(Int(v))" : "\(v)" }

/// A whole number in `range`, or a usage error naming the option.
func checkRange(_ v: Int, _ option: String, _ range: ClosedRange<Int>) throws {
  guard range.contains(v) else {
    throw ValidationError(
      "\(option) \(v): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
  }
}

/// Where the rows come from: an export root with a day, or files, folders and stdin.
struct InputOptions: ParsableArguments {
  @Argument(
    help:
      "JSON-lines files or folders (read recursively); '-' reads standard input. Instead of --root."
  )
  var inputs: [String] = []

  @Option(
    help:
      "Export root (the container, or the WorkspaceResourceId=…/workspaces/<name> folder), or a Zeek log archive (YYYY-MM-DD/conn.*.log.gz)."
  )
  var root: String?

  @Option(help: "The day to hunt (YYYY-MM-DD, UTC); required with --root.")
  var endDate: String?

  @Option(
    help:
      "Days of history before --end-date, with --root (default \(NotebookThresholds.defaultLookbackDays); the notebook reads one more, its off-by-one)."
  )
  var lookbackDays: Int?

  func validate() throws {
    if let lookbackDays {
      try checkRange(lookbackDays, "--lookback-days", 0...maxLookbackDays)
      guard root != nil else {
        throw ValidationError(
          "--lookback-days needs --root: files and folders given by name have no day folders to look back into"
        )
      }
    }
    if let endDate, CivilDate(iso: endDate) == nil {
      throw ValidationError("--end-date: \(TableText.visible(endDate)) is not a date (YYYY-MM-DD)")
    }
    _ = try huntInput()
  }

  func huntInput() throws -> HuntInput {
    if let root {
      guard inputs.isEmpty else {
        throw ValidationError("give either --root or input files, not both")
      }
      guard let endDate else { throw ValidationError("--root needs --end-date YYYY-MM-DD") }
      guard let date = CivilDate(iso: endDate) else {
        throw ValidationError(
          "--end-date: \(TableText.visible(endDate)) is not a date (YYYY-MM-DD)")
      }
      // `validate()` has checked the range.
      let lookback = lookbackDays ?? NotebookThresholds.defaultLookbackDays
      return .export(root: root, endDate: date, lookbackDays: lookback)
    }
    guard !inputs.isEmpty else {
      throw ValidationError(
        "nothing to read: give --root DIR --end-date YYYY-MM-DD, or files, folders or '-'")
    }
    return .paths(inputs)
  }
}

/// The notebook method's thresholds, each with the notebook's default.
struct NotebookOptions: ParsableArguments {
  @Option(help: "Busy sources have more rows than this; findings need more events than this.")
  var dailyEventCountThreshold: Int = NotebookThresholds.defaultDailyEventCount

  @Option(
    name: .customLong("degree-of-srcip-threshold"),
    help: "Rare destinations are reached by fewer distinct sources than this.")
  var degreeOfSourceIPThreshold: Int = NotebookThresholds.defaultDegreeOfSourceIP

  @Option(help: "Only intervals longer than this many seconds count.")
  var timeDeltaThreshold: Int = NotebookThresholds.defaultTimeDelta

  @Option(help: "Report groups whose Percentbeacon is above this.")
  var percentBeaconThreshold: Double = NotebookThresholds.defaultPercentBeacon

  func validate() throws {
    try checkRange(dailyEventCountThreshold, "--daily-event-count-threshold", 0...Int(Int32.max))
    try checkRange(degreeOfSourceIPThreshold, "--degree-of-srcip-threshold", 0...Int(Int32.max))
    try checkRange(timeDeltaThreshold, "--time-delta-threshold", 0...86_400 * 366)
    try checkFinite(percentBeaconThreshold, "--percent-beacon-threshold", 0...100)
  }

  var thresholds: NotebookThresholds {
    NotebookThresholds(
      dailyEventCount: dailyEventCountThreshold, degreeOfSourceIP: degreeOfSourceIPThreshold,
      timeDelta: timeDeltaThreshold, percentBeacon: percentBeaconThreshold)
  }
}

/// Where and how findings are written.
struct OutputOptions: ParsableArguments {
  @Option(help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
  var format: OutputFormat = .jsonl

  @Option(name: [.short, .long], help: "Write findings to this file instead of standard output.")
  var output: String?

  @Flag(help: "Replace --output if it exists.")
  var force = false

  @Flag(name: [.short, .long], help: "No run summary and no progress on stderr.")
  var quiet = false
}

extension OutputFormat: ExpressibleByArgument {}
extension HuntMethod: ExpressibleByArgument {}
extension InputFormat: ExpressibleByArgument {}

/// The periodicity method's options, each with the method's default.
struct PeriodicityOptions: ParsableArguments {
  @Option(help: "Internal network (CIDR), repeatable; default RFC 1918, RFC 6598 and IPv6 ULA.")
  var `internal`: [String] = []

  @Option(
    help:
      "Allowlist file (IPs, CIDRs, ports as udp/123 or *:123/udp, host names; # comments), repeatable."
  )
  var allow: [String] = []

  @Option(
    help: "Cache per-day history summaries in this folder, so a daily hunt reads one new day.")
  var cache: String?

  @Option(
    help: "internal-to-external (default), or any to keep every flow (proxies, lab captures).")
  var direction: Direction = .internalToExternal

  @Option(help: "Report flows scoring at least this (0–1).")
  var minScore: Double = PeriodicityParameters().minScore

  @Option(help: "Flows need at least this many check-ins.")
  var minConnections: Int = PeriodicityParameters().minConnections

  @Option(
    help:
      "Periodic behaviour this many internal hosts share (or --popular-share of them, if more) is infrastructure: it scores half."
  )
  var popularDestination: Int = PeriodicityParameters().popularDestination

  @Option(
    help: "The share of the hunt's internal hosts that makes periodic behaviour popular (0–1).")
  var popularShare: Double = PeriodicityParameters().popularShare

  @Option(
    help:
      "TCP connections from the same source port within this many seconds are one attempt's retries."
  )
  var retryWindow: Double = PeriodicityParameters().retryWindow

  enum Direction: String, ExpressibleByArgument, CaseIterable {
    case internalToExternal = "internal-to-external"
    case any
  }

  /// Every value checked, and the networks and allowlists parsed, before any data is read: a bad
  /// `--internal` or `--allow` fails in milliseconds, not after loading a day.
  func validate() throws {
    try checkFinite(minScore, "--min-score", 0...1)
    try checkRange(minConnections, "--min-connections", 3...10_000_000)
    try checkRange(popularDestination, "--popular-destination", 1...Int(Int32.max))
    try checkFinite(popularShare, "--popular-share", 0...1)
    try checkFinite(retryWindow, "--retry-window", 0...86_400)
    let p = try parameters()
    try asValidation {
      _ = try PeriodicityPrepare.internalNetworks(p)
      _ = try PeriodicityPrepare.allowlist(p)
    }
  }

  func parameters() throws -> PeriodicityParameters {
    var p = PeriodicityParameters()
    p.minScore = minScore
    p.minConnections = minConnections
    p.popularDestination = popularDestination
    p.popularShare = popularShare
    p.retryWindow = retryWindow
    p.anyDirection = direction == .any
    p.internalNetworks = `internal`.isEmpty ? nil : `internal`
    p.allowFiles = allow
    p.cacheFolder = cache
    return p
  }
}

/// A byte count option: `4M`, `16G`, `512K` or bytes.
struct ByteSize: ExpressibleByArgument {
  var bytes: Int64

  init(bytes: Int64) { self.bytes = bytes }

  init?(argument: String) {
    guard let b = InputLimits.parseSize(argument) else { return nil }
    bytes = b
  }

  var defaultValueDescription: String { InputLimits.text(bytes) }
}

/// `--memory-limit`: a size (`512M`, `4G`) or a share of physical memory (`25%`).
struct MemoryLimit: ExpressibleByArgument {
  var bytes: Int64

  init?(argument: String) {
    if argument.hasSuffix("%") {
      guard let share = Double(argument.dropLast()), share.isFinite, share > 0, share <= 100
      else { return nil }
      bytes = MemoryBudget.share(share / 100)
    } else {
      guard let b = InputLimits.parseSize(argument) else { return nil }
      bytes = b
    }
  }

  var defaultValueDescription: String { "\(Int(MemoryBudget.defaultShare * 100))% of RAM" }
}

/// How much one input may make the hunter hold or do (see "Failure behaviour" in the README).
struct LimitOptions: ParsableArguments {
  @Option(help: "Skip (and count) input lines longer than this.")
  var maxLineSize = ByteSize(bytes: Int64(InputLimits.defaultMaxLineBytes))

  @Option(help: "Stop a .gz file (counted) when one member inflates past this.")
  var maxMemberSize = ByteSize(bytes: InputLimits.defaultMaxMemberBytes)

  @Option(help: "Stop a .gz file (counted) when it inflates past this in all.")
  var maxDecompressedSize = ByteSize(bytes: InputLimits.defaultMaxDecompressedBytes)

  func validate() throws {
    guard maxLineSize.bytes <= 1 << 30 else {
      throw ValidationError("--max-line-size: at most 1G (a line is held whole in memory)")
    }
  }

  var limits: InputLimits {
    var l = InputLimits()
    l.maxLineBytes = Int(maxLineSize.bytes)
    l.maxMemberBytes = maxMemberSize.bytes
    l.maxDecompressedBytes = maxDecompressedSize.bytes
    return l
  }
}

/// Runs a check whose typed error becomes a usage error with the same message (ArgumentParser
/// reports only `ValidationError`s from `validate()` as usage errors).
func asValidation(_ body: () throws -> Void) throws {
  do { try body() } catch let e as ValidationError { throw e } catch {
    throw ValidationError(Diagnostics.describe(error)?.message ?? "\(error)")
  }
}
