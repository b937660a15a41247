import BeaconCore

/// The periodicity method's parameters, with their defaults (one place for each).
public struct PeriodicityParameters: Sendable, Equatable {
  /// Flows need at least this many check-ins…
  public var minConnections = 10
  /// …spanning at least this many periods.
  public var minPeriods = 5.0
  /// Findings need at least this score.
  public var minScore = 0.75
  /// Connections closer than this (seconds) are one check-in.
  public var mergeWindow = 1.0
  /// TCP connections from the same source port within this many seconds of the previous one
  /// are retries of one attempt (`PeriodicityMethod.retries` says why 60 s).
  public var retryWindow = 60.0
  /// Behaviour is popular (infrastructure) when at least this many internal sources show it…
  public var popularDestination = 10
  /// …or this share of the hunt's internal sources, whichever is more.
  public var popularShare = 0.05
  /// A burst (an operator's session) needs at least this many check-ins…
  public var burstMinCheckIns = 30
  /// …over at least this many seconds.
  public var burstMinSpan = 3600.0
  /// Median interval (seconds) below which a dense flow is a strobe…
  public var strobeInterval = 1.0
  /// …when it has at least this many connections.
  public var strobeMinConnections = 60
  /// Keep every direction, not only internal → external.
  public var anyDirection = false
  /// Internal networks (CIDR text); default RFC 1918, RFC 6598, IPv6 ULA.
  public var internalNetworks: [String]? = nil
  /// Allowlist files (`--allow`).
  public var allowFiles: [String] = []
  /// Where per-day history summaries are cached (`--cache`); nil summarises history every run.
  public var cacheFolder: String? = nil

  public init() {}
}
