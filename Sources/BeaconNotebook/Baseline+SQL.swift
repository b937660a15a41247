import BeaconCore

extension NotebookBaseline {
  /// Step 3 as Spark SQL, beside `NotebookBaseline`.
  public enum SQL {
    /// `bh_busy`, `bh_degree` and `bh_baselined` over `bh_prepared`.
    public static var baselinedCTE: String {
      let P = NotebookSQLParameter.self
      return """
        bh_busy AS (
          SELECT SourceIP FROM bh_prepared WHERE SourceIP IS NOT NULL GROUP BY SourceIP
          HAVING count(*) > \(P.dailyEventCount.marker)
        ),
        bh_degree AS (
          SELECT DestinationIP, count(DISTINCT SourceIP) AS DegreeofSourceIps FROM bh_prepared GROUP BY DestinationIP
        ),
        bh_baselined AS (
          SELECT p.*, d.DegreeofSourceIps FROM bh_prepared p
          JOIN bh_busy b ON p.SourceIP = b.SourceIP
          JOIN bh_degree d ON p.DestinationIP = d.DestinationIP
          WHERE d.DegreeofSourceIps < \(P.degreeOfSourceIP.marker)
        )
        """
    }
  }
}
