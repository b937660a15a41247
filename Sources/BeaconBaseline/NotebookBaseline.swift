import BeaconCore

/// Step 3 of the notebook method: keep busy sources talking to rare destinations.
public enum NotebookBaseline {
  public struct Result: Sendable {
    /// The rows whose source is busy and whose destination is rare.
    public var rows: [ConnectionRecord]
    /// Distinct non-null SourceIPs per DestinationIP, over all prepared rows (`DegreeofSourceIps`).
    public var degree: [String: Int]
    public var busySources: Int
    public var rareDestinations: Int
  }

  /// `rows` are the prepared rows (after the vendor and public-destination filters); every row
  /// has a DestinationIP.
  public static func apply(_ rows: [ConnectionRecord], thresholds: NotebookThresholds) -> Result {
    var perSource: [String: Int] = [:]
    var pairs = Set<SourceDestination>()
    for r in rows {
      guard let src = r.sourceIP else { continue }  // a null source is never busy, nor counted
      perSource[src, default: 0] += 1
      pairs.insert(SourceDestination(source: src, destination: r.destinationIP!))
    }
    var degree: [String: Int] = [:]
    for p in pairs { degree[p.destination, default: 0] += 1 }
    for r in rows where degree[r.destinationIP!] == nil { degree[r.destinationIP!] = 0 }
    let busy = perSource.filter { $0.value > thresholds.dailyEventCountThreshold }
    let rare = degree.filter { $0.value < thresholds.degreeOfSourceIPThreshold }
    let kept = rows.filter { r in
      guard let src = r.sourceIP, busy[src] != nil else { return false }
      return rare[r.destinationIP!] != nil
    }
    return Result(rows: kept, degree: degree, busySources: busy.count, rareDestinations: rare.count)
  }

  struct SourceDestination: Hashable {
    var source: String
    var destination: String
  }
}
