import BeaconCore

extension NotebookMethod {
  /// Steps 4–7 as Spark SQL, beside `NotebookMethod`: the same order, tie-breaks, null rules and
  /// arithmetic. The differential tests run both on the same data and require identical output.
  public enum SQL {
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
      return """
        bh_lagged AS (
          SELECT *, lag(Ticks) OVER (PARTITION BY SourceIP ORDER BY \(order)) AS PrevTicks FROM bh_baselined
        ),
        bh_deltas AS (
          SELECT *, \(seconds("Ticks")) - \(seconds("PrevTicks")) AS Timedelta FROM bh_lagged
          WHERE PrevTicks IS NOT NULL AND \(nineFields)
        ),
        bh_grouped AS (
          SELECT DeviceVendor, SourceIP, DestinationIP, DestinationPort, Protocol, Timedelta,
            count(*) AS Timedeltacount, try_sum(SentBytes) AS TotalSentBytes,
            try_sum(ReceivedBytes) AS TotalReceivedBytes, count(*) AS Totalevents,
            first(DegreeofSourceIps) AS DegreeofSourceIps
          FROM bh_deltas WHERE Timedelta > \(P.timeDelta.marker)
          GROUP BY DeviceVendor, SourceIP, DestinationIP, DestinationPort, Protocol, Timedelta
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
