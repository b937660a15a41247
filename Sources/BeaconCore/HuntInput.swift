/// The detection methods BeaconHunt knows.
public enum HuntMethod: String, CaseIterable, Sendable {
  /// The Sentinel notebook's method, reproduced row-exactly (`spec/notebook-method.md`).
  case notebook
  /// Jitter-tolerant, per-flow periodicity (`spec/periodicity-method.md`).
  case periodicity
}

/// The source of a hunt's rows.
public enum HuntInput: Sendable, Equatable {
  /// A Log Analytics export (`…/y=YYYY/m=MM/d=DD/h=HH/m=MM/PT05M.json`): the day `endDate`, with
  /// `lookbackDays` of history before it.
  case export(root: String, endDate: CivilDate, lookbackDays: Int)
  /// JSON-lines files and folders (read recursively); `-` is standard input.
  case paths([String])
}

/// Log formats BeaconHunt reads.
public enum InputFormat: String, CaseIterable, Sendable {
  /// Detected per file from its first line.
  case auto
  /// Log Analytics CommonSecurityLog JSON lines (the export).
  case csl
  /// Zeek `conn.log`, TSV with its header or JSON lines.
  case zeek
  /// CSV with a header row, read through `HuntSpec.csvMapping`.
  case csv
  /// CEF syslog lines (`CEF:0|vendor|product|…|src=… dst=… dpt=…`).
  case cef
}
