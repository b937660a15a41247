import BeaconCore

extension NotebookPrepare {
  /// Steps 1 and 2 as Spark SQL, beside `NotebookPrepare` (same semantics, held together by the
  /// differential tests).
  public enum SQL {
    /// Step 1 as a condition on a row of `bh_rows`: parsed, and of the vendor asked for.
    public static var vendorCondition: String {
      let P = VendorSQLParameter.self
      return "status = 'ok' AND (\(P.allVendors.marker) OR DeviceVendor = \(P.vendor.marker))"
    }

    /// Step 2 as a condition on a row of `bh_vendor`: a destination outside the notebook's
    /// private prefixes.
    public static var preparedCondition: String {
      let privateTest = NotebookPrivatePrefixes.prefixes.map {
        "startswith(DestinationIP, \(SQLText.stringLiteral($0)))"
      }
      .joined(separator: " OR ")
      return "DestinationIP IS NOT NULL AND NOT (\(privateTest))"
    }

    /// `bh_vendor` (step 1) and `bh_prepared` (step 2) over `bh_rows`.
    public static var preparedCTE: String {
      """
      bh_vendor AS (
        SELECT * FROM bh_rows WHERE \(vendorCondition)
      ),
      bh_prepared AS (
        SELECT * FROM bh_vendor WHERE \(preparedCondition)
      )
      """
    }
  }
}
