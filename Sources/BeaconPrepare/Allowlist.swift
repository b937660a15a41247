import BeaconCore
import BeaconNet
import Foundation

/// Addresses and networks the analyst has cleared (`--allow FILE`, repeatable).
///
/// One entry a line: an IP, a CIDR network or a host name; `#` starts a comment. Flows whose
/// source or destination is listed are dropped and counted. Host names are kept for inputs that
/// carry destination host names; the loaders read none yet, so they are counted as unused.
public struct Allowlist: Sendable {
  public private(set) var networks = NetworkSet()
  public private(set) var hostNames: Set<String> = []
  public private(set) var sources: [String] = []

  public init() {}

  /// Parses one file; a line that is none of the three forms is an error naming file and line.
  public mutating func load(_ path: String) throws {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw HuntError("--allow \(path): cannot read the file")
    }
    sources.append(path)
    for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var line = Substring(raw)
      if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
      let entry = line.trimmingCharacters(in: .whitespacesAndNewlines)
      guard !entry.isEmpty else { continue }
      if let n = IPNetwork(entry) {
        networks.insert(n)
      } else if Self.isHostName(entry) {
        hostNames.insert(entry.lowercased())
      } else {
        throw HuntError(
          "--allow \(path):\(k + 1): \(entry.debugDescription) is not an IP, a CIDR network or a host name"
        )
      }
    }
  }

  public var isEmpty: Bool { networks.isEmpty && hostNames.isEmpty }

  public func contains(_ address: IPAddress) -> Bool { networks.contains(address) }

  static func isHostName(_ s: String) -> Bool {
    let labels = s.split(separator: ".", omittingEmptySubsequences: false)
    return s.count <= 253 && labels.count >= 2
      && labels.allSatisfy { l in
        !l.isEmpty && l.count <= 63 && l.first != "-" && l.last != "-"
          && l.allSatisfy {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "*")
          }
      }
  }
}
