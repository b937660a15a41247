import BeaconCore

/// Step 3 of the notebook method: keep busy sources talking to rare destinations.
public enum NotebookBaseline {
  public struct Result: Sendable {
    /// The rows whose source is busy and whose destination is rare (ids of the prepared pool),
    /// when the prepared rows are in memory; on disk, `kept(_:)` filters each partition.
    public var rows: [CompactRow]
    /// `DegreeofSourceIps` by destination id: distinct non-null SourceIPs per DestinationIP,
    /// over all prepared rows; -1 for an id that is no row's destination.
    public var degreeByID: [Int32]
    public var busySources: Int
    public var rareDestinations: Int
    /// Rows per source id.
    var perSource: [Int]
    let busyLimit: Int
    let rareLimit: Int32

    /// `DegreeofSourceIps` of a destination given as text (nil when no row goes there).
    public func degree(of destination: String, in pool: StringPool) -> Int? {
      guard let id = pool.find(destination), degreeByID[Int(id)] >= 0 else { return nil }
      return Int(degreeByID[Int(id)])
    }

    /// The rows of `prepared` (or of a partition of them) whose source is busy and whose
    /// destination is rare.
    public func kept(_ prepared: [CompactRow]) -> [CompactRow] {
      prepared.filter { r in
        r.source != StringPool.none && perSource[Int(r.source)] > busyLimit
          && degreeByID[Int(r.destination)] < rareLimit
      }
    }
  }

  /// `prepared` are the rows after the vendor and public-destination filters; every row has a
  /// DestinationIP. Ids group by bytes, as Spark's grouping does (see `StringPool`). Rows on
  /// disk are read a partition at a time: a partition holds all of its sources' rows, so the
  /// distinct (source, destination) pairs of one are never those of another.
  public static func apply(_ prepared: NotebookRows, thresholds: NotebookThresholds)
    throws(SpillError) -> Result
  {
    let n = prepared.pool.count
    var perSource = [Int](repeating: 0, count: n)
    var degree = [Int32](repeating: -1, count: n)
    for p in 0..<prepared.partitions {
      var pairs = Set<UInt64>()
      for r in try prepared.blocks(ofPartition: p).joined() {
        if degree[Int(r.destination)] < 0 { degree[Int(r.destination)] = 0 }
        guard r.source != StringPool.none else { continue }  // a null source is never busy, nor counted
        perSource[Int(r.source)] += 1
        if pairs.insert(UInt64(r.source) << 32 | UInt64(r.destination)).inserted {
          degree[Int(r.destination)] += 1
        }
      }
    }
    let busyLimit = thresholds.dailyEventCountThreshold
    let rareLimit = Int32(clamping: thresholds.degreeOfSourceIPThreshold)
    let busy = perSource.count { $0 > 0 && $0 > busyLimit }
    let rare = degree.count { $0 >= 0 && $0 < rareLimit }
    var result = Result(
      rows: [], degreeByID: degree, busySources: busy, rareDestinations: rare,
      perSource: perSource, busyLimit: busyLimit, rareLimit: rareLimit)
    if prepared.spill == nil { result.rows = prepared.blocks.flatMap(result.kept) }
    return result
  }
}
