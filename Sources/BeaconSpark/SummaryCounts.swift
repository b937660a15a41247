import BeaconArrow
import BeaconCore
import BeaconLoad

/// A column of a counts statement: its alias is written into the SQL from here and read back
/// from here, and `SparkEngine` assigns every case through an exhaustive switch, so a count
/// cannot be added to one side and forgotten on the other.
protocol CountColumn: RawRepresentable<String>, CaseIterable, Hashable {
  /// Null when no row gives it (a minimum over none); the others are counts, never null.
  var nullable: Bool { get }
}

extension CountColumn {
  /// The alias, for the SQL.
  var alias: String { rawValue }
}

/// The notebook hunt's counts row (`NotebookHuntSQL.countsSelect`), after the input's columns.
enum NotebookCount: String, CountColumn {
  case vendor, prepared, busy, rare, baselined, complete, passing, groups
  var nullable: Bool { false }
}

/// The periodicity hunt's counts row (`PeriodicityHuntSQL.countsSelect`), after the input's columns.
enum PeriodicityCount: String, CountColumn {
  case vendor
  case inWindow = "in_window"
  case outsideExample = "outside_example"
  case firstDay = "first_day"
  case lastDay = "last_day"
  case valid, invalid, named, proxied
  case invalidNames = "invalid_names"
  case directed
  case icmpErrors = "icmp_errors"
  case noiseDestinations = "noise_destinations"
  case afterNoise = "after_noise"
  case prepared
  case allowlistedNames = "allowlisted_names"
  case flows, candidates, popular
  case internalHosts = "internal_hosts"
  case historySkipped = "history_skipped"

  var nullable: Bool {
    switch self {
    case .outsideExample, .firstDay, .lastDay: true
    default: false
    }
  }
}

/// The input's columns of every counts row: files, rows, blank lines, each skip status and
/// each field that can be nulled (`LoadSQL`, `NotebookHuntSQL.nulledFields`).
enum InputCounts {
  static let files = "files"
  static let rows = "rows"
  static let blank = "blank"
  static func nulled(_ field: CSLField) -> String { "nulled_\(field.name)" }

  /// The count of files as a relation of its own, to cross-join with the counts row's others.
  /// Beside other aggregates, a distinct count makes Spark expand every row twice (once for it,
  /// once for the rest): 1.7 s of a 12.3 s notebook hunt at 285 k rows (best of 4 each).
  static var filesRelation: String {
    "(SELECT count(DISTINCT file) AS \(files) FROM \(LoadSQL.rowsView))"
  }

  /// The input's other columns over `bh_rows`, for a counts statement's SELECT list.
  static var select: String {
    ([
      "count_if(status = 'ok') AS \(rows)",
      "count_if(status = 'blank') AS \(blank)", LoadSQL.skipCounts,
    ]
      + NotebookHuntSQL.nulledFields.map {
        "count_if(status = 'ok' AND nulled_\($0.name)) AS \(nulled($0))"
      }).joined(separator: ", ")
  }

  static var aliases: [String] {
    [files, rows, blank] + LoadSQL.skipStatuses + NotebookHuntSQL.nulledFields.map(nulled)
  }
}

/// The one row of a counts statement, by alias; a missing column, or a null where a count
/// belongs, is Spark answering something else than what was asked.
struct CountsRow {
  private var values: [String: Int?] = [:]

  init(_ table: ArrowTable, required aliases: [String], nullable: Set<String> = []) throws {
    guard table.rows.count == 1, let row = table.rows.first else {
      throw SparkError.protocolError(message: "the counts query returned \(table.rows.count) rows")
    }
    var byName: [String: ArrowValue] = [:]
    for (k, f) in table.fields.enumerated() { byName[f.name] = row[k] }
    for a in aliases {
      switch byName[a] {
      case .int(let v)?: values[a] = Int(v)
      case .null? where nullable.contains(a): values[a] = .some(nil)
      case let other:
        throw SparkError.protocolError(
          message: "the counts query's \(a) is \(other.map { "\($0)" } ?? "missing")")
      }
    }
  }

  /// A row with the input's columns and `Column`'s.
  init<Column: CountColumn>(_ table: ArrowTable, _: Column.Type) throws {
    let columns = Column.allCases.map(\.alias)
    try self.init(
      table, required: InputCounts.aliases + columns,
      nullable: Set(Column.allCases.filter(\.nullable).map(\.alias)))
  }

  subscript(_ alias: String) -> Int { values[alias].flatMap { $0 } ?? 0 }
  subscript<Column: CountColumn>(_ c: Column) -> Int? { values[c.alias].flatMap { $0 } }
}
