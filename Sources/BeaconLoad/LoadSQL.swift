import BeaconCore

/// Loading as Spark SQL: the same rows and the same bad-input rules as `ChunkParser`, written for
/// the cluster. Keep the two side by side: the differential tests hold them together.
///
/// The cluster reads the files as text (`Read.DataSource` with format `text`, paths given as
/// protocol fields, never as SQL), so each line is one row, as in the native loader; `from_json`
/// extracts the hunt fields as strings with an explicit schema, and the typing rules below turn
/// them into typed columns. Spark's ANSI mode would fail the job on a bad cast, so every
/// conversion is a `try_` form, and bad rows are classified and counted instead.
public enum LoadSQL {
  /// The alias under which the text rows are referenced (`WithRelations`).
  public static let linesView = "bh_lines"

  /// Options for the text source: read every file below the folders, as the native loader does.
  public static let textOptions = ["recursiveFileLookup": "true"]

  /// `TimeGenerated STRING, SourceIP STRING, …, _corrupt_record STRING`.
  public static var jsonSchema: String {
    (CSLField.allCases.map { "\($0.name) STRING" } + ["_corrupt_record STRING"]).joined(
      separator: ", ")
  }

  /// Strict JSON: no single quotes and no NaN, as the native scanner accepts none.
  static let jsonOptions =
    "map('mode', 'PERMISSIVE', 'columnNameOfCorruptRecord', '_corrupt_record', "
    + "'allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')"

  /// The ISO-8601 shape `Timestamp.parse` accepts.
  static let isoPattern =
    "'^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]+)?\(zone)?$'"

  /// A time zone: `Z`, `z`, `±hh`, `±hhmm` or `±hh:mm`.
  static let zone = "([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)"

  /// The time zone at the end of a time's text.
  static let zonePattern = "'\(zone)$'"

  /// The parts of the time text `t` that `ticks` reads, each with its alias: every regular
  /// expression and conversion is computed once a row, in a projection of its own. Written inline,
  /// the zone's `regexp_extract` ran eight times a row and the whole time twice (for the status
  /// and for `Ticks`), and the load cost three times Spark's own JSON reader.
  static func timeParts(_ t: String) -> [(alias: String, sql: String)] {
    [
      ("t_shape", "\(t) RLIKE \(isoPattern)"),
      ("t_zone", "regexp_extract(\(t), \(zonePattern), 1)"),
      ("t_date", "try_to_date(substr(\(t), 1, 10), 'yyyy-MM-dd')"),
      ("t_h", "try_cast(substr(\(t), 12, 2) AS INT)"),
      ("t_m", "try_cast(substr(\(t), 15, 2) AS INT)"),
      ("t_s", "try_cast(substr(\(t), 18, 2) AS INT)"),
      (
        "t_fraction",
        "CAST(rpad(substr(regexp_extract(\(t), '^.{19}[.,]([0-9]+)', 1), 1, 7), 7, '0') AS BIGINT)"
      ),
    ]
  }

  /// 100 ns ticks since the epoch from the columns of `timeParts`, or NULL: the same arithmetic
  /// as `Timestamp.parse`.
  static var ticks: String {
    // The zone's digits: the shape test leaves only signs and colons besides them.
    let zoneDigits = "translate(t_zone, '+-:', '')"
    let offsetHours = "try_cast(substr(\(zoneDigits), 1, 2) AS INT)"
    let offsetMinutes = "coalesce(try_cast(nullif(substr(\(zoneDigits), 3, 2), '') AS INT), 0)"
    let sign = "CASE WHEN substr(t_zone, 1, 1) = '-' THEN -1 ELSE 1 END"
    let utc = "t_zone IN ('', 'Z', 'z')"
    let offset =
      "CASE WHEN \(utc) THEN 0 ELSE \(sign) * (\(offsetHours) * 3600 + \(offsetMinutes) * 60) END"
    return """
      CASE WHEN t_shape AND t_date IS NOT NULL AND t_h < 24 AND t_m < 60 AND t_s < 60
        AND (\(utc) OR (\(offsetHours) <= 23 AND \(offsetMinutes) <= 59))
      THEN (CAST(unix_date(t_date) AS BIGINT) * 86400 + t_h * 3600 + t_m * 60 + t_s - \(offset)) * 10000000 + t_fraction
      END
      """
  }

  /// An integer field: `try_cast` of the text (Spark's cast trims whitespace and takes a `+`, as
  /// `parseInteger` does); a present value that does not convert is counted as nulled.
  static func int(_ f: CSLField) -> String {
    "try_cast(j.\(f.name) AS \(f.kind == .int32 ? "INT" : "BIGINT"))"
  }

  /// The alias of the history days' text rows (the periodicity method's lookback).
  public static let historyLinesView = "bh_history_lines"

  /// The parsed rows of `linesView` (`rowsCTE`), which the counts and both methods read.
  public static let rowsView = "bh_rows"

