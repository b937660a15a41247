import BeaconCore

extension NotebookPrepare {
  /// Steps 1 and 2 as Spark SQL, beside `NotebookPrepare` (same semantics, held together by the
  /// differential tests).
  public enum SQL {
    /// `bh_vendor` (step 1) and `bh_prepared` (step 2) over `bh_rows`.
    public static var preparedCTE: String {
      let P = VendorSQLParameter.self
      let privateTest = NotebookPrivatePrefixes.prefixes.map {
        "startswith(DestinationIP, \(SQLText.stringLiteral($0)))"
      }
      .joined(separator: " OR ")
      return """
        bh_vendor AS (
          SELECT * FROM bh_rows WHERE status = 'ok' AND (\(P.allVendors.marker) OR DeviceVendor = \(P.vendor.marker))
        ),
        bh_prepared AS (
          SELECT * FROM bh_vendor WHERE DestinationIP IS NOT NULL AND NOT (\(privateTest))
        )
        """
    }
  }
}
