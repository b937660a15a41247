import BeaconCore
import BeaconNotebook
import BeaconPeriodicity

/// The findings of one hunt, typed by method.
public enum Findings: Sendable, Equatable {
  case notebook([NotebookFinding])
  case periodicity([PeriodicityFinding])

  public var count: Int {
    switch self {
    case .notebook(let f): f.count
    case .periodicity(let f): f.count
    }
  }

  /// The notebook method's findings, or nil for another method.
  public var notebook: [NotebookFinding]? {
    if case .notebook(let f) = self { return f }
    return nil
  }

  /// The periodicity method's findings, or nil for another method.
  public var periodicity: [PeriodicityFinding]? {
    if case .periodicity(let f) = self { return f }
    return nil
  }

  /// Column names and rows of cells, for the exporters.
  public var table: (columns: [String], rows: [[Cell]]) {
    switch self {
    case .notebook(let f): (NotebookFinding.columns, f.map(\.cells))
    case .periodicity(let f): (PeriodicityFinding.columns, f.map(\.cells))
    }
  }
}
