import BeaconBaseline
import BeaconCore
import BeaconDetect
import BeaconLoad
import BeaconNet
import BeaconPrepare

/// The periodicity hunt as Spark SQL, assembled from the stages' SQL (each beside its native
/// counterpart), plus the statement behind the run summary.
struct PeriodicityHuntSQL {
  /// Networks parsed on the client (`--internal`, `--allow`); only their numbers reach the SQL.
  var internalNetworks: [IPNetwork]
  var allowNetworks: [IPNetwork]
  var allow: Allowlist
  /// Whether history day folders are read (`bh_history_lines`).
  var history: Bool
  /// The hunted day (an export) or the data's span (files).
  var window: PeriodicityPrepareSQL.Window

  var ctes: String {
    var parts = [LoadSQL.rowsCTE]
    var vendorViews = ["bh_pvendor"]
    var preparedViews = ["bh_pprepared"]
    if history {
      parts.append(
        LoadSQL.rowsCTE(lines: LoadSQL.historyLinesView, parsed: "bh_hparsed", rows: "bh_hrows"))
      vendorViews.append("bh_hvendor")
      preparedViews.append("bh_hprepared")
    }
    parts.append(
      PeriodicityPrepareSQL.networksCTE(internal: internalNetworks, allow: allowNetworks))
    parts.append(PeriodicityPrepareSQL.vendorCTE(rows: "bh_rows", prefix: "bh_p"))
    if history { parts.append(PeriodicityPrepareSQL.vendorCTE(rows: "bh_hrows", prefix: "bh_h")) }
    parts.append(PeriodicityPrepareSQL.windowCTE(prefix: "bh_p", window: window))
    if history { parts.append(PeriodicityPrepareSQL.windowCTE(prefix: "bh_h", window: .folderDay)) }
    parts.append(PeriodicityPrepareSQL.addressesCTE(of: vendorViews))
    parts.append(PeriodicityPrepareSQL.preparedCTE(prefix: "bh_p", allow: allow))
    if history {
      parts.append(PeriodicityPrepareSQL.preparedCTE(prefix: "bh_h", allow: allow))
    }
    parts.append(PrevalenceSQL.prevalenceCTE(of: preparedViews))
    parts.append(PeriodicitySQL.historyCTE(history: history))
    parts.append(PeriodicitySQL.detectCTE)
    return "WITH " + parts.joined(separator: ",\n")
  }

  var findings: String {
    ctes + "\nSELECT \(PeriodicitySQL.columns.joined(separator: ", ")) FROM bh_findings"
  }

  /// One row of counts for the run summary (the steps the native engine reports).
  var counts: String {
    let nulled = NotebookHuntSQL.nulledFields.map {
      "count_if(status = 'ok' AND nulled_\($0.name)) AS nulled_\($0.name)"
    }
    let historySkipped =
      history
      ? "(SELECT count_if(\(LoadSQL.isSkipped)) FROM bh_hrows)" : "0L"
    return ctes + """

      SELECT * FROM (
        SELECT count(DISTINCT file) AS files, count_if(status = 'ok') AS rows, count_if(status = 'blank') AS blank,
          \(LoadSQL.skipCounts),
          \(nulled.joined(separator: ", "))
        FROM bh_rows
      ) CROSS JOIN (
        SELECT count(*) AS vendor, count_if(in_window) AS in_window,
          min(CASE WHEN NOT in_window THEN Ticks END) AS outside_example
        FROM bh_pwindowed
      ) LEFT JOIN bh_pspan ON true CROSS JOIN (
        SELECT count_if(valid_ips) AS valid, count_if(NOT valid_ips) AS invalid,
          min(CASE WHEN NOT valid_ips THEN concat('SourceIP ', coalesce(SourceIP, 'null'), ', DestinationIP ',
            coalesce(DestinationIP, 'null')) END) AS invalid_example,
          count_if(valid_ips AND DestinationName IS NOT NULL) AS named,
          count_if(valid_ips AND proxied) AS proxied, count_if(valid_ips AND name_invalid) AS invalid_names,
          count_if(directed) AS directed, count_if(directed AND icmp_error) AS icmp_errors,
          count_if(directed AND NOT icmp_error AND dst_noise) AS noise_destinations,
          count_if(directed AND NOT icmp_error AND NOT dst_noise) AS after_noise,
          count_if(directed AND NOT icmp_error AND NOT dst_noise AND NOT allowed) AS prepared,
          count_if(directed AND NOT icmp_error AND NOT dst_noise AND name_allowed) AS allowlisted_names
        FROM bh_pclassified
      ) CROSS JOIN (
        SELECT count(*) AS flows, count_if(candidate) AS candidates FROM bh_flows
      ) CROSS JOIN (
        SELECT count_if(Kind <> 'strobe' AND Score < \(PeriodicitySQLParameter.minScore.marker)) AS popular
        FROM bh_rated
      ) CROSS JOIN (SELECT internal_hosts FROM bh_window)
      CROSS JOIN (SELECT \(historySkipped) AS history_skipped)
      """
  }
}
