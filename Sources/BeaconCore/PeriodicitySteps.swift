/// The periodicity method's steps as the run summary names them: one place, so that both engines
/// report the same steps in the same words (and the differential tests can compare them).
public enum PeriodicitySteps {
  /// The counts behind the steps, as either engine measures them.
  public struct Counts: Sendable, Equatable {
    /// Lookback days asked for; 0 leaves the history step out.
    public var lookbackDays = 0
    public var historyDays = 0
    public var historyFromCache = 0
    public var historySummarised = 0
    public var historyMissing = 0
    public var historySkippedLines = 0
    /// History files not read (native only: a cluster's listing is not seen from the client).
    public var historySkippedFiles = 0
    public var afterVendor = 0
    public var validRows = 0
    public var invalidAddresses = 0
    /// The least (byte order) invalid row, as `SourceIP …, DestinationIP …`.
    public var invalidExample: String?
    public var afterDirection = 0
    public var afterAllowlist = 0
    public var allowNetworks = 0
    public var allowHostNames = 0
    public var allowlistGiven = false
    public var flows = 0
    public var popular = 0
    public var candidates = 0
    public var beacons = 0
    public var strobes = 0

    public init() {}
  }

  /// `SourceIP x, DestinationIP y` for an invalid row (missing values read `null`).
  public static func invalidExample(source: String?, destination: String?) -> String {
    "SourceIP \(source ?? "null"), DestinationIP \(destination ?? "null")"
  }

  public static func steps(_ c: Counts, vendor: String?, parameters p: PeriodicityParameters)
    -> [StepCount]
  {
    var steps: [StepCount] = []
    if c.lookbackDays > 0 {
      steps.append(
        StepCount(
          "history days", c.historyDays,
          detail:
            "\(c.lookbackDays) asked: \(c.historyFromCache) from the cache, \(c.historySummarised) summarised, \(c.historyMissing) missing"
            + (c.historySkippedLines > 0
              ? "; \(groupedDigits(c.historySkippedLines)) bad lines skipped in them" : "")
            + (c.historySkippedFiles > 0
              ? "; \(groupedDigits(c.historySkippedFiles)) files not read" : "")))
    }
    steps += [
      StepCount(
        "vendor filter", c.afterVendor,
        detail: vendor.map { "DeviceVendor == \"\($0)\"" } ?? "all vendors"),
      StepCount(
        "valid addresses", c.validRows,
        detail: c.invalidAddresses > 0
          ? "\(groupedDigits(c.invalidAddresses)) rows without a valid SourceIP and DestinationIP, e.g. "
            + (c.invalidExample ?? "") : nil),
      StepCount(
        "direction", c.afterDirection,
        detail: p.anyDirection ? "any" : "internal → external"),
      StepCount(
        "allowlist", c.afterAllowlist,
        detail: !c.allowlistGiven
          ? "none given"
          : "\(groupedDigits(c.afterDirection - c.afterAllowlist)) rows dropped; \(c.allowNetworks) networks"
            + (c.allowHostNames == 0
              ? "" : ", \(c.allowHostNames) host names (unused: the input has no host names)")),
      StepCount("flows", c.flows, detail: "source, destination, port, protocol"),
      StepCount(
        "popular destinations", c.popular,
        detail: "flows to destinations with ≥ \(p.popularDestination) sources, not reported"),
      StepCount("candidates", c.candidates, detail: "flows with enough connections"),
      StepCount("beacons", c.beacons, detail: "score ≥ \(p.minScore)"),
      StepCount("strobes", c.strobes),
    ]
    return steps
  }
}
