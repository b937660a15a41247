import BeaconCore

extension PeriodicityMethod {
  /// `PeriodicityMethod` as Spark SQL: flows reduced on the cluster (one array of times per flow),
  /// then the same statistics with higher-order functions, in the same floating-point order, so the
  /// scores match the native engine's bit for bit (the contract asks for 1e-6). Only findings come
  /// back. Keep the two side by side: the differential tests hold them together.
  public enum SQL {
    /// A column of the hunt statement's result: one of the finding's columns, or a number the
    /// reason line and the times need (times come back as ticks).
    public enum ResultColumn: Hashable, Sendable, CustomStringConvertible {
      case finding(FindingColumn)
      case firstTicks, lastTicks, destinationFirstTicks
      case checkInSpan, gaps, activeSlots, slots, slotSeconds

      /// The name in the SQL and in the result.
      public var name: String {
        switch self {
        case .finding(let c): c.name
        case .firstTicks: "FirstTicks"
        case .lastTicks: "LastTicks"
        case .destinationFirstTicks: "DestinationFirstTicks"
        case .checkInSpan: "CheckInSpan"
        case .gaps: "Gaps"
        case .activeSlots: "ActiveSlots"
        case .slots: "Slots"
        case .slotSeconds: "SlotSeconds"
        }
      }

      public var description: String { name }

      /// The result's columns, in order.
      public static let all: [ResultColumn] = [
        .finding(.sourceIP), .finding(.destinationHostName), .finding(.destinationIP),
        .finding(.destinationIPs), .finding(.destinationIPCount), .finding(.destinationPort),
        .finding(.protocol), .finding(.kind), .finding(.score), .finding(.regularity),
        .finding(.dispersion), .finding(.persistence), .finding(.sizeConsistency),
        .finding(.period), .finding(.jitter), .finding(.missedBeatShare),
        .finding(.connections), .firstTicks, .lastTicks, .finding(.totalSentBytes),
        .finding(.totalReceivedBytes), .finding(.prevalence), .finding(.periodicPeers),
        .destinationFirstTicks, .finding(.checkIns), .checkInSpan, .gaps, .activeSlots, .slots,
        .slotSeconds, .finding(.intervalHistogram), .finding(.timeline),
      ]
    }

    /// The result's column names, in order.
    public static let columns = ResultColumn.all.map(\.name)

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
        "transform(filter(dcis, x -> round(x / \(period)) >= 1 AND round(x / \(period)) <= \(PeriodicityMethod.Rule.maxBeats)D), x -> x / round(x / \(period)))"
      return "CASE WHEN size(\(perBeat)) > 0 THEN \(median(perBeat, v)) ELSE \(period) END"
    }

    /// `PeriodicityMethod.combine` with the weights interpolated, in the same order of operations.
    static func combine(_ regularity: String, _ dispersion: String, _ persistence: String) -> String
    {
      let W = PeriodicityMethod.Weight.self
      let base =
        "\(W.regularity)D * \(regularity) + \(W.dispersion)D * \(dispersion) + \(W.persistence)D * \(persistence)"
      let weights = "\(W.regularity)D + \(W.dispersion)D + \(W.persistence)D"
      return """
        CASE WHEN size_consistency IS NULL THEN (\(base)) / (\(weights))
          ELSE (\(base) + \(W.size)D * size_consistency) / (\(weights) + \(W.size)D) END
        """
    }

    /// `PeriodicityMethod.persistence` of `cis` over `lo`…`hi`: `<name>_slot`, `<name>_slots` and
    /// `<name>_active` columns.
    static func persistence(_ name: String, lo: String, hi: String) -> String {
      let M = PeriodicityMethod.self
      // `greatest` passes over NULL: without a period there is no slot (the flow is not scored).
      let slot =
        "CASE WHEN period > 0.0D THEN greatest(2 * period, least(\(M.maxSlotSeconds)D, (\(hi) - \(lo)) / \(M.persistenceSlots)D)) END"
      let slots = "greatest(1L, CAST(ceil((\(hi) - \(lo)) / \(slot)) AS BIGINT))"
      return """
        \(slot) AS \(name)_slot, \(slots) AS \(name)_slots,
        size(array_distinct(transform(cis, t -> least(\(slots) - 1, CAST((t - \(lo)) / \(slot) AS BIGINT))))) AS \(name)_active
        """
    }

