import BeaconCore

extension Prevalence {
  /// `Prevalence` as Spark SQL: distinct internal sources and first-seen time per destination, over today's
  /// prepared rows and the history days' (which Spark reads and prepares on the cluster, where the
  /// native engine reads cached `DaySummary` files).
  public enum SQL {
    /// `bh_prevalence(DestinationKey, Prevalence, DestinationFirstTicks)` over the given views:
    /// by the destination's name where the row has one, else its address (`DestinationKey`).
    public static func prevalenceCTE(of views: [String]) -> String {
      let rows = views.map { "SELECT SourceIP, DestinationKey, Ticks, src_internal FROM \($0)" }
      return """
        bh_prevalence AS (
          SELECT DestinationKey, count(DISTINCT CASE WHEN src_internal THEN SourceIP END) AS Prevalence,
            min(Ticks) AS DestinationFirstTicks
          FROM (\(rows.joined(separator: " UNION ALL "))) GROUP BY DestinationKey
        )
        """
    }
  }
}
