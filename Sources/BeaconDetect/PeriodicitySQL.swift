import BeaconCore

/// `PeriodicityMethod` as Spark SQL: flows reduced on the cluster (one array of times per flow),
/// then the same statistics with higher-order functions, in the same floating-point order, so the
/// scores match the native engine's bit for bit (the contract asks for 1e-6). Only findings come
/// back. Keep the two side by side: the differential tests hold them together.
public enum PeriodicitySQL {
  /// Output columns: the finding's numbers, plus what the reason line needs. Times are ticks.
  public static let columns = [
    "SourceIP", "DestinationIP", "DestinationPort", "Protocol", "Kind", "Score", "Regularity",
    "Dispersion", "Persistence", "SizeConsistency", "Period", "Jitter", "MissedBeatShare",
    "Connections", "FirstTicks", "LastTicks", "TotalSentBytes", "TotalReceivedBytes", "Prevalence",
    "DestinationFirstTicks", "CheckIns", "CheckInSpan", "IntervalHistogram", "Timeline",
  ]

  /// `PeriodicityMethod.histogram`: ratios of an array of intervals to `period`, binned.
  static func histogram(_ intervals: String, period: String) -> String {
    let last = PeriodicityFinding.histogramBins - 1
    return """
      transform(sequence(0, \(last)), b -> CAST(size(filter(\(intervals), x ->
        CAST(least(\(last), floor(CASE WHEN \(period) > 0.0D THEN x / \(period) ELSE 0.0D END / \(PeriodicityFinding.histogramBinWidth)D)) AS INT) = b)) AS BIGINT))
      """
  }

  /// `PeriodicityMethod.timeline`: connections per slice of the window `lo`…`hi`.
  static func timeline(_ times: String, lo: String, hi: String) -> String {
    let n = PeriodicityFinding.timelineBins
    return """
      transform(sequence(0, \(n - 1)), b -> CAST(size(filter(\(times), t ->
        greatest(0, CASE WHEN \(hi) - \(lo) > 0.0D THEN least(\(n - 1), CAST(floor((t - \(lo)) / (\(hi) - \(lo)) * \(n).0D) AS INT)) ELSE 0 END) = b)) AS BIGINT))
      """
  }

  /// `median` of an array of doubles (0 when empty), as `PeriodicityMethod.median`. `v` names the
  /// lambda variable, which must not clash with a column or an enclosing lambda.
  static func median(_ array: String, _ v: String) -> String {
    """
    element_at(transform(array(array_sort(\(array))), \(v) -> CASE WHEN size(\(v)) = 0 THEN 0.0D
      WHEN size(\(v)) % 2 = 1 THEN element_at(\(v), CAST(size(\(v)) div 2 AS INT) + 1)
      ELSE (element_at(\(v), CAST(size(\(v)) div 2 AS INT)) + element_at(\(v), CAST(size(\(v)) div 2 AS INT) + 1)) / 2 END), 1)
    """
  }

  /// Consecutive differences of a sorted array of doubles.
  static func deltas(_ array: String) -> String {
    "zip_with(slice(\(array), 2, size(\(array)) - 1), slice(\(array), 1, size(\(array)) - 1), (a, b) -> a - b)"
  }

  static func clamp(_ v: String) -> String { "least(1.0D, greatest(0.0D, \(v)))" }

  /// One refinement of the period: the median of each interval divided by its nearest whole
  /// number (1–4) of periods, or the period unchanged when none is within 4.
  static func refine(_ period: String, _ v: String) -> String {
    let perBeat =
      "transform(filter(dcis, x -> round(x / \(period)) >= 1 AND round(x / \(period)) <= 4), x -> x / round(x / \(period)))"
    return "CASE WHEN size(\(perBeat)) > 0 THEN \(median(perBeat, v)) ELSE \(period) END"
  }

