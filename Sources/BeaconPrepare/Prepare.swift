import BeaconCore

/// Steps 1 and 2 of the notebook method: the vendor filter and public destinations.
public enum NotebookPrepare {
  /// Keeps rows of `vendor` (exact, case-sensitive; `nil` keeps all) whose DestinationIP is
  /// present and not private by the notebook's prefix test. Returns the rows and the count
  /// after each step, for the run summary.
  public static func apply(_ rows: [ConnectionRecord], vendor: String?) -> (
    [ConnectionRecord], [StepCount]
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
    return (
      kept,
      [
        StepCount(
          "vendor filter", afterVendor,
          detail: vendor.map { "DeviceVendor == \(quote($0))" } ?? "all vendors"),
        StepCount(
          "public destinations", kept.count,
          detail: "DestinationIP not null, not 127./10./172.16-31./192.168."),
      ]
    )
  }

  static func quote(_ s: String) -> String { "\"" + s + "\"" }
}
