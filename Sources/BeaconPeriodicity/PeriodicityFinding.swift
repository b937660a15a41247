import BeaconCore

/// What the periodicity method reports about a flow.
public enum FlowKind: String, Sendable {
  /// Regular check-ins (the C2 beacon pattern).
  case beacon
  /// Very fast, dense connections (reconnect storms), kept apart from beacon scores.
  case strobe
  /// Regular check-ins for part of the window only (an operator's session): persistence is
  /// taken over the burst's own span.
  case burst
}

/// One finding of the periodicity method: a flow, its score with the sub-scores behind it, the
/// estimated period and jitter, counts, times, bytes, prevalence and a one-line reason.
public struct PeriodicityFinding: FindingRecord, Hashable {
  public var sourceIP: String
  /// The destination's name when the flow is keyed by one (`HostName`); nil for an address.
  public var destinationHostName: String?
  /// The least (byte order) of the addresses the flow's connections went to: the address
  /// itself, or for a name one of its addresses (or its proxy), which enrichment looks up.
  public var destinationIP: String
  /// The first `maxDestinationIPs` of those addresses in byte order, and how many there were.
  public var destinationIPs: [String]
  public var destinationIPCount: Int64
  public var destinationPort: Int32?
  public var `protocol`: String?
  public var kind: FlowKind
  public var score: Double
  public var regularity: Double
  public var dispersion: Double
  public var persistence: Double
  /// nil when the input has no byte counts for this flow.
  public var sizeConsistency: Double?
  /// Estimated seconds between check-ins.
  public var period: Double
  /// Estimated jitter as a fraction of the period.
  public var jitter: Double
  /// Share of expected check-ins that did not happen.
  public var missedBeatShare: Double
  public var connections: Int64
  /// Check-ins the intervals were taken between: connections less retries and merged repeats.
  public var checkIns: Int64
  public var firstSeen: Timestamp
  public var lastSeen: Timestamp
  /// Sums of the known byte counts; nil when a sum overflows 64 bits (hostile input).
  public var totalSentBytes: Int64?
  public var totalReceivedBytes: Int64?
  /// Distinct internal sources that reached the destination (today and in the history).
  public var prevalence: Int64
  /// Distinct internal sources whose flow to this destination, port and protocol is itself
  /// periodic (this one included): the prevalence of the behaviour, which lowers the score.
  public var periodicPeers: Int64
  /// When the destination was first seen (in the history, or today).
  public var destinationFirstSeen: Timestamp
  public var reason: String
  /// Intervals between check-ins (strobes: connections) in quarter periods, 0–4.5 periods and
  /// over: the shape of the rhythm, for the report's histogram.
  public var intervalHistogram: [Int64]
  /// Connections in each of `timelineBins` equal slices of the hunt's window.
  public var timeline: [Int64]

  /// `source>destination`, the destination being the flow's key (its name, else its address):
  /// how evaluations match findings to labelled beacons.
  public var pairKey: String { "\(sourceIP)>\(destinationKey)" }

  /// The flow's destination: its name, else its address (`ConnectionRecord.destinationKey`).
  public var destinationKey: String { destinationHostName ?? destinationIP }

  /// `intervalHistogram` has this many bins of a quarter period; the last holds the rest.
  public static let histogramBins = 19
  public static let histogramBinWidth = 0.25
  public static let timelineBins = 48
  /// A name's addresses reported with it (all of them are counted).
  public static let maxDestinationIPs = 8

  public init(
    sourceIP: String, destinationHostName: String? = nil, destinationIP: String,
    destinationIPs: [String]? = nil, destinationIPCount: Int64? = nil,
    destinationPort: Int32?, protocol: String?,
    kind: FlowKind,
    score: Double, regularity: Double, dispersion: Double, persistence: Double,
    sizeConsistency: Double?,
    period: Double, jitter: Double, missedBeatShare: Double, connections: Int64,
    firstSeen: Timestamp,
    lastSeen: Timestamp, totalSentBytes: Int64?, totalReceivedBytes: Int64?, prevalence: Int64,
    periodicPeers: Int64 = 1, checkIns: Int64? = nil,
    destinationFirstSeen: Timestamp? = nil, reason: String, intervalHistogram: [Int64] = [],
    timeline: [Int64] = []
  ) {
    self.intervalHistogram = intervalHistogram
    self.timeline = timeline
    self.sourceIP = sourceIP
    self.destinationHostName = destinationHostName
    self.destinationIP = destinationIP
    self.destinationIPs = destinationIPs ?? [destinationIP]
    self.destinationIPCount = destinationIPCount ?? Int64(self.destinationIPs.count)
    self.destinationPort = destinationPort
    self.protocol = `protocol`
    self.kind = kind
    self.score = score
    self.regularity = regularity
    self.dispersion = dispersion
    self.persistence = persistence
    self.sizeConsistency = sizeConsistency
    self.period = period
    self.jitter = jitter
    self.missedBeatShare = missedBeatShare
    self.connections = connections
    self.firstSeen = firstSeen
    self.lastSeen = lastSeen
    self.totalSentBytes = totalSentBytes
    self.totalReceivedBytes = totalReceivedBytes
    self.prevalence = prevalence
    self.periodicPeers = periodicPeers
    self.checkIns = checkIns ?? connections
    self.reason = reason
    if let d = destinationFirstSeen {
      self.destinationFirstSeen = d
    } else {
      self.destinationFirstSeen = firstSeen
    }
  }

  public static let columns =
    ([
      .sourceIP, .destinationHostName, .destinationIP, .destinationIPs, .destinationIPCount,
      .destinationPort, .`protocol`, .kind, .score, .regularity, .dispersion, .persistence,
      .sizeConsistency, .period, .jitter, .missedBeatShare, .connections, .checkIns, .firstSeen,
      .lastSeen, .totalSentBytes, .totalReceivedBytes, .prevalence, .periodicPeers,
      .destinationFirstSeen, .reason, .intervalHistogram, .timeline,
    ] as [FindingColumn]).map(\.name)

  /// Scores and estimates are rounded to 6 decimals, so that engines agree within 1e-6 byte for byte.
  public var cells: [Cell] {
    func r(_ v: Double) -> Cell { .double((v * 1e6).rounded() / 1e6) }
    return [
      .string(sourceIP), destinationHostName.map(Cell.string) ?? .null, .string(destinationIP),
      .stringList(destinationIPs), .int(destinationIPCount),
      destinationPort.map { .int(Int64($0)) } ?? .null,
      self.protocol.map(Cell.string) ?? .null, .string(kind.rawValue), r(score), r(regularity),
      r(dispersion),
      r(persistence), sizeConsistency.map(r) ?? .null, r(period), r(jitter), r(missedBeatShare),
      .int(connections), .int(checkIns),
      .string(firstSeen.description), .string(lastSeen.description),
      totalSentBytes.map(Cell.int) ?? .null,
      totalReceivedBytes.map(Cell.int) ?? .null,
      .int(prevalence), .int(periodicPeers), .string(destinationFirstSeen.description),
      .string(reason),
      .intList(intervalHistogram), .intList(timeline),
    ]
  }
}
