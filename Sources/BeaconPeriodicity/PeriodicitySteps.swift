import BeaconCore

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
    /// The days kept (the hunted day, or the data's span), and the rows in them.
    public var window = TimeWindow.Span(firstDay: 0, lastDay: 0)
    public var windowIsDay = false
    public var inWindow = 0
    /// The least time outside the window, in ticks.
    public var outsideExample: Int64?
    public var validRows = 0
    public var invalidAddresses = 0
    /// The least (byte order) invalid row, as `SourceIP …, DestinationIP …`.
    public var invalidExample: String?
    /// Valid rows with a destination name, of them through a proxy, and rows whose name fields
    /// held no usable name (`HostName`).
    public var namedRows = 0
    public var proxiedRows = 0
    public var invalidNames = 0
    public var afterDirection = 0
    public var icmpErrors = 0
    public var noiseDestinations = 0
    public var afterNoise = 0
    public var afterAllowlist = 0
    public var allowNetworks = 0
    public var allowPorts = 0
    public var allowHostNames = 0
    /// Rows the host-name entries dropped.
    public var allowlistedNames = 0
    public var allowlistGiven = false
    public var flows = 0
    /// Distinct internal sources of the hunted rows, and the popular threshold they give.
    public var internalHosts = 0
    public var popularThreshold = 0
    /// Flows periodic enough to report but for the many internal hosts polling the same target.
    public var popular = 0
    public var candidates = 0
    public var beacons = 0
    public var bursts = 0
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
        "time window", c.inWindow,
        detail: windowDetail(c)),
      StepCount(
        "valid addresses", c.validRows,
        detail: c.invalidAddresses > 0
          ? "\(groupedDigits(c.invalidAddresses)) rows without a valid SourceIP and DestinationIP, e.g. "
            + (c.invalidExample ?? "") : nil),
      StepCount(
        "host names", c.namedRows,
        detail:
          "rows keyed by the destination's name: \(groupedDigits(c.proxiedRows)) through a proxy"
          + (c.invalidNames > 0
            ? "; \(groupedDigits(c.invalidNames)) rows with an unusable name, keyed by address"
            : "")),
      StepCount(
        "direction", c.afterDirection,
        detail: p.anyDirection ? "any" : "internal → external"),
      StepCount(
        "noise", c.afterNoise,
        detail:
          "\(groupedDigits(c.icmpErrors)) ICMP error replies, \(groupedDigits(c.noiseDestinations)) to link-local, multicast or broadcast addresses"
      ),
      StepCount(
        "allowlist", c.afterAllowlist,
        detail: !c.allowlistGiven
          ? "none given"
          : "\(groupedDigits(c.afterNoise - c.afterAllowlist)) rows dropped; \(c.allowNetworks) networks, \(c.allowPorts) ports"
            + (c.allowHostNames == 0
              ? ""
              : ", \(c.allowHostNames) host names (\(groupedDigits(c.allowlistedNames)) rows)")),
      StepCount(
        "flows", c.flows, detail: "source, destination (name, else address), port, protocol"),
      StepCount("candidates", c.candidates, detail: "flows with enough connections"),
      StepCount(
        "popular behaviour", c.popular,
        detail:
          "periodic flows scored below \(p.minScore) because many internal hosts poll the same destination and port (½ the score at \(c.popularThreshold) of \(c.internalHosts) internal hosts)"
      ),
      StepCount("beacons", c.beacons, detail: "score ≥ \(p.minScore)"),
      StepCount(
        "bursts", c.bursts, detail: "periodic for part of the window, score ≥ \(p.minScore)"),
      StepCount("strobes", c.strobes),
    ]
    return steps
  }

  static func windowDetail(_ c: Counts) -> String {
    let first = CivilDate(daysSinceEpoch: Int(c.window.firstDay))
    let last = CivilDate(daysSinceEpoch: Int(c.window.lastDay))
    var text =
      c.windowIsDay
      ? "the hunted day \(first) (UTC)"
      : "the data's span \(first)\(first == last ? "" : " – \(last)") (UTC)"
    let outside = c.afterVendor - c.inWindow
    if outside > 0 {
      text +=
        "; \(groupedDigits(outside)) rows outside it, not hunted"
        + (c.outsideExample.map { ", e.g. \(Timestamp(ticks: $0))" } ?? "")
    }
    if c.inWindow > 0, c.window.looksRelative {
      text += "; warning: times in 1970 look relative (seconds since the capture began), not dates"
    }
    return text
  }
}
