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
    "'^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]+)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$'"

  /// 100 ns ticks since the epoch from the text `t`, or NULL: the same arithmetic as `Timestamp.parse`.
  static func ticks(_ t: String) -> String {
    let zone = "regexp_extract(\(t), '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$', 1)"
    let zoneDigits = "regexp_replace(\(zone), '[^0-9]', '')"
    let offsetHours = "try_cast(substr(\(zoneDigits), 1, 2) AS INT)"
    let offsetMinutes = "coalesce(try_cast(nullif(substr(\(zoneDigits), 3, 2), '') AS INT), 0)"
    let sign = "CASE WHEN substr(\(zone), 1, 1) = '-' THEN -1 ELSE 1 END"
    let offset =
      "CASE WHEN \(zone) IN ('', 'Z', 'z') THEN 0 ELSE \(sign) * (\(offsetHours) * 3600 + \(offsetMinutes) * 60) END"
    let date = "try_to_date(substr(\(t), 1, 10), 'yyyy-MM-dd')"
    let h = "try_cast(substr(\(t), 12, 2) AS INT)"
    let m = "try_cast(substr(\(t), 15, 2) AS INT)"
    let s = "try_cast(substr(\(t), 18, 2) AS INT)"
    let fraction =
      "CAST(rpad(substr(regexp_extract(\(t), '^.{19}[.,]([0-9]+)', 1), 1, 7), 7, '0') AS BIGINT)"
    return """
      CASE WHEN \(t) RLIKE \(isoPattern) AND \(date) IS NOT NULL AND \(h) < 24 AND \(m) < 60 AND \(s) < 60
        AND (\(zone) IN ('', 'Z', 'z') OR (\(offsetHours) <= 23 AND \(offsetMinutes) <= 59))
      THEN (CAST(unix_date(\(date)) AS BIGINT) * 86400 + \(h) * 3600 + \(m) * 60 + \(s) - \(offset)) * 10000000 + \(fraction)
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

  /// The CTEs `bh_parsed` and `bh_rows`: every line with its `status` (`ok`, `blank`,
  /// `notJSON`, `missingTime`, `badTime`), `Ticks` and the typed fields.
  public static var rowsCTE: String {
    rowsCTE(lines: linesView, parsed: "bh_parsed", rows: "bh_rows")
  }

  /// The same rows from another view of text lines, under other names.
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
    // As the native loader: a leading UTF-8 BOM is passed over; a line over the limit or with a
    // NUL byte is skipped before it is parsed.
    return """
      \(parsed) AS (
        SELECT file, value, from_json(value, '\(jsonSchema)', \(jsonOptions)) AS j
        FROM (
          SELECT input_file_name() AS file, regexp_replace(value, '^\\uFEFF', '') AS value
          FROM \(lines)
        )
      ),
      \(rows) AS (
        SELECT file, value,
          CASE
            WHEN octet_length(value) > \(LoadSQLParameter.maxLineBytes.marker) THEN 'tooLong'
            WHEN instr(value, '\\u0000') > 0 THEN 'nulBytes'
            WHEN value RLIKE '^[ \\t\\r]*$' THEN 'blank'
            WHEN j IS NULL OR j._corrupt_record IS NOT NULL OR NOT (value RLIKE '^[ \\t\\r]*[{]') THEN 'notJSON'
            WHEN j.TimeGenerated IS NULL THEN 'missingTime'
            WHEN (\(ticks("j.TimeGenerated"))) IS NULL THEN 'badTime'
            ELSE 'ok'
          END AS status,
          \(ticks("j.TimeGenerated")) AS Ticks,
          \((fields + nulled).joined(separator: ",\n    "))
        FROM \(parsed)
      )
      """
  }

  /// How much of a skipped line the run summary shows from Spark (which has no line numbers).
  public static let exampleCharacters = 160

  /// The first skipped lines, for the run summary (Spark has no line numbers; the text is shown).
  /// It reads `bh_rows` only, so it serves every method.
  public static var skippedExamples: String {
    "WITH " + rowsCTE + """

      SELECT file, status, substr(value, 1, \(exampleCharacters)) AS line FROM bh_rows
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
