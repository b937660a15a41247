import BeaconCore

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
