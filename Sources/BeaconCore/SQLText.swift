/// Quoting for the few places where Spark SQL cannot take a parameter (a path in
/// `INSERT OVERWRITE DIRECTORY`, a constant list). User and log values go in as named
/// parameters instead; nothing else is ever spliced into SQL text.
public enum SQLText {
  /// A Spark SQL string literal: single-quoted, with `\` and `'` escaped and control characters
  /// written as `\uXXXX`, so the literal reads back as exactly `value`.
  public static func stringLiteral(_ value: String) -> String {
    var out = "'"
    for u in value.unicodeScalars {
      switch u {
      case "\\": out += "\\\\"
      case "'": out += "\\'"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where u.value < 0x20 || u.value == 0x7F:
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "'"
  }

  /// A column for a CTE that several parts of a statement read and that is costly to compute.
  /// `rand()` makes the CTE non-deterministic, so Spark does not inline it into each reference
  /// (`InlineCTE` inlines a CTE that is deterministic or read once) but computes it once, as a
  /// shuffle that every reference reuses (`ReplaceCTERefWithRepartition`). Spark 4.3 has no
  /// `MATERIALIZED` keyword for this. The column's value is never read.
  public static let computedOnce = "rand() AS bh_computed_once"
}

// The named parameters (`:name`) of the hunts' Spark SQL, one place for each name. Values travel
// as `SQL.named_arguments` literals, never as SQL text; `SparkEngine` binds every case of each
// enum through an exhaustive switch, so a new parameter cannot be left unbound.

/// The loading rules' named parameter, bound by every query that reads lines.
public enum LoadSQLParameter: String, CaseIterable, Sendable {
  /// Integer: lines longer than this many bytes are skipped (`InputLimits.maxLineBytes`).
  case maxLineBytes = "max_line_bytes"

  /// `:name` as it appears in the SQL.
  public var marker: String { ":" + rawValue }
}

/// The vendor filter's named parameters, shared by both methods' SQL.
public enum VendorSQLParameter: String, CaseIterable, Sendable {
  /// Boolean: keep every vendor.
  case allVendors = "all_vendors"
  /// String: the vendor to keep (ignored when `all_vendors`).
  case vendor

  /// `:name` as it appears in the SQL.
  public var marker: String { ":" + rawValue }
}

/// The named parameters of the notebook method's Spark SQL (values travel as literals).
public enum NotebookSQLParameter: String, CaseIterable, Sendable {
  case dailyEventCount = "daily_event_count"
  case degreeOfSourceIP = "degree_of_srcip"
  case timeDelta = "time_delta"
  case percentBeacon = "percent_beacon"

  /// `:name` as it appears in the SQL.
  public var marker: String { ":" + rawValue }
}

/// Paths as a cluster's file system reads them.
public enum ClusterPath {
  /// Escapes Hadoop glob characters (`\ * ? [ ] { }`) so Spark reads the path literally: Spark
  /// expands a path holding any of them as a pattern.
  public static func literal(_ path: String) -> String {
    var out = ""
    for ch in path {
      if "\\*?[]{}".contains(ch) { out.append("\\") }
      out.append(ch)
    }
    return out
  }
}

/// The named parameters of the periodicity method's Spark SQL (values travel as literals).
public enum PeriodicitySQLParameter: String, CaseIterable, Sendable {
  /// Boolean: keep every direction.
  case anyDirection = "any_direction"
  case minConnections = "min_connections"
  case minPeriods = "min_periods"
  case minScore = "min_score"
  case mergeWindow = "merge_window"
  case retryWindow = "retry_window"
  case popularDestination = "popular_destination"
  case popularShare = "popular_share"
  case burstMinCheckIns = "burst_min_check_ins"
  case burstMinSpan = "burst_min_span"
  /// Integer: the hunted day, in days since the epoch (export hunts).
  case windowDay = "window_day"
  case strobeInterval = "strobe_interval"
  case strobeMinConnections = "strobe_min_connections"

  /// `:name` as it appears in the SQL.
  public var marker: String { ":" + rawValue }
}