  /// The CTEs `bh_parsed`, `bh_rows_times` and `bh_rows`: every line with its `status` (`ok`,
  /// `blank`, `notJSON`, `missingTime`, `badTime`, `tooLong`, `nulBytes`), `Ticks` and the typed
  /// fields.
  public static var rowsCTE: String {
    rowsCTE(lines: linesView, parsed: "bh_parsed", rows: rowsView)
  }

  /// The same rows from another view of text lines, under other names (`rows` + `_times` for
  /// the time's parts).
  public static func rowsCTE(lines: String, parsed: String, rows: String) -> String {
    let fields = CSLField.allCases.filter { $0 != .timeGenerated }.map { f -> String in
      switch f.kind {
      case .int32, .int64: "\(int(f)) AS \(f.name)"
      default: "j.\(f.name) AS \(f.name)"
      }
    }
    let nulled = CSLField.allCases.filter { $0.kind == .int32 || $0.kind == .int64 }.map {
      "(j.\($0.name) IS NOT NULL AND \(int($0)) IS NULL) AS nulled_\($0.name)"
    }
    let times = rows + "_times"
    let parts = timeParts("j.TimeGenerated").map { "\($0.sql) AS \($0.alias)" }
    // As the native loader: a leading UTF-8 BOM is passed over; a line over the limit or with a
    // NUL byte is skipped before it is parsed. Each step is a projection of its own, so that
    // Spark computes the time's parts and `Ticks` once a row (it keeps a projection apart when
    // merging it would repeat an expensive expression).
    // A regular expression decodes the whole line into Java's UTF-16 first, so the common
    // case (a line that opens with `{`) is answered by `startswith`, which reads bytes; and
    // `contains` compares bytes where `instr` steps through characters (1.9 s of a 4.7 s load
    // at 285 k rows).
    //
    // `input_file_name()` makes the rows non-deterministic, so Spark does not inline a CTE over
    // them that is referenced more than once: it plans it as one shuffle that every reference
    // reuses (`ReplaceCTERefWithRepartition`), and the input is read and parsed once however
    // many steps and counts use it. Inlined, the notebook hunt read its input nine times
    // (2.4–2.7 times as long at 285 k rows).
    return """
      \(parsed) AS (
        SELECT file, value, from_json(value, '\(jsonSchema)', \(jsonOptions)) AS j
        FROM (
          SELECT input_file_name() AS file,
            CASE WHEN startswith(value, '\\uFEFF') THEN substr(value, 2) ELSE value END AS value
          FROM \(lines)
        )
      ),
      \(times) AS (
        SELECT file, value, j, \(ticks) AS Ticks
        FROM (SELECT file, value, j, \(parts.joined(separator: ", ")) FROM \(parsed))
      ),
      \(rows) AS (
        SELECT file, value,
          CASE
            WHEN octet_length(value) > \(LoadSQLParameter.maxLineBytes.marker) THEN 'tooLong'
            WHEN contains(value, '\\u0000') THEN 'nulBytes'
            WHEN NOT startswith(value, '{') AND value RLIKE '^[ \\t\\r]*$' THEN 'blank'
            WHEN j IS NULL OR j._corrupt_record IS NOT NULL
              OR NOT (startswith(value, '{') OR value RLIKE '^[ \\t\\r]*[{]') THEN 'notJSON'
            WHEN j.TimeGenerated IS NULL THEN 'missingTime'
            WHEN Ticks IS NULL THEN 'badTime'
            ELSE 'ok'
          END AS status,
          Ticks,
          \((fields + nulled).joined(separator: ",\n    "))
        FROM \(times)
      )
      """
  }

  /// How much of a skipped line the run summary shows from Spark (which has no line numbers).
  public static let exampleCharacters = 160

  /// The first skipped lines, for the run summary (Spark has no line numbers; the text is shown).
  /// It reads `bh_rows` only, so it serves every method.
  public static var skippedExamples: String {
    "WITH " + rowsCTE + """

      SELECT file, status, substr(value, 1, \(exampleCharacters)) AS line FROM \(rowsView)
      WHERE \(isSkipped)
      ORDER BY file, line LIMIT \(InputReport.exampleLimit)
      """
  }

  /// The status values, in `SkipReason` terms.
  public static let statusReasons: [String: SkipReason] = [
    "notJSON": .notJSON, "missingTime": .missingTime, "badTime": .badTime, "tooLong": .tooLong,
    "nulBytes": .nulBytes,
  ]

  /// The skip statuses, in a fixed order.
  public static var skipStatuses: [String] { statusReasons.keys.sorted() }

  /// `count_if(status = 'notJSON') AS notJSON, …` for every skip status: the counts row's columns.
  public static var skipCounts: String {
    skipStatuses.map { "count_if(status = '\($0)') AS \($0)" }.joined(separator: ", ")
  }

  /// `status IN ('badTime', …)`: a skipped line, by any rule.
  public static var isSkipped: String {
    "status IN (" + skipStatuses.map { "'\($0)'" }.joined(separator: ", ") + ")"
  }

  /// The value of a loading rule's parameter, for every query that reads lines.
  public static func parameterValue(_ p: LoadSQLParameter, _ limits: InputLimits) -> Int64 {
    switch p {
    case .maxLineBytes: Int64(limits.maxLineBytes)
    }
  }
}
