/// One row of the notebook method's output (`spec/notebook-method.md`, "Output").
///
/// Property names follow Swift style; `columns` carries the contract's names and order.
public struct NotebookFinding: FindingRecord, Hashable {
  public var destinationIP: String
  public var deviceVendor: String
  public var sourceIP: String
  public var destinationPort: Int32
  public var `protocol`: String
  public var timedelta: Int64
  public var timedeltaCount: Int64
  public var totalSentBytes: Int64
  public var totalReceivedBytes: Int64
  public var totalEvents: Int64
  public var degreeOfSourceIPs: Int64
  public var timedeltaList: [Int64]
  public var timedeltaListCount: Int64
  public var totalEventCount: Int64
  public var percentBeacon: Double

  public init(
    destinationIP: String, deviceVendor: String, sourceIP: String, destinationPort: Int32,
    protocol: String, timedelta: Int64, timedeltaCount: Int64, totalSentBytes: Int64,
    totalReceivedBytes: Int64, totalEvents: Int64, degreeOfSourceIPs: Int64, timedeltaList: [Int64],
    timedeltaListCount: Int64, totalEventCount: Int64, percentBeacon: Double
  ) {
    self.destinationIP = destinationIP
    self.deviceVendor = deviceVendor
    self.sourceIP = sourceIP
    self.destinationPort = destinationPort
    self.protocol = `protocol`
    self.timedelta = timedelta
    self.timedeltaCount = timedeltaCount
    self.totalSentBytes = totalSentBytes
    self.totalReceivedBytes = totalReceivedBytes
    self.totalEvents = totalEvents
    self.degreeOfSourceIPs = degreeOfSourceIPs
    self.timedeltaList = timedeltaList
    self.timedeltaListCount = timedeltaListCount
    self.totalEventCount = totalEventCount
    self.percentBeacon = percentBeacon
  }

  public static let columns = [
    "DestinationIP", "DeviceVendor", "SourceIP", "DestinationPort", "Protocol", "Timedelta",
    "Timedeltacount", "TotalSentBytes", "TotalReceivedBytes", "Totalevents", "DegreeofSourceIps",
    "Timedeltalist", "Timedeltalistcount", "Totaleventcount", "Percentbeacon",
  ]

  public var cells: [Cell] {
    [
      .string(destinationIP), .string(deviceVendor), .string(sourceIP),
      .int(Int64(destinationPort)),
      .string(self.protocol), .int(timedelta), .int(timedeltaCount), .int(totalSentBytes),
      .int(totalReceivedBytes), .int(totalEvents), .int(degreeOfSourceIPs), .intList(timedeltaList),
      .int(timedeltaListCount), .int(totalEventCount), .double(percentBeacon),
    ]
  }
}

/// The findings of one hunt, typed by method.
public enum Findings: Sendable, Equatable {
  case notebook([NotebookFinding])
  case periodicity([PeriodicityFinding])

  public var count: Int {
    switch self {
    case .notebook(let f): f.count
    case .periodicity(let f): f.count
    }
  }

  /// The notebook method's findings, or nil for another method.
  public var notebook: [NotebookFinding]? {
    if case .notebook(let f) = self { return f }
    return nil
  }

  /// The periodicity method's findings, or nil for another method.
  public var periodicity: [PeriodicityFinding]? {
    if case .periodicity(let f) = self { return f }
    return nil
  }

  /// Column names and rows of cells, for the exporters.
  public var table: (columns: [String], rows: [[Cell]]) {
    switch self {
    case .notebook(let f): (NotebookFinding.columns, f.map(\.cells))
    case .periodicity(let f): (PeriodicityFinding.columns, f.map(\.cells))
    }
  }
}
