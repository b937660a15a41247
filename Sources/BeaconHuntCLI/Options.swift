import ArgumentParser
import BeaconCore
import BeaconExport

/// Where the rows come from: an export root with a day, or files, folders and stdin.
struct InputOptions: ParsableArguments {
  @Argument(
    help:
      "JSON-lines files or folders (read recursively); '-' reads standard input. Instead of --root."
  )
  var inputs: [String] = []

  @Option(
    help: "Export root: the container, or the WorkspaceResourceId=…/workspaces/<name> folder.")
  var root: String?

  @Option(help: "The day to hunt (YYYY-MM-DD, UTC); required with --root.")
  var endDate: String?

  @Option(help: "Days of history before --end-date (the notebook reads one more, its off-by-one).")
  var lookbackDays: Int = NotebookThresholds.defaultLookbackDays

  func huntInput() throws -> HuntInput {
    if let root {
      guard inputs.isEmpty else {
        throw ValidationError("give either --root or input files, not both")
      }
      guard let endDate else { throw ValidationError("--root needs --end-date YYYY-MM-DD") }
      guard let date = CivilDate(iso: endDate) else {
        throw ValidationError("--end-date: \(endDate) is not a date (YYYY-MM-DD)")
      }
      guard lookbackDays >= 0 else { throw ValidationError("--lookback-days must be 0 or more") }
      return .export(root: root, endDate: date, lookbackDays: lookbackDays)
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

  @Option(help: "Allowlist file (IPs, CIDRs, host names; # comments), repeatable.")
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
      "Destinations reached by at least this many sources are popular infrastructure, not reported."
  )
  var popularDestination: Int = PeriodicityParameters().popularDestination

  enum Direction: String, ExpressibleByArgument, CaseIterable {
    case internalToExternal = "internal-to-external"
    case any
  }

  func parameters() throws -> PeriodicityParameters {
    var p = PeriodicityParameters()
    guard (0...1).contains(minScore) else {
      throw ValidationError("--min-score is between 0 and 1")
    }
    guard minConnections >= 3 else { throw ValidationError("--min-connections must be at least 3") }
    p.minScore = minScore
    p.minConnections = minConnections
    p.popularDestination = popularDestination
    p.anyDirection = direction == .any
    p.internalNetworks = `internal`.isEmpty ? nil : `internal`
    p.allowFiles = allow
    p.cacheFolder = cache
    return p
  }
}
