import BeaconCore

/// The notebook method's steps as the run summary names them: one place, so that both engines
/// report the same steps in the same words (and tests can compare them).
public enum NotebookSteps {
  /// The counts behind the steps, as either engine measures them.
  public struct Counts: Sendable, Equatable {
    public var afterVendor = 0
    public var prepared = 0
    public var busySources = 0
    public var rareDestinations = 0
    public var baselined = 0
    public var complete = 0
    public var passing = 0
    public var groups = 0
    public var findings = 0

    public init() {}
  }

  public static func steps(_ c: Counts, vendor: String?, thresholds t: NotebookThresholds)
    -> [StepCount]
  {
    [
      StepCount(
        "vendor filter", c.afterVendor,
        detail: vendor.map { "DeviceVendor == \"\($0)\"" } ?? "all vendors"),
      StepCount(
        "public destinations", c.prepared,
        detail: "DestinationIP not null, not 127./10./172.16-31./192.168."),
      StepCount(
        "baseline", c.baselined,
        detail:
          "\(groupedDigits(c.busySources)) busy sources (> \(t.dailyEventCountThreshold) rows), "
          + "\(groupedDigits(c.rareDestinations)) rare destinations (< \(t.degreeOfSourceIPThreshold) sources)"
      ),
      StepCount("rows with nine fields and a previous", c.complete),
      StepCount("deltas > \(t.timeDeltaThreshold) s", c.passing),
      StepCount("groups", c.groups, detail: "vendor, source, destination, port, protocol, delta"),
      StepCount(
        "findings", c.findings,
        detail:
          "Percentbeacon > \(t.percentBeaconThreshold), Totaleventcount > \(t.dailyEventCountThreshold)"
      ),
    ]
  }
}
