import BeaconCore

/// Steps 1 and 2 of the notebook method: the vendor filter and public destinations.
public enum NotebookPrepare {
  /// Keeps rows of `vendor` (exact, case-sensitive; `nil` keeps all) whose DestinationIP is
  /// present and not private by the notebook's prefix test. Returns the rows and the count
  /// after the vendor filter, for the run summary.
  public static func apply(_ rows: [ConnectionRecord], vendor: String?) -> (
    rows: [ConnectionRecord], afterVendor: Int
  ) {
    var afterVendor = 0
    var kept: [ConnectionRecord] = []
    kept.reserveCapacity(rows.count / 2)
    for r in rows {
      // Byte equality, as Spark compares strings (not Unicode canonical equivalence).
      if let vendor, Order.compare(r.deviceVendor, vendor) != 0 { continue }
      afterVendor += 1
      guard let dst = r.destinationIP, !NotebookPrivatePrefixes.matches(dst) else { continue }
      kept.append(r)
    }
    return (kept, afterVendor)
  }
}
