import BeaconCore

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

  public static let columns =
    ([
      .destinationIP, .deviceVendor, .sourceIP, .destinationPort, .`protocol`, .timedelta,
      .timedeltaCount, .totalSentBytes, .totalReceivedBytes, .totalEvents, .degreeOfSourceIPs,
      .timedeltaList, .timedeltaListCount, .totalEventCount, .percentBeacon,
    ] as [FindingColumn]).map(\.name)

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