    /// `ticks` in seconds, as `Timestamp.epochSeconds`.
    static func seconds(_ ticks: String) -> String { "CAST(\(ticks) AS DOUBLE) / 1.0E7D" }

    /// `PeriodicityMethod.checkInTicks` after the retry rule: the merge window over sorted ticks.
    static func mergedTicks(_ ticks: String) -> String {
      let P = PeriodicitySQLParameter.self
      return
        "filter(\(ticks), (t, i) -> i = 0 OR \(seconds("t")) - \(seconds("try_element_at(\(ticks), i)")) >= \(P.mergeWindow.marker))"
    }

    /// `bh_hseries` (each flow's slow-day check-ins from the history rows, `SlowFlows`) and
    /// `bh_hstart` (the first time of the history and today, seconds: what a slow flow's
    /// persistence starts from) over `bh_hprepared` and `bh_prevalence`; without history, empty.
    public static func historyCTE(history: Bool) -> String {
      guard history else {
        return """
          bh_hseries AS (
            SELECT CAST(NULL AS STRING) AS SourceIP, CAST(NULL AS STRING) AS DestinationKey,
              CAST(NULL AS INT) AS DestinationPort, CAST(NULL AS STRING) AS Protocol,
              CAST(NULL AS ARRAY<BIGINT>) AS h_ticks
            WHERE false
          ),
          bh_hstart AS (
            SELECT CAST(NULL AS DOUBLE) AS h_lo
          )
          """
      }
      let M = PeriodicityMethod.self
      let day = TimeWindow.sqlDay("Ticks")
      return """
        bh_hretry AS (
          SELECT *, \(day) AS day, \(retry(partition: "\(day), ")) AS retry FROM bh_hprepared
        ),
        bh_hday AS (
          SELECT \(flowKeyList), \(mergedTicks("aticks")) AS cis_ticks
          FROM (
            SELECT \(flowKeyList),
              array_sort(collect_list(CASE WHEN NOT retry THEN Ticks END)) AS aticks
            FROM bh_hretry GROUP BY day, \(flowKeyList)
            HAVING count(*) >= \(M.slowMinCheckIns)
          )
        ),
        bh_hseries AS (
          SELECT \(flowKeyList), flatten(collect_list(cis_ticks)) AS h_ticks
          FROM bh_hday
          WHERE size(cis_ticks) BETWEEN \(M.slowMinCheckIns) AND \(M.slowMaxCheckIns)
            AND size(array_distinct(transform(cis_ticks, t -> \(TimeWindow.sqlFloor("t", TimeWindow.ticksPerHour))))) >= \(M.slowMinHours)
          GROUP BY \(flowKeyList)
        ),
        bh_hstart AS (
          SELECT \(seconds("min(DestinationFirstTicks)")) AS h_lo FROM bh_prevalence
        )
        """
    }

