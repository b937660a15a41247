import BeaconCore
import BeaconNotebook
import BeaconPeriodicity
import Foundation

/// Why a findings file could not be read back, with the values a message needs.
public enum FindingsFileError: Error, Sendable, Equatable {
  case file(TextFileError)
  case notJSONArray(path: String)
  /// A JSON-lines line (1-based) that is not an object.
  case notJSONObject(path: String, line: Int)
  /// A finding (1-based) whose column holds an object, or a list of non-numbers.
  case nestedValue(path: String, finding: Int, column: String)
}

/// Findings read back from a file written earlier (JSON lines or a JSON array, by either engine
/// or by `--spark-output`), as columns and cells, for `beaconhunt enrich` and `report`.
public enum FindingsFile {
  /// Reads `path`; columns follow the method's contract order when the keys are a known finding
  /// type, and any other keys come after them in name order.
  public static func read(_ path: String) throws(FindingsFileError) -> (
    columns: [String], rows: [[Cell]]
  ) {
    let data: Data
    do { data = Data(try TextFile.read(path)) } catch { throw .file(error) }
    var objects: [[String: Any]] = []
    let trimmed = data.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    if trimmed.first == UInt8(ascii: "[") {
      guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
        throw .notJSONArray(path: path)
      }
      objects = array
    } else {
      for (k, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        else { throw .notJSONObject(path: path, line: k + 1) }
        objects.append(object)
      }
    }
    let keys = Set(objects.flatMap(\.keys))
    var columns: [String] = []
    for known in [PeriodicityFinding.columns, NotebookFinding.columns]
    where Set(known).isSubset(of: keys) {
      columns = known
      break
    }
    columns += keys.subtracting(columns).sorted()
    var rows: [[Cell]] = []
    for (k, o) in objects.enumerated() {
      var row: [Cell] = []
      for name in columns {
        guard let v = o[name] else {
          row.append(.null)
          continue
        }
        guard let cell = cell(v) else {
          throw .nestedValue(path: path, finding: k + 1, column: name)
        }
        row.append(cell)
      }
      rows.append(row)
    }
    return (columns, rows)
  }

  static func cell(_ v: Any) -> Cell? {
    switch v {
    case is NSNull: return .null
    case let s as String: return .string(s)
    case let n as NSNumber:
      // JSON numbers with a fraction or exponent come back as doubles ("d"), the rest as integers.
      let type = String(cString: n.objCType)
      return type == "d" || type == "f" ? .double(n.doubleValue) : .int(n.int64Value)
    case let list as [Any]:
      if !list.isEmpty, list.allSatisfy({ $0 is String }) {
        return .stringList(list.map { $0 as! String })
      }
      var ints: [Int64] = []
      for x in list {
        guard let n = x as? NSNumber else { return nil }
        ints.append(n.int64Value)
      }
      return .intList(ints)
    default: return nil
    }
  }
}
