import BeaconCore
import BeaconNet
import Foundation

/// Why the periodicity method's options could not be used, with the values a message needs.
public enum PrepareError: Error, Sendable, Equatable {
  /// An internal network that is not a CIDR network.
  case badNetwork(text: String)
  /// An allowlist file that could not be read.
  case allowlistFile(TextFileError)
  /// An allowlist line that is none of the forms (line is 1-based).
  case allowlistEntry(path: String, line: Int, text: String)
  case allowlistNotText(path: String)
}

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
  public mutating func load(_ path: String) throws(PrepareError) {
    let bytes: [UInt8]
    do { bytes = try TextFile.read(path) } catch { throw .allowlistFile(error) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw .allowlistNotText(path: path)
    }
    sources.append(path)
    for (k, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .enumerated()
    {
      var line = Substring(raw)
      if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
      let entry = line.trimmingCharacters(in: .whitespacesAndNewlines)
      guard !entry.isEmpty else { continue }
      if let n = IPNetwork(entry) {
        networks.insert(n)
      } else if Self.isHostName(entry) {
        hostNames.insert(entry.lowercased())
      } else {
        throw .allowlistEntry(path: path, line: k + 1, text: entry)
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
