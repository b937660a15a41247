import BeaconCore

/// How a beacon's sleep is jittered.
public enum JitterKind: String, Codable, Sendable, CaseIterable {
  /// period × (1 + U(−j, +j)).
  case uniform
  /// Cobalt Strike's sleep: period × (1 − U(0, j)), never longer than the period.
  case cobaltStrike = "cobalt-strike"
}

/// A labelled beacon in a simulation.
public struct BeaconScenario: Codable, Sendable, Equatable {
  public var name: String
  /// Seconds between check-ins before jitter.
  public var period: Double
  /// Jitter as a fraction of the period (0 = exact).
  public var jitter: Double
  public var jitterKind: JitterKind
  /// Share of check-ins that never happen (the sleep still passes).
  public var missedBeats: Double
  /// `quiet`: a host that does little else; `busy`: a workstation that also browses.
  public var host: HostKind
  public var destinationPort: Int
  public var `protocol`: String
  public var vendor: String
  /// Mean bytes sent per check-in (near-constant, as check-ins are).
  public var sentBytes: Int
  /// Beacons with the same campaign name share one C2 destination (several infected hosts).
  public var campaign: String? = nil
  /// Each check-in's TCP open goes unanswered and is retried this many times from the same
  /// source port (after 3 s, 9 s, 21 s …), and Zeek logs every attempt.
  public var retries: Int? = nil
  /// The C2 sits on one of the popular addresses every workstation browses (a CDN or cloud
  /// front), so its destination is common while its behaviour is not.
  public var behindPopularAddress: Bool? = nil
  /// The C2 is reached only through the organisation's web proxy: the firewall sees the host
  /// talk to the proxy, and the proxy's log names the C2 in `RequestURL`.
  public var viaProxy: Bool? = nil
  /// The web proxy's port, where proxied beacons connect.
  public static let proxyPort: Int32 = 8080
  /// Seconds of the day the beacon runs in (an operator's session); nil runs all day.
  public var activeFrom: Double? = nil
  public var activeUntil: Double? = nil

  public enum HostKind: String, Codable, Sendable { case quiet, busy }

  public init(
    name: String, period: Double, jitter: Double = 0, jitterKind: JitterKind = .uniform,
    missedBeats: Double = 0,
    host: HostKind = .quiet, destinationPort: Int = 443, protocol: String = "TCP",
    vendor: String = "Fortinet",
    sentBytes: Int = 412
  ) {
    self.name = name
    self.period = period
    self.jitter = jitter
    self.jitterKind = jitterKind
    self.missedBeats = missedBeats
    self.host = host
    self.destinationPort = destinationPort
    self.protocol = `protocol`
    self.vendor = vendor
    self.sentBytes = sentBytes
  }

  /// A mixed set: beacons the notebook method can see (exact, quiet host, period > 15 s) and the
  /// ones it is known to miss (jitter, 5 s Empire default, busy host, a C2 on a CDN front every
  /// host browses, a C2 reached only through the web proxy).
  public static let standardSet: [BeaconScenario] = [
    BeaconScenario(name: "exact-60s-quiet", period: 60),
    BeaconScenario(name: "exact-300s-quiet", period: 300, destinationPort: 8443),
    BeaconScenario(name: "cobalt-60s-20pct", period: 60, jitter: 0.2, jitterKind: .cobaltStrike),
    BeaconScenario(
      name: "sliver-75s-20pct-busy", period: 75, jitter: 0.2, host: .busy,
      vendor: "Palo Alto Networks"),
    BeaconScenario(name: "empire-5s", period: 5, destinationPort: 80),
    BeaconScenario(name: "exact-300s-busy", period: 300, host: .busy),
    BeaconScenario(name: "missed-120s-10pct", period: 120, jitter: 0.1, missedBeats: 0.15),
    {
      var b = BeaconScenario(name: "cdn-fronted-120s-20pct", period: 120, jitter: 0.2)
      b.behindPopularAddress = true
      return b
    }(),
    {
      var b = BeaconScenario(name: "proxied-300s-10pct", period: 300, jitter: 0.1, host: .busy)
      b.viaProxy = true
      return b
    }(),
  ]
}

/// Everything a simulation needs; the same configuration and seed give byte-identical files.
public struct SimulationConfig: Sendable {
  public var seed: UInt64 = 1
  public var endDate: CivilDate = CivilDate(year: 2021, month: 11, day: 1)!
  /// Days written, ending at `endDate`.
  public var days = 1
  /// Internal workstations that browse.
  public var hosts = 60
  /// Rows per day, all kinds together (approximate: beacons and periodic traffic come first).
  public var rowsPerDay = 20_000
  /// `PT1H.json` hourly files instead of 5-minute ones.
  public var hourly = false
  /// Split a 5-minute file into `PT05M_1.json`, … after this many records (0: never).
  public var maxRecordsPerFile = 0
  public var beacons = BeaconScenario.standardSet
  /// NTP and telemetry polled by many hosts: periodic, but to popular destinations.
  public var benignPeriodic = true
  /// C2 addresses for the beacons, in order (campaigns share theirs); empty draws fresh public
  /// addresses. The demo uses addresses MaxMind's test databases locate, so its report's map
  /// has markers with them.
  public var c2Addresses: [String] = []
  /// Malformed lines mixed into the files (not JSON, bad time, wrong-typed fields).
  public var corruptLines = 0
  /// One row dated 1970 and one in 2200 in each day's first file, as a broken clock writes.
  public var strayTimestamps = false
  public var workspace = "ws-beaconhunt-demo"

  public init() {}
}

/// What a simulation wrote, saved as `truth.json` beside the export.
public struct SimulationTruth: Codable, Sendable {
  public struct Beacon: Codable, Sendable, Equatable {
    public var scenario: BeaconScenario
    public var sourceIP: String
    /// The address the connections went to (for a proxied beacon, the proxy's).
    public var destinationIP: String
    /// The C2's name, as the logs carry it (SNI, or the proxy's `RequestURL`).
    public var destinationHostName: String?
    public var events: Int

    /// The flow key a periodicity hunt reports it by (`PeriodicityFinding.pairKey`).
    public var pairKey: String { "\(sourceIP)>\(destinationHostName ?? destinationIP)" }
    /// By address, as the notebook method keys flows.
    public var addressPairKey: String { "\(sourceIP)>\(destinationIP)" }
  }

  public struct Periodic: Codable, Sendable {
    public var name: String
    public var destinationIP: String
    public var destinationHostName: String?
    public var destinationPort: Int
    public var period: Double
    public var sources: Int
  }

  public var seed: UInt64
  public var endDate: String
  public var days: Int
  /// The folder to pass as `--root` (the container root also works).
  public var workspaceRoot: String
  public var rows: Int
  public var corruptLines: Int
  public var beacons: [Beacon]
  public var benignPeriodic: [Periodic]
}