    /// Each result column's value in `bh_raw`, from the flow's statistics; nil for those computed
    /// later: the score after rarity and the periodic peers (`bh_rated`, over all kept flows),
    /// the histogram and the timeline (`findingExpression`). A column that is none of these is a
    /// programming error, caught by every Spark hunt.
    static func rawExpression(_ c: ResultColumn) -> String? {
      switch c {
      case .finding(.score), .finding(.periodicPeers), .finding(.intervalHistogram),
        .finding(.timeline):
        nil
      case .finding(.kind): "kind"
      case .finding(.regularity): "CASE WHEN is_strobe THEN 0.0D ELSE regularity END"
      case .finding(.dispersion): "CASE WHEN is_strobe THEN 0.0D ELSE dispersion END"
      case .finding(.persistence):
        "CASE WHEN is_strobe THEN 0.0D WHEN kind = 'burst' THEN own_persistence ELSE win_persistence END"
      case .finding(.sizeConsistency): "size_consistency"
      case .finding(.period): "CASE WHEN is_strobe THEN strobe_median ELSE period END"
      case .finding(.jitter): "CASE WHEN is_strobe THEN 0.0D ELSE jitter END"
      case .finding(.missedBeatShare): "CASE WHEN is_strobe THEN 0.0D ELSE missed_share END"
      case .finding(.connections): "n"
      case .firstTicks: "element_at(ticks, 1)"
      case .lastTicks: "element_at(ticks, -1)"
      case .finding(.checkIns): "CAST(CASE WHEN is_strobe THEN n ELSE size(cis) END AS BIGINT)"
      case .checkInSpan: "element_at(cis, -1) - element_at(cis, 1)"
      case .gaps: "CAST(gaps AS BIGINT)"
      case .activeSlots:
        "CAST(CASE WHEN kind = 'burst' THEN own_active ELSE win_active END AS BIGINT)"
      case .slots: "CASE WHEN kind = 'burst' THEN own_slots ELSE win_slots END"
      case .slotSeconds: "CASE WHEN kind = 'burst' THEN own_slot ELSE win_slot END"
      // Carried through from the flow and the prevalence views under the same name.
      case .destinationFirstTicks: "DestinationFirstTicks"
      case .finding(let column): column.name
      }
    }

    /// What `bh_raw` carries for `findingExpression` (the intervals, times and window), by name.
    static let carried = ["draw", "dcis", "secs", "lo", "hi"]

    /// The histogram and the timeline, computed in `bh_findings` for the findings alone: they
    /// scan a flow's intervals once per bin. Computed for every candidate flow, they took the
    /// statistics' stage to 8.3 s of executor time at 250 k rows (5.0 s without). Other
    /// columns: nil.
    static func findingExpression(_ c: ResultColumn) -> String? {
      let period = ResultColumn.finding(.period).name
      switch c {
      case .finding(.intervalHistogram):
        // A strobe's period is its median raw interval; a beacon's, its refined period.
        return """
          CASE WHEN \(ResultColumn.finding(.kind)) = 'strobe' THEN \(histogram("draw", period: period))
            ELSE \(histogram("dcis", period: period)) END
          """
      case .finding(.timeline): return timeline("secs", lo: "lo", hi: "hi")
      default: return nil
      }
    }

    /// A flow's key: its source, destination (the name, else the address), port and protocol.
    static let flowKey = ["SourceIP", "DestinationKey", "DestinationPort", "Protocol"]

    static var flowKeyList: String { flowKey.joined(separator: ", ") }

    /// The columns of a prepared row that the flows are built from (`bh_flow_rows`).
    static let flowRowColumns =
      flowKey + [
        "SourcePort", "Ticks", "DestinationName", "DestinationIP", "src_internal", "SentBytes",
        "ReceivedBytes",
      ]

    /// `PeriodicityMethod.retries` of a row: a TCP connection less than the retry window after the
    /// flow's previous one from the same source port (within `partition`, a prefix of extra keys).
    static func retry(partition: String = "") -> String {
      let tcp = PeriodicityMethod.tcpProtocols.map(SQLText.stringLiteral).joined(separator: ", ")
      let previous =
        "lag(Ticks) OVER (PARTITION BY \(partition)\(flowKeyList), SourcePort ORDER BY Ticks)"
      return """
        coalesce(lower(Protocol) IN (\(tcp)) AND SourcePort IS NOT NULL
          AND \(seconds("Ticks")) - \(seconds(previous)) < \(PeriodicitySQLParameter.retryWindow.marker), false)
        """
    }

