/// Every column a findings file can hold, with its name as written (exact case): the notebook
/// method's output, the periodicity method's, and the columns enrichment appends.
///
/// This is the one place those names are spelled. Each finding type lists its columns from it, in
/// output order, and the exporters, the findings reader, enrichment, the report, the CLI's
/// summaries and the Spark decoder look columns up by it.
public enum FindingColumn: String, CaseIterable, Sendable {
  // The notebook method's output (spec/notebook-method.md, "Output").
  case destinationIP = "DestinationIP"
  case deviceVendor = "DeviceVendor"
  case sourceIP = "SourceIP"
  case destinationPort = "DestinationPort"
  case `protocol` = "Protocol"
  case timedelta = "Timedelta"
  case timedeltaCount = "Timedeltacount"
  case totalSentBytes = "TotalSentBytes"
  case totalReceivedBytes = "TotalReceivedBytes"
  case totalEvents = "Totalevents"
  case degreeOfSourceIPs = "DegreeofSourceIps"
  case timedeltaList = "Timedeltalist"
  case timedeltaListCount = "Timedeltalistcount"
  case totalEventCount = "Totaleventcount"
  case percentBeacon = "Percentbeacon"

  // The periodicity method's output (spec/periodicity-method.md), beyond the columns above.
  case destinationHostName = "DestinationHostName"
  case destinationIPs = "DestinationIPs"
  case destinationIPCount = "DestinationIPCount"
  case kind = "Kind"
  case score = "Score"
  case regularity = "Regularity"
  case dispersion = "Dispersion"
  case persistence = "Persistence"
  case sizeConsistency = "SizeConsistency"
  case period = "Period"
  case jitter = "Jitter"
  case missedBeatShare = "MissedBeatShare"
  case connections = "Connections"
  case checkIns = "CheckIns"
  case firstSeen = "FirstSeen"
  case lastSeen = "LastSeen"
  case prevalence = "Prevalence"
  case periodicPeers = "PeriodicPeers"
  case destinationFirstSeen = "DestinationFirstSeen"
  case reason = "Reason"
  case intervalHistogram = "IntervalHistogram"
  case timeline = "Timeline"

  // Appended by offline enrichment (MaxMind DB, threat-intel feeds).
  case destinationCountry = "DestinationCountry"
  case destinationCity = "DestinationCity"
  case destinationLatitude = "DestinationLatitude"
  case destinationLongitude = "DestinationLongitude"
  case destinationASN = "DestinationASN"
  case destinationASOrganization = "DestinationASOrganization"
  case threatIntel = "ThreatIntel"
  case severity = "Severity"
  case enrichmentError = "EnrichmentError"

  // Appended by RDAP lookups (`--rdap`).
  case destinationNetworkName = "DestinationNetworkName"
  case destinationRegistrant = "DestinationRegistrant"
  case destinationAbuseEmail = "DestinationAbuseEmail"
  case rdapError = "RDAPError"

  /// The name as a findings file and a SQL result carry it.
  public var name: String { rawValue }
}

extension Array where Element == String {
  /// Where `column` sits in a list of column names, if it is there.
  public func firstIndex(of column: FindingColumn) -> Int? { firstIndex(of: column.name) }
}
