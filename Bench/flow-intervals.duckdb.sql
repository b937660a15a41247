-- A per-flow interval query: what a DuckDB user would write for a quick beacon hunt. Every
-- source → destination:port/protocol flow to a public address, its intervals between
-- connections, and their spread; flows with many regular intervals first. beaconhunt-bench times
-- it against BeaconHunt's default hunt (a different, fuller method: the findings are not compared).
-- Parameters: $files, $private_prefixes, $min_connections.
WITH
rows AS (
  SELECT SourceIP, DestinationIP, DestinationPort, Protocol,
    epoch(CAST(left(TimeGenerated, 19) AS TIMESTAMP)) AS t
  FROM read_json($files, format = 'newline_delimited', columns = {
    TimeGenerated: 'VARCHAR', SourceIP: 'VARCHAR', DestinationIP: 'VARCHAR',
    DestinationPort: 'INTEGER', Protocol: 'VARCHAR'})
  WHERE TimeGenerated IS NOT NULL AND SourceIP IS NOT NULL AND DestinationIP IS NOT NULL
    AND NOT list_bool_or(list_transform($private_prefixes, lambda p: starts_with(DestinationIP, p)))
),
intervals AS (
  SELECT *, t - lag(t) OVER (PARTITION BY SourceIP, DestinationIP, DestinationPort, Protocol ORDER BY t)
    AS gap
  FROM rows
)
SELECT SourceIP, DestinationIP, DestinationPort, Protocol, count(*) AS connections,
  median(gap) AS median_gap, stddev_pop(gap) / nullif(avg(gap), 0) AS gap_cv
FROM intervals
GROUP BY SourceIP, DestinationIP, DestinationPort, Protocol
HAVING count(*) >= $min_connections
ORDER BY gap_cv NULLS LAST, SourceIP, DestinationIP, DestinationPort, Protocol