    /// `bh_flow_rows` … `bh_findings` over `bh_pprepared`, `bh_prevalence` and `bh_hseries`.
    ///
    /// Per-flow arrays (times, sizes, addresses) are built for candidate flows only, so a day of
    /// many small flows costs one count each. A row knows whether its flow is a candidate from a
    /// window over the flow's key (`bh_keyed`): its number of rows, and whether the history has a
    /// series for it, which `bh_flow_rows` brings in as one marker row per history flow (a join
    /// of the rows to the history's keys would shuffle every row once more). The retry window
    /// and the flows' aggregate reuse that window's partitioning, so the rows are shuffled once.
    /// `bh_flows` (read by the counts and the candidates) and `bh_rated` (by the counts and the
    /// findings) are computed once (`SQLText.computedOnce`).
    ///
    /// Why no `WHERE` between the layers, and rows wrapped in a struct and exploded: the
    /// optimizer pushes a filter down through projections by substituting their expressions, which
    /// re-evaluates every array statistic inside the filter (minutes instead of seconds on 24 k
    /// rows). A filter on a generator's output cannot be pushed below the generator, so each
    /// statistic is computed once.
    public static var detectCTE: String {
      let P = PeriodicitySQLParameter.self
      let M = PeriodicityMethod.self
      let k = "greatest(1.0D, round(v))"
      let R = PeriodicityMethod.Rule.self
      let gap = "\(R.gapRatio)D"
      let knee = "(CAST(popular_at AS DOUBLE) / 2.0D)"
      let clampPeers = clamp("(CAST(peers AS DOUBLE) - \(knee)) / \(knee)")
      let kind = ResultColumn.finding(.kind)
      let score = ResultColumn.finding(.score)
      // A history flow's marker row: its key, and NULL for each of the row's other columns.
      let markerColumns = flowRowColumns.map { flowKey.contains($0) ? $0 : "NULL" }
      return """
        bh_flow_rows AS (
          SELECT \(flowRowColumns.joined(separator: ", ")), false AS history_key
          FROM bh_pprepared
          UNION ALL
          SELECT \(markerColumns.joined(separator: ", ")), true
          FROM bh_hseries
        ),
        bh_keyed AS (
          SELECT * FROM (
            SELECT *, count(Ticks) OVER flow >= least(\(P.minConnections.marker), \(P.strobeMinConnections.marker))
                OR bool_or(history_key) OVER flow AS candidate
            FROM bh_flow_rows
            WINDOW flow AS (PARTITION BY \(flowKeyList))
          ) WHERE NOT history_key
        ),
        bh_retry AS (
          SELECT *, \(retry()) AS retry FROM bh_keyed
        ),
        bh_window AS (
          SELECT CAST(min(Ticks) AS DOUBLE) / 1.0E7D AS lo, CAST(max(Ticks) AS DOUBLE) / 1.0E7D AS hi,
            count(DISTINCT CASE WHEN src_internal THEN SourceIP END) AS internal_hosts
          FROM bh_pprepared
        ),
        bh_flows AS (
          SELECT \(SQLText.computedOnce), f.*,
            slice(f.ips, 1, \(PeriodicityFinding.maxDestinationIPs)) AS DestinationIPs,
            CAST(size(f.ips) AS BIGINT) AS DestinationIPCount,
            p.Prevalence, p.DestinationFirstTicks, h.h_ticks
          FROM (
            SELECT \(flowKeyList), count(*) AS n,
              bool_or(candidate) AS candidate,
              max(DestinationName) AS DestinationHostName, min(DestinationIP) AS DestinationIP,
              bool_or(src_internal) AS src_internal,
              array_sort(collect_set(CASE WHEN candidate THEN DestinationIP END)) AS ips,
              array_sort(collect_list(CASE WHEN candidate THEN Ticks END)) AS ticks,
              array_sort(collect_list(CASE WHEN candidate AND NOT retry THEN Ticks END)) AS attempt_ticks,
              collect_list(CASE WHEN candidate THEN SentBytes END) AS sent_known,
              CASE WHEN count(SentBytes) = 0 THEN 0L ELSE try_sum(SentBytes) END AS TotalSentBytes,
              CASE WHEN count(ReceivedBytes) = 0 THEN 0L ELSE try_sum(ReceivedBytes) END AS TotalReceivedBytes
            FROM bh_retry GROUP BY \(flowKeyList)
          ) f JOIN bh_prevalence p ON f.DestinationKey = p.DestinationKey
          LEFT JOIN bh_hseries h ON f.SourceIP = h.SourceIP AND f.DestinationKey = h.DestinationKey
            AND f.DestinationPort <=> h.DestinationPort AND f.Protocol <=> h.Protocol
        ),
        bh_candidates AS (
          SELECT * FROM bh_flows WHERE candidate
        ),
        bh_series AS (
          SELECT *, \(deltas("secs")) AS draw,
            transform(CASE WHEN use_history THEN array_sort(concat(h_ticks, today_ticks)) ELSE today_ticks END,
              t -> \(seconds("t"))) AS cis,
            transform(sent_known, x -> CAST(x AS DOUBLE)) AS known
          FROM (
            SELECT *, h_ticks IS NOT NULL AND size(today_ticks) <= \(PeriodicityMethod.slowMaxCheckIns) AS use_history
            FROM (SELECT *, transform(ticks, t -> \(seconds("t"))) AS secs,
              \(mergedTicks("attempt_ticks")) AS today_ticks FROM bh_candidates)
          )
        ),
        bh_stats AS (
          SELECT *, \(median("draw", "srt")) AS strobe_median,
            greatest(1L, CAST(ceil((element_at(secs, -1) - element_at(secs, 1)) / \(R.strobeSlotSeconds)D) AS BIGINT)) AS slots,
            size(array_distinct(transform(secs, t -> CAST((t - element_at(secs, 1)) / \(R.strobeSlotSeconds)D AS BIGINT)))) AS covered,
            \(deltas("cis")) AS dcis, \(median("known", "srt")) AS size_median
          FROM bh_series
        ),
        bh_period0 AS (
          SELECT *, n >= \(P.strobeMinConnections.marker) AND strobe_median < \(P.strobeInterval.marker)
              AND CAST(covered AS DOUBLE) / CAST(slots AS DOUBLE) >= \(R.strobeCoverage)D AS is_strobe,
            CASE WHEN size(known) * 2 >= n AND size(known) >= 3 THEN
              CASE WHEN size_median <= 0.0D THEN 1.0D
                ELSE \(clamp("1.0D - \(median("transform(known, x -> abs(x - size_median))", "srt")) / size_median / \(R.sizeMADScale)D")) END
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
            CASE WHEN size(residuals) = 0 THEN 1.0D ELSE least(1.0D, \(R.jitterScale)D * \(median("residuals", "srt"))) END AS jitter,
            try_divide(CAST(gaps AS DOUBLE), CAST(size(dcis) AS DOUBLE)) AS gap_share,
            try_divide(CAST(short AS DOUBLE), CAST(size(dcis) AS DOUBLE)) AS short_share,
            CASE WHEN beats > 0.0D THEN missed / beats ELSE 0.0D END AS near_missed,
            CASE WHEN all_beats > 0.0D THEN all_missed / all_beats ELSE 0.0D END AS missed_share
          FROM (
            SELECT *, size(filter(r, v -> v < \(R.shortRatio)D)) AS short, size(filter(r, v -> v > \(gap))) AS gaps,
              transform(filter(r, v -> NOT (v > \(gap))), v -> abs(v / \(k) - 1.0D)) AS residuals,
              aggregate(filter(r, v -> NOT (v > \(gap))), 0.0D, (acc, v) -> acc + \(k)) AS beats,
              aggregate(filter(r, v -> NOT (v > \(gap))), 0.0D, (acc, v) -> acc + (\(k) - 1.0D)) AS missed,
              aggregate(r, 0.0D, (acc, v) -> acc + \(k)) AS all_beats,
              aggregate(r, 0.0D, (acc, v) -> acc + (\(k) - 1.0D)) AS all_missed
            FROM bh_ratios
          )
        ),
        bh_persistence AS (
          SELECT *, CAST(win_active AS DOUBLE) / CAST(win_slots AS DOUBLE) AS win_persistence,
            CAST(own_active AS DOUBLE) / CAST(own_slots AS DOUBLE) AS own_persistence
          FROM (
            SELECT *, \(persistence("win", lo: "plo", hi: "w.hi")),
              \(persistence("own", lo: "element_at(cis, 1)", hi: "element_at(cis, -1)"))
            FROM (
              SELECT e.*, w.lo, w.hi, w.internal_hosts,
                CASE WHEN e.use_history THEN least(coalesce(hs.h_lo, w.lo), w.lo) ELSE w.lo END AS plo,
                \(clamp("1.0D - jitter")) * (1.0D - gap_share) AS regularity,
                \(clamp("1.0D - \(R.shortPenalty)D * short_share")) * \(clamp("1.0D - \(R.missedPenalty)D * greatest(0.0D, near_missed - \(R.missedTolerance)D)")) AS dispersion
              FROM bh_evidence e CROSS JOIN bh_window w CROSS JOIN bh_hstart hs
            ) w
          )
        ),
        bh_scores AS (
          SELECT *, \(combine("regularity", "dispersion", "win_persistence")) AS win_score,
            \(combine("regularity", "dispersion", "own_persistence")) AS own_score
          FROM bh_persistence
        ),
        bh_raw AS (
          SELECT f.* FROM (
            SELECT *, CASE WHEN is_strobe THEN 'strobe' WHEN win_score >= \(P.minScore.marker) THEN 'beacon'
                WHEN size(cis) >= \(P.burstMinCheckIns.marker)
                  AND element_at(cis, -1) - element_at(cis, 1) >= \(P.burstMinSpan.marker)
                  AND own_score >= \(P.minScore.marker) THEN 'burst' END AS kind
            FROM bh_scores
          )
          LATERAL VIEW explode(array(named_struct(
            'keep', is_strobe OR (kind IS NOT NULL AND size(cis) >= \(P.minConnections.marker) AND size(cis) >= 3
              AND p0 > 0.0D AND try_divide(element_at(cis, -1) - element_at(cis, 1), period) >= \(P.minPeriods.marker)),
            'DestinationKey', DestinationKey, 'src_internal', src_internal, 'internal_hosts', internal_hosts,
            'RawScore', CASE WHEN is_strobe THEN 1.0D WHEN kind = 'burst' THEN own_score ELSE win_score END,
            \(carried.map { "'\($0)', \($0)" }.joined(separator: ", ")),
            \(ResultColumn.all.compactMap { c in rawExpression(c).map { "'\(c)', \($0)" } }.joined(separator: ",\n      "))
          ))) x AS f
          WHERE f.keep
        ),
        bh_rated AS (
          SELECT *, \(SQLText.computedOnce), CASE WHEN \(kind) = 'strobe' THEN RawScore
              ELSE RawScore * (1.0D - \(M.rarityDrop)D * \(clampPeers)) END AS \(score),
            CASE WHEN \(kind) = 'strobe' THEN 1L ELSE peers END AS \(ResultColumn.finding(.periodicPeers))
          FROM (
            SELECT *, greatest(1L, sum(CASE WHEN \(kind) = 'beacon' AND src_internal THEN 1L ELSE 0L END)
                OVER (PARTITION BY DestinationKey, DestinationPort, Protocol)) AS peers,
              greatest(\(P.popularDestination.marker), CAST(ceil(\(P.popularShare.marker) * CAST(internal_hosts AS DOUBLE)) AS BIGINT)) AS popular_at
            FROM bh_raw
          )
        ),
        bh_findings AS (
          SELECT *, \(ResultColumn.all.compactMap { c in findingExpression(c).map { "\($0) AS \(c)" } }.joined(separator: ",\n      "))
          FROM bh_rated WHERE \(kind) = 'strobe' OR \(score) >= \(P.minScore.marker)
        )
        """
    }
  }
}
