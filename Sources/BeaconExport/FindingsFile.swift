import BeaconCore
import Foundation

/// Findings read back from a file written earlier (JSON lines or a JSON array, by either engine
/// or by `--spark-output`), as columns and cells, for `beaconhunt enrich` and `report`.
public enum FindingsFile {
  /// Reads `path`; columns follow the method's contract order when the keys are a known finding
  /// type, and any other keys come after them in name order.
  public static func read(_ path: String) throws -> (columns: [String], rows: [[Cell]]) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw HuntError("\(path): cannot read the file")
    }
    var objects: [[String: Any]] = []
    let trimmed = data.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    if trimmed.first == UInt8(ascii: "[") {
      guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
        throw HuntError("\(path): not a JSON array of findings")
      }
      objects = array
    } else {
      for (k, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        else { throw HuntError("\(path):\(k + 1): not a JSON object") }
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
    let rows = try objects.enumerated().map { k, o in
      try columns.map { name -> Cell in
        guard let v = o[name] else { return .null }
        guard let cell = cell(v) else {
          throw HuntError("\(path): finding \(k + 1): \(name) holds a nested value")
        }
        return cell
      }
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
