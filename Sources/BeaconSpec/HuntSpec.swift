import BeaconCore
import BeaconNotebook
import BeaconPeriodicity

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
