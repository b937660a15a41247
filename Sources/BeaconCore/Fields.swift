/// The CommonSecurityLog fields a hunt reads, with their Log Analytics names (exact case).
///
/// This is the one place those names are spelled: the loader matches JSON keys against them, the
/// Spark SQL selects them, the simulator writes them and the exporters name output columns after them.
public enum CSLField: String, CaseIterable, Sendable {
  case timeGenerated = "TimeGenerated"
  case sourceIP = "SourceIP"
  case destinationIP = "DestinationIP"
  case sourcePort = "SourcePort"
  case destinationPort = "DestinationPort"
  case `protocol` = "Protocol"
  case receivedBytes = "ReceivedBytes"
  case sentBytes = "SentBytes"
  case deviceVendor = "DeviceVendor"
  /// The destination's name (SNI, `Host`), and a proxy's request URL (`HostName` reads both).
  case destinationHostName = "DestinationHostName"
  case requestURL = "RequestURL"

  /// The field's JSON type as the export carries it.
  public enum Kind: Sendable { case time, string, int32, int64 }

  public var kind: Kind {
    switch self {
    case .timeGenerated: .time
    case .sourceIP, .destinationIP, .protocol, .deviceVendor, .destinationHostName, .requestURL:
      .string
    case .sourcePort, .destinationPort: .int32
    case .receivedBytes, .sentBytes: .int64
    }
  }

  /// The name as it appears in the export and in findings.
  public var name: String { rawValue }
}
