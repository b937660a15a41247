import BeaconCore

extension NotebookBaseline {
  /// Step 3 as Spark SQL, beside `NotebookBaseline`.
  public enum SQL {
    /// The busy sources (one row each), which the run summary counts too.
    public static let busyView = "bh_busy"
    /// Each destination's number of sources (`DegreeofSourceIps`), which the summary counts too.
    public static let degreeView = "bh_degree"

    /// `bh_busy`, `bh_degree` and `bh_baselined` over `bh_prepared`.
    public static var baselinedCTE: String {
      let P = NotebookSQLParameter.self
      return """
        \(busyView) AS (
          SELECT SourceIP FROM bh_prepared WHERE SourceIP IS NOT NULL GROUP BY SourceIP
          HAVING count(*) > \(P.dailyEventCount.marker)
        ),
        \(degreeView) AS (
          SELECT DestinationIP, count(DISTINCT SourceIP) AS DegreeofSourceIps FROM bh_prepared GROUP BY DestinationIP
        ),
        bh_baselined AS (
          SELECT p.*, d.DegreeofSourceIps FROM bh_prepared p
          JOIN \(busyView) b ON p.SourceIP = b.SourceIP
          JOIN \(degreeView) d ON p.DestinationIP = d.DestinationIP
          WHERE d.DegreeofSourceIps < \(P.degreeOfSourceIP.marker)
        )
        """
    }
  }
}
