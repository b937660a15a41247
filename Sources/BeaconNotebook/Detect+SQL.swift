import BeaconCore

extension NotebookMethod {
  /// Steps 4–7 as Spark SQL, beside `NotebookMethod`: the same order, tie-breaks, null rules and
  /// arithmetic. The differential tests run both on the same data and require identical output.
  public enum SQL {
    /// The last of steps 3–5 a lagged row passes, in the `stage` column of `stepsView`.
    public enum Stage: Int, CaseIterable, Sendable {
      /// Baselined, but without a previous row or with one of the nine fields null.
      case baselined = 0
      /// With a delta (step 4), not above the threshold.
      case complete = 1
      /// With a delta above the threshold (step 5).
      case passing = 2

      public static let column = "stage"
    }

    /// Every lagged row counted by `Stage`; the passing rows by their flow and delta too (the
    /// groups of step 5, before the other steps' rows are dropped).
    public static let stepsView = "bh_steps"

    /// `bh_lagged` … `bh_scored` over `bh_baselined`.
    public static var detectCTE: String {
      let P = NotebookSQLParameter.self
      // Step 4's order: the Decision's tie-breaks (ASC puts nulls first), then DeviceVendor.
      let order =
        "Ticks, DestinationIP, DestinationPort, Protocol, SourcePort, SentBytes, ReceivedBytes, DeviceVendor"
      // floor(ticks / 10^7) exactly, for negative ticks too (integer `div` truncates toward zero).
      func seconds(_ t: String) -> String { "((\(t) - pmod(\(t), 10000000)) div 10000000)" }
      let nineFields = [
        "SourcePort", "DestinationPort", "Protocol", "ReceivedBytes", "SentBytes", "DeviceVendor",
      ]
      .map { "\($0) IS NOT NULL" }.joined(separator: " AND ")
      // Every lagged row is counted in one aggregate, tagged with the last step it passes: the
      // run summary's counts come from this aggregate's shuffle, which the findings use too.
      // Scalar subqueries over `bh_deltas` and `bh_grouped` each ran the join, the window and
      // the grouping again. A row that does not pass step 5 is counted without its flow's
      // columns, so those rows make one group a step, not one a flow.
      let stage = Stage.self
      let complete = "PrevTicks IS NOT NULL AND \(nineFields)"
      let delta = "\(seconds("Ticks")) - \(seconds("PrevTicks"))"
      let passes = "\(stage.column) = \(stage.passing.rawValue)"
      func kept(_ column: String) -> String {
        "CASE WHEN \(passes) THEN \(column) END AS \(column)"
      }
      let keys = [
        "DeviceVendor", "SourceIP", "DestinationIP", "DestinationPort", "Protocol", "Timedelta",
      ]
      return """
        bh_lagged AS (
          SELECT *, lag(Ticks) OVER (PARTITION BY SourceIP ORDER BY \(order)) AS PrevTicks FROM bh_baselined
        ),
        bh_staged AS (
          SELECT *, CASE WHEN NOT (\(complete)) THEN \(stage.baselined.rawValue)
              WHEN \(delta) > \(P.timeDelta.marker) THEN \(stage.passing.rawValue)
              ELSE \(stage.complete.rawValue) END AS \(stage.column),
            CASE WHEN \(complete) THEN \(delta) END AS Timedelta
          FROM bh_lagged
        ),
        \(stepsView) AS (
          SELECT \(keys.joined(separator: ", ")), \(stage.column),
            count(*) AS Timedeltacount, try_sum(SentBytes) AS TotalSentBytes,
            try_sum(ReceivedBytes) AS TotalReceivedBytes, first(DegreeofSourceIps) AS DegreeofSourceIps
          FROM (
            SELECT \(stage.column), SentBytes, ReceivedBytes, DegreeofSourceIps,
              \(keys.map(kept).joined(separator: ", "))
            FROM bh_staged
          )
          GROUP BY \(keys.joined(separator: ", ")), \(stage.column)
        ),
        bh_grouped AS (
          SELECT \(keys.joined(separator: ", ")), Timedeltacount, TotalSentBytes, TotalReceivedBytes,
            Timedeltacount AS Totalevents, DegreeofSourceIps
          FROM \(stepsView) WHERE \(passes)
        ),
        bh_windowed AS (
          SELECT *, collect_list(Timedeltacount) OVER w3 AS Timedeltalist, sum(Timedeltacount) OVER w3 AS Timedeltalistcount
          FROM bh_grouped
          WINDOW w3 AS (PARTITION BY DeviceVendor, SourceIP, DestinationIP, DestinationPort ORDER BY Timedelta, Protocol
            ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
        ),
        bh_scored AS (
          SELECT *,
            sum(Timedeltalistcount) OVER (PARTITION BY SourceIP, DestinationIP, DestinationPort) AS Totaleventcount,
            Timedeltalistcount / sum(Timedeltalistcount) OVER (PARTITION BY DeviceVendor, SourceIP, DestinationIP, DestinationPort) * 100.0D AS Percentbeacon
          FROM bh_windowed
        )
        """
    }

    /// The findings, in the contract's columns and the report order (step 7).
    public static var findingsSelect: String {
      "\(findingsUnordered)\nORDER BY \(findingsOrder(of: nil))"
    }

    /// The findings in the contract's columns, in no order (step 7's filter).
    public static var findingsUnordered: String {
      let P = NotebookSQLParameter.self
      return """
        SELECT \(NotebookFinding.columns.joined(separator: ", "))
        FROM bh_scored
        WHERE Percentbeacon > \(P.percentBeacon.marker) AND Totaleventcount > \(P.dailyEventCount.marker)
        """
    }

    /// The report order (step 7) as an ORDER BY list, of the columns of `relation` if given.
    public static func findingsOrder(of relation: String?) -> String {
      let q = relation.map { $0 + "." } ?? ""
      let c: [(FindingColumn, String)] = [
        (.percentBeacon, " DESC"), (.sourceIP, ""), (.destinationIP, ""), (.destinationPort, ""),
        (.timedelta, ""), (.protocol, ""), (.deviceVendor, ""),
      ]
      return c.map { q + $0.0.name + $0.1 }.joined(separator: ", ")
    }
  }
}
