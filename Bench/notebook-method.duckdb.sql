-- The notebook method (spec/notebook-method.md) as one DuckDB statement over the export's JSON
-- lines: what a DuckDB user would write instead of running BeaconHunt. beaconhunt-bench runs it
-- beside `beaconhunt hunt --method notebook` and requires the same findings, byte for byte.
-- Parameters (bound by Bench/duckdb-hunt.py from the bench, which reads BeaconHunt's defaults):
-- $files, $private_prefixes, $daily_event_count, $degree_of_source_ips, $time_delta, $percent_beacon.
WITH
rows AS (
  SELECT *,
    -- 100 ns ticks since the epoch, as the contract's TimeGenerated (7 fraction digits).
    epoch(CAST(left(TimeGenerated, 19) AS TIMESTAMP))::BIGINT * 10000000
      + CAST(rpad(coalesce(nullif(regexp_extract(TimeGenerated, '\.([0-9]+)', 1), ''), '0'), 7, '0')[1:7] AS BIGINT)
      AS Ticks
  FROM read_json($files, format = 'newline_delimited', columns = {
    TimeGenerated: 'VARCHAR', SourceIP: 'VARCHAR', DestinationIP: 'VARCHAR', SourcePort: 'INTEGER',
    DestinationPort: 'INTEGER', Protocol: 'VARCHAR', ReceivedBytes: 'BIGINT', SentBytes: 'BIGINT',
    DeviceVendor: 'VARCHAR'})
  WHERE TimeGenerated IS NOT NULL
),
-- Steps 1–2: public destinations by the notebook's textual prefix test.
prepared AS (
  SELECT * FROM rows
  WHERE DestinationIP IS NOT NULL
    AND NOT list_bool_or(list_transform($private_prefixes, lambda p: starts_with(DestinationIP, p)))
),
-- Step 3: busy sources, and destinations reached by few sources.
per_source AS (
  SELECT SourceIP, count(*) AS n FROM prepared WHERE SourceIP IS NOT NULL GROUP BY SourceIP
),
degree AS (
  SELECT DestinationIP, count(DISTINCT SourceIP) AS DegreeofSourceIps FROM prepared GROUP BY DestinationIP
),
baselined AS (
  SELECT p.*, d.DegreeofSourceIps FROM prepared p
  JOIN per_source s ON s.SourceIP = p.SourceIP AND s.n > $daily_event_count
  JOIN degree d ON d.DestinationIP = p.DestinationIP AND d.DegreeofSourceIps < $degree_of_source_ips
),
-- Step 4: each source's previous row (any destination), in the Decision's total order.
lagged AS (
  SELECT *, lag(Ticks) OVER (PARTITION BY SourceIP ORDER BY Ticks NULLS FIRST,
    DestinationIP NULLS FIRST, DestinationPort NULLS FIRST, Protocol NULLS FIRST, SourcePort NULLS FIRST,
    SentBytes NULLS FIRST, ReceivedBytes NULLS FIRST, DeviceVendor NULLS FIRST) AS PrevTicks
  FROM baselined
),
deltas AS (
  SELECT *, (Ticks // 10000000) - (PrevTicks // 10000000) AS Timedelta FROM lagged
  WHERE PrevTicks IS NOT NULL AND SourcePort IS NOT NULL AND DestinationPort IS NOT NULL
    AND Protocol IS NOT NULL AND ReceivedBytes IS NOT NULL AND SentBytes IS NOT NULL
    AND DeviceVendor IS NOT NULL
),
-- Step 5: groups of equal deltas.
grouped AS (
  SELECT DeviceVendor, SourceIP, DestinationIP, DestinationPort, Protocol, Timedelta,
    count(*) AS Timedeltacount, sum(SentBytes)::BIGINT AS TotalSentBytes,
    sum(ReceivedBytes)::BIGINT AS TotalReceivedBytes, count(*) AS Totalevents,
    first(DegreeofSourceIps) AS DegreeofSourceIps
  FROM deltas WHERE Timedelta > $time_delta
  GROUP BY DeviceVendor, SourceIP, DestinationIP, DestinationPort, Protocol, Timedelta
),
-- Step 6: three neighbouring deltas, and each one's share of its flow.
windowed AS (
  SELECT *, list(Timedeltacount) OVER w3 AS Timedeltalist, sum(Timedeltacount) OVER w3 AS Timedeltalistcount
  FROM grouped
  WINDOW w3 AS (PARTITION BY DeviceVendor, SourceIP, DestinationIP, DestinationPort
    ORDER BY Timedelta, Protocol ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
),
scored AS (
  SELECT *,
    sum(Timedeltalistcount) OVER (PARTITION BY SourceIP, DestinationIP, DestinationPort) AS Totaleventcount,
    Timedeltalistcount::DOUBLE / sum(Timedeltalistcount) OVER (PARTITION BY DeviceVendor, SourceIP,
      DestinationIP, DestinationPort)::DOUBLE * 100.0::DOUBLE AS Percentbeacon
  FROM windowed
)
-- Step 7: the report filter and order.
SELECT DestinationIP, DeviceVendor, SourceIP, DestinationPort, Protocol, Timedelta, Timedeltacount,
  TotalSentBytes, TotalReceivedBytes, Totalevents, DegreeofSourceIps, Timedeltalist,
  Timedeltalistcount::BIGINT AS Timedeltalistcount, Totaleventcount::BIGINT AS Totaleventcount, Percentbeacon
FROM scored
WHERE Percentbeacon > $percent_beacon AND Totaleventcount > $daily_event_count
ORDER BY Percentbeacon DESC, SourceIP, DestinationIP, DestinationPort, Timedelta, Protocol, DeviceVendor