  /// `bh_window` … `bh_findings` over `bh_pprepared` and `bh_prevalence`.
  ///
  /// Why no `WHERE` between the layers, and the final row wrapped in a struct and exploded: the
  /// optimizer pushes a filter down through projections by substituting their expressions, which
  /// re-evaluates every array statistic inside the filter (minutes instead of seconds on 24 k
  /// rows). A filter on a generator's output cannot be pushed below the generator, so each
  /// statistic is computed once.
  public static var detectCTE: String {
    let P = PeriodicitySQLParameter.self
    let k = "greatest(1.0D, round(v))"
    return """
      bh_window AS (
        SELECT CAST(min(Ticks) AS DOUBLE) / 1.0E7D AS lo, CAST(max(Ticks) AS DOUBLE) / 1.0E7D AS hi FROM bh_pprepared
      ),
      bh_flows AS (
        SELECT f.*, p.Prevalence, p.DestinationFirstTicks,
          p.Prevalence >= \(P.popularDestination.marker) AS popular,
          p.Prevalence < \(P.popularDestination.marker)
            AND f.n >= least(\(P.minConnections.marker), \(P.strobeMinConnections.marker)) AS candidate
        FROM (
          SELECT SourceIP, DestinationIP, DestinationPort, Protocol, count(*) AS n,
            array_sort(collect_list(Ticks)) AS ticks, collect_list(SentBytes) AS sent_known,
            CASE WHEN count(SentBytes) = 0 THEN 0L ELSE try_sum(SentBytes) END AS TotalSentBytes,
            CASE WHEN count(ReceivedBytes) = 0 THEN 0L ELSE try_sum(ReceivedBytes) END AS TotalReceivedBytes
          FROM bh_pprepared GROUP BY SourceIP, DestinationIP, DestinationPort, Protocol
        ) f JOIN bh_prevalence p ON f.DestinationIP = p.DestinationIP
      ),
      bh_candidates AS (
        SELECT * FROM bh_flows WHERE candidate
      ),
      bh_series AS (
        SELECT *, \(deltas("secs")) AS draw,
          filter(secs, (t, i) -> i = 0 OR t - try_element_at(secs, i) >= \(P.mergeWindow.marker)) AS cis,
          transform(sent_known, x -> CAST(x AS DOUBLE)) AS known
        FROM (SELECT *, transform(ticks, t -> CAST(t AS DOUBLE) / 1.0E7D) AS secs FROM bh_candidates)
      ),
      bh_stats AS (
        SELECT *, \(median("draw", "srt")) AS strobe_median,
          greatest(1L, CAST(ceil((element_at(secs, -1) - element_at(secs, 1)) / 10.0D) AS BIGINT)) AS slots,
          size(array_distinct(transform(secs, t -> CAST((t - element_at(secs, 1)) / 10.0D AS BIGINT)))) AS covered,
          \(deltas("cis")) AS dcis, \(median("known", "srt")) AS size_median
        FROM bh_series
      ),
      bh_period0 AS (
        SELECT *, n >= \(P.strobeMinConnections.marker) AND strobe_median < \(P.strobeInterval.marker)
            AND CAST(covered AS DOUBLE) / CAST(slots AS DOUBLE) >= 0.5D AS is_strobe,
          CASE WHEN size(known) * 2 >= n AND size(known) >= 3 THEN
            CASE WHEN size_median <= 0.0D THEN 1.0D
              ELSE \(clamp("1.0D - \(median("transform(known, x -> abs(x - size_median))", "srt")) / size_median / 0.5D")) END
          END AS size_consistency,
          CASE WHEN size(cis) >= 3 THEN \(median("dcis", "srt")) ELSE 0.0D END AS p0
        FROM bh_stats
      ),
      bh_period1 AS (
        SELECT *, CASE WHEN p0 > 0.0D THEN \(refine("p0", "srt")) END AS p1 FROM bh_period0
      ),
      bh_period2 AS (
        SELECT *, CASE WHEN p0 > 0.0D THEN \(refine("p1", "srt")) END AS period FROM bh_period1
      ),
      bh_ratios AS (
        SELECT *, transform(dcis, x -> x / period) AS r FROM bh_period2
      ),
      bh_evidence AS (
        SELECT *,
          CASE WHEN size(residuals) = 0 THEN 1.0D ELSE least(1.0D, 2 * \(median("residuals", "srt"))) END AS jitter,
          try_divide(CAST(gaps AS DOUBLE), CAST(size(dcis) AS DOUBLE)) AS gap_share,
          try_divide(CAST(short AS DOUBLE), CAST(size(dcis) AS DOUBLE)) AS short_share,
          CASE WHEN beats > 0.0D THEN missed / beats ELSE 0.0D END AS missed_share
        FROM (
          SELECT *, size(filter(r, v -> v < 0.45D)) AS short, size(filter(r, v -> v > 4.5D)) AS gaps,
            transform(filter(r, v -> NOT (v > 4.5D)), v -> abs(v / \(k) - 1.0D)) AS residuals,
            aggregate(filter(r, v -> NOT (v > 4.5D)), 0.0D, (acc, v) -> acc + \(k)) AS beats,
            aggregate(filter(r, v -> NOT (v > 4.5D)), 0.0D, (acc, v) -> acc + (\(k) - 1.0D)) AS missed
          FROM bh_ratios
        )
      ),
      bh_scores AS (
        SELECT *, CASE WHEN size_consistency IS NULL
            THEN (0.35D * regularity + 0.25D * dispersion + 0.2D * persistence) / 0.8D
            ELSE (0.35D * regularity + 0.25D * dispersion + 0.2D * persistence + 0.2D * size_consistency) / (0.8D + 0.2D)
          END AS score
        FROM (
          SELECT *, \(clamp("1.0D - jitter")) * (1.0D - gap_share) AS regularity,
            \(clamp("1.0D - 3 * short_share")) * \(clamp("1.0D - 2 * greatest(0.0D, missed_share - 0.25D)")) AS dispersion,
            CAST(size(array_distinct(transform(cis, t -> least(buckets - 1,
              CAST((t - w.lo) / bucket AS BIGINT))))) AS DOUBLE) / CAST(buckets AS DOUBLE) AS persistence
          FROM (
            SELECT e.*, w.lo, w.hi, greatest(1L, CAST(ceil((w.hi - w.lo) / greatest(3600.0D, 2 * e.period)) AS BIGINT)) AS buckets,
              greatest(3600.0D, 2 * e.period) AS bucket
            FROM bh_evidence e CROSS JOIN bh_window w
          ) w
        )
      ),
      bh_findings AS (
        SELECT f.* FROM bh_scores
        LATERAL VIEW explode(array(named_struct(
          'keep', is_strobe OR (size(cis) >= \(P.minConnections.marker) AND size(cis) >= 3 AND p0 > 0.0D
            AND try_divide(element_at(cis, -1) - element_at(cis, 1), period) >= \(P.minPeriods.marker)
            AND score >= \(P.minScore.marker)),
          'SourceIP', SourceIP, 'DestinationIP', DestinationIP, 'DestinationPort', DestinationPort,
          'Protocol', Protocol, 'Kind', CASE WHEN is_strobe THEN 'strobe' ELSE 'beacon' END,
          'Score', CASE WHEN is_strobe THEN 1.0D ELSE score END,
          'Regularity', CASE WHEN is_strobe THEN 0.0D ELSE regularity END,
          'Dispersion', CASE WHEN is_strobe THEN 0.0D ELSE dispersion END,
          'Persistence', CASE WHEN is_strobe THEN 0.0D ELSE persistence END,
          'SizeConsistency', size_consistency,
          'Period', CASE WHEN is_strobe THEN strobe_median ELSE period END,
          'Jitter', CASE WHEN is_strobe THEN 0.0D ELSE jitter END,
          'MissedBeatShare', CASE WHEN is_strobe THEN 0.0D ELSE missed_share END,
          'Connections', n, 'FirstTicks', element_at(ticks, 1), 'LastTicks', element_at(ticks, -1),
          'TotalSentBytes', TotalSentBytes, 'TotalReceivedBytes', TotalReceivedBytes,
          'Prevalence', Prevalence, 'DestinationFirstTicks', DestinationFirstTicks,
          'CheckIns', size(cis), 'CheckInSpan', element_at(cis, -1) - element_at(cis, 1),
          'IntervalHistogram', CASE WHEN is_strobe THEN \(histogram("draw", period: "strobe_median"))
            ELSE \(histogram("dcis", period: "period")) END,
          'Timeline', \(timeline("secs", lo: "lo", hi: "hi"))
        ))) x AS f
        WHERE f.keep
      )
      """
  }
}
