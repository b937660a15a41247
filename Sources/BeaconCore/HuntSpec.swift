/// Everything that describes one hunt: what to read, which method, with which thresholds.
///
/// An engine executes a `HuntSpec`; the native engine and the Spark engine take the same value, so
/// the command line builds it once and hands it to whichever engine the user chose.
public struct HuntSpec: Sendable, Equatable {
  /// Where the rows come from.
  public var input: HuntInput
  /// Keep only rows whose `DeviceVendor` equals this exactly; `nil` keeps every vendor.
  public var vendor: String?
  public var method: HuntMethod
  public var notebook: NotebookThresholds
  public var periodicity = PeriodicityParameters()
  /// When true, any skipped input line makes the hunt fail instead of being reported and counted.
  public var strict: Bool
  /// The log format of the inputs (detected per file by default).
  public var inputFormat: InputFormat = .auto
  /// For CSV inputs: field (`ts`, `src`, `dst`, `sport`, `dport`, `proto`, `sent`, `recv`,
  /// `vendor`) → column name.
  public var csvMapping: [String: String] = [:]
  /// Size limits on lines and compressed files.
  public var limits = InputLimits()
  /// The native engine's memory budget, past which its state goes to disk.
  public var memory = MemoryBudget()

  public init(
    input: HuntInput, vendor: String? = nil, method: HuntMethod = .periodicity,
    notebook: NotebookThresholds = .init(), strict: Bool = false
  ) {
    self.input = input
    self.vendor = vendor
    self.method = method
    self.notebook = notebook
    self.strict = strict
  }
}

/// The detection methods BeaconHunt knows.
public enum HuntMethod: String, CaseIterable, Sendable {
  /// The Sentinel notebook's method, reproduced row-exactly (`spec/notebook-method.md`).
  case notebook
  /// Jitter-tolerant, per-flow periodicity (`spec/periodicity-method.md`).
  case periodicity
}

/// The source of a hunt's rows.
public enum HuntInput: Sendable, Equatable {
  /// A Log Analytics export (`…/y=YYYY/m=MM/d=DD/h=HH/m=MM/PT05M.json`): the day `endDate`, with
  /// `lookbackDays` of history before it.
  case export(root: String, endDate: CivilDate, lookbackDays: Int)
  /// JSON-lines files and folders (read recursively); `-` is standard input.
  case paths([String])
}

/// The notebook method's thresholds, with the notebook's defaults (one place for each).
public struct NotebookThresholds: Sendable, Equatable {
  /// A source is busy when it has **more than** this many rows; findings need a total above it too.
  public var dailyEventCountThreshold: Int = NotebookThresholds.defaultDailyEventCount
  /// A destination is rare when **fewer than** this many distinct sources reach it.
  public var degreeOfSourceIPThreshold: Int = NotebookThresholds.defaultDegreeOfSourceIP
  /// Deltas must be **greater than** this many seconds.
  public var timeDeltaThreshold: Int = NotebookThresholds.defaultTimeDelta
  /// Findings need a `Percentbeacon` **greater than** this.
  public var percentBeaconThreshold: Double = NotebookThresholds.defaultPercentBeacon

  public static let defaultDailyEventCount = 100
  public static let defaultDegreeOfSourceIP = 25
  public static let defaultTimeDelta = 15
  public static let defaultPercentBeacon = 75.0
  /// The notebook's `lookback_days`.
  public static let defaultLookbackDays = 21
  /// The notebook's `device_vendor` (BeaconHunt keeps every vendor unless `--vendor` is given).
  public static let notebookVendor = "Fortinet"

  public init() {}

  public init(dailyEventCount: Int, degreeOfSourceIP: Int, timeDelta: Int, percentBeacon: Double) {
    self.dailyEventCountThreshold = dailyEventCount
    self.degreeOfSourceIPThreshold = degreeOfSourceIP
    self.timeDeltaThreshold = timeDelta
    self.percentBeaconThreshold = percentBeacon
  }
}

/// Log formats BeaconHunt reads.
public enum InputFormat: String, CaseIterable, Sendable {
  /// Detected per file from its first line.
  case auto
  /// Log Analytics CommonSecurityLog JSON lines (the export).
  case csl
  /// Zeek `conn.log`, TSV with its header or JSON lines.
  case zeek
  /// CSV with a header row, read through `HuntSpec.csvMapping`.
  case csv
  /// CEF syslog lines (`CEF:0|vendor|product|…|src=… dst=… dpt=…`).
  case cef
}
