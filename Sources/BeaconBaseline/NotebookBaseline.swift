import BeaconCore

/// Step 3 of the notebook method: keep busy sources talking to rare destinations.
public enum NotebookBaseline {
  public struct Result: Sendable {
    /// The rows whose source is busy and whose destination is rare.
    public var rows: [ConnectionRecord]
    /// Distinct non-null SourceIPs per DestinationIP, over all prepared rows (`DegreeofSourceIps`).
    public var degree: [ExactString: Int]
    public var busySources: Int
    public var rareDestinations: Int
  }

  /// `rows` are the prepared rows (after the vendor and public-destination filters); every row
  /// has a DestinationIP.
  public static func apply(_ rows: [ConnectionRecord], thresholds: NotebookThresholds) -> Result {
    // Keys compare by bytes, as Spark's grouping does (see `ExactString`).
    var perSource: [ExactString: Int] = [:]
    var pairs = Set<SourceDestination>()
    for r in rows {
      guard let src = r.sourceIP else { continue }  // a null source is never busy, nor counted
      perSource[ExactString(src), default: 0] += 1
      pairs.insert(
        SourceDestination(source: ExactString(src), destination: ExactString(r.destinationIP!)))
    }
    var degree: [ExactString: Int] = [:]
    for p in pairs { degree[p.destination, default: 0] += 1 }
    for r in rows where degree[ExactString(r.destinationIP!)] == nil {
      degree[ExactString(r.destinationIP!)] = 0
    }
    let busy = perSource.filter { $0.value > thresholds.dailyEventCountThreshold }
    let rare = degree.filter { $0.value < thresholds.degreeOfSourceIPThreshold }
    let kept = rows.filter { r in
      guard let src = r.sourceIP, busy[ExactString(src)] != nil else { return false }
      return rare[ExactString(r.destinationIP!)] != nil
    }
    return Result(rows: kept, degree: degree, busySources: busy.count, rareDestinations: rare.count)
  }

  struct SourceDestination: Hashable {
    var source: ExactString
    var destination: ExactString
  }
}
