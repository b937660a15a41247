import BeaconCore
import BeaconLoad
import BeaconNet
import BeaconPeriodicity

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
  var window: PeriodicityPrepare.SQL.Window

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
      PeriodicityPrepare.SQL.networksCTE(internal: internalNetworks, allow: allowNetworks))
    parts.append(PeriodicityPrepare.SQL.vendorCTE(rows: LoadSQL.rowsView, prefix: "bh_p"))
    if history { parts.append(PeriodicityPrepare.SQL.vendorCTE(rows: "bh_hrows", prefix: "bh_h")) }
    parts.append(PeriodicityPrepare.SQL.windowCTE(prefix: "bh_p", window: window))
    if history {
      parts.append(PeriodicityPrepare.SQL.windowCTE(prefix: "bh_h", window: .folderDay))
    }
    parts.append(PeriodicityPrepare.SQL.addressesCTE(of: vendorViews))
    parts.append(PeriodicityPrepare.SQL.preparedCTE(prefix: "bh_p", allow: allow))
    if history {
      parts.append(PeriodicityPrepare.SQL.preparedCTE(prefix: "bh_h", allow: allow))
    }
    parts.append(Prevalence.SQL.prevalenceCTE(of: preparedViews))
    parts.append(PeriodicityMethod.SQL.historyCTE(history: history))
    parts.append(PeriodicityMethod.SQL.detectCTE)
    return "WITH " + parts.joined(separator: ",\n")
  }

  /// The findings and the counts row as one statement (`HuntStatement`); the findings come
  /// unordered, and the client sorts them as the native engine does. The input is read and
  /// parsed once for both (see `LoadSQL.rowsCTE`).
  ///
  /// Until 2026-12-06 these were two statements: as one, a local server with a 1 GB driver ran
  /// out of heap on the test suite's exports. Since the counts lost their expanded distinct count
  /// and the load its repeated time parsing, the suite runs it as one on that server.
  var statement: String {
    HuntStatement.combined(
      ctes: ctes, counts: countsSelect,
      findings: "SELECT \(PeriodicityMethod.SQL.columns.joined(separator: ", ")) FROM bh_findings",
      order: nil)
  }

  /// One row of counts for the run summary (the steps the native engine reports): the input's
  /// columns (`InputCounts`), then `PeriodicityCount`'s, each from the view that holds it.
  var countsSelect: String {
    typealias C = PeriodicityCount
    func columns(_ list: [C]) -> String {
      list.map { "\(value($0)) AS \($0.alias)" }.joined(separator: ", ")
    }
    let steady = "directed AND NOT icmp_error AND NOT dst_noise"
    func value(_ c: C) -> String {
      switch c {
      case .vendor: "count(*)"
      case .inWindow: "count_if(in_window)"
      case .outsideExample: "min(CASE WHEN NOT in_window THEN Ticks END)"
      case .firstDay: "first_day"
      case .lastDay: "last_day"
      case .valid: "count_if(valid_ips)"
      case .invalid: "count_if(NOT valid_ips)"
      case .named: "count_if(valid_ips AND DestinationName IS NOT NULL)"
      case .proxied: "count_if(valid_ips AND proxied)"
      case .invalidNames: "count_if(valid_ips AND name_invalid)"
      case .directed: "count_if(directed)"
      case .icmpErrors: "count_if(directed AND icmp_error)"
      case .noiseDestinations: "count_if(directed AND NOT icmp_error AND dst_noise)"
      case .afterNoise: "count_if(\(steady))"
      case .prepared: "count_if(\(steady) AND NOT allowed)"
      case .allowlistedNames: "count_if(\(steady) AND name_allowed)"
      case .flows: "count(*)"
      case .candidates: "count_if(candidate)"
      case .popular:
        "count_if(Kind <> 'strobe' AND Score < \(PeriodicitySQLParameter.minScore.marker))"
      case .internalHosts: "internal_hosts"
      case .historySkipped:
        history ? "(SELECT count_if(\(LoadSQL.isSkipped)) FROM bh_hrows)" : "0L"
      }
    }
    // Each view's columns, in the order of `PeriodicityCount` within it.
    func from(_ view: String) -> [C] {
      C.allCases.filter { c in
        switch c {
        case .vendor, .inWindow, .outsideExample: view == "bh_pwindowed"
        case .firstDay, .lastDay: view == "bh_pspan"
        case .valid, .invalid, .named, .proxied, .invalidNames, .directed, .icmpErrors,
          .noiseDestinations, .afterNoise, .prepared, .allowlistedNames:
          view == "bh_pclassified"
        case .flows, .candidates: view == "bh_flows"
        case .popular: view == "bh_rated"
        case .internalHosts: view == "bh_window"
        case .historySkipped: view == ""
        }
      }
    }
    return """
      SELECT * FROM \(InputCounts.filesRelation) CROSS JOIN (
        SELECT \(InputCounts.select)
        FROM \(LoadSQL.rowsView)
      ) CROSS JOIN (
        SELECT \(columns(from("bh_pwindowed"))) FROM bh_pwindowed
      ) LEFT JOIN (SELECT \(columns(from("bh_pspan"))) FROM bh_pspan) ON true CROSS JOIN (
        SELECT \(columns(from("bh_pclassified"))),
          min(CASE WHEN NOT valid_ips THEN concat('SourceIP ', coalesce(SourceIP, 'null'), ', DestinationIP ',
            coalesce(DestinationIP, 'null')) END) AS \(Self.invalidExample)
        FROM bh_pclassified
      ) CROSS JOIN (SELECT \(columns(from("bh_flows"))) FROM bh_flows)
      CROSS JOIN (SELECT \(columns(from("bh_rated"))) FROM bh_rated)
      CROSS JOIN (SELECT \(columns(from("bh_window"))) FROM bh_window)
      CROSS JOIN (SELECT \(columns(from(""))))
      """
  }

  /// The counts row's one text column: the least invalid row, as the native engine words it.
  static let invalidExample = "invalid_example"
}
