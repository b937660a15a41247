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
/// One entry a line: an IP, a CIDR network, a destination port (`udp/123`, `123/udp`,
/// `*:123/udp`, `*:8530`: with or without a protocol), a host name (`updates.example.com`) or a
/// domain's subdomains (`*.example.com`, which does not cover `example.com` itself); `#` starts
/// a comment. Connections whose source or destination address is listed, whose destination port
/// and protocol are, or whose destination name is (`HostName`), are dropped and counted. A
/// proxied connection's destination is its name: the proxy's address is a hop, not matched.
public struct Allowlist: Sendable {
  /// A destination port, and the protocol (lower case) or any.
  public struct Port: Hashable, Sendable {
    public var port: Int32
    public var `protocol`: String?
  }

  public private(set) var networks = NetworkSet()
  public private(set) var ports: [Port] = []
  public private(set) var hostNames: Set<String> = []
  /// `*.suffix` entries, as the suffix (lower case).
  public private(set) var hostSuffixes: [String] = []
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
      } else if let port = Self.port(entry) {
        if !ports.contains(port) { ports.append(port) }
      } else if entry.hasPrefix("*."), let suffix = Self.hostName(String(entry.dropFirst(2))) {
        if !hostSuffixes.contains(suffix) { hostSuffixes.append(suffix) }
      } else if let name = Self.hostName(entry) {
        hostNames.insert(name)
      } else {
        throw .allowlistEntry(path: path, line: k + 1, text: entry)
      }
    }
  }

  public var isEmpty: Bool {
    networks.isEmpty && hostNames.isEmpty && hostSuffixes.isEmpty && ports.isEmpty
  }

  /// Host-name entries, exact and `*.suffix`.
  public var nameCount: Int { hostNames.count + hostSuffixes.count }

  /// Whether a destination name (`HostName`'s form: lower case) is listed.
  public func containsName(_ name: String) -> Bool {
    HostName.matches(name, exact: hostNames, suffixes: hostSuffixes)
  }

  public func contains(_ address: IPAddress) -> Bool { networks.contains(address) }

  /// Whether a destination port (and protocol) is listed; protocols compare case-insensitively.
  public func containsPort(_ port: Int32?, _ protocol: String?) -> Bool {
    guard let port, !ports.isEmpty else { return false }
    let proto = `protocol`?.lowercased()
    return ports.contains { $0.port == port && ($0.protocol == nil || $0.protocol == proto) }
  }

  /// Protocol names an entry may carry: letters, digits and `-` (`tcp`, `udp`, `sctp`, `6`).
  static func protocolName(_ s: Substring) -> String? {
    guard !s.isEmpty, s.count <= 16,
      s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    else { return nil }
    return s.lowercased()
  }

  static func portNumber(_ s: Substring) -> Int32? {
    guard !s.isEmpty, s.count <= 5, s.allSatisfy({ $0.isASCII && $0.isNumber }),
      let v = Int32(s), v <= 65535
    else { return nil }
    return v
  }

  /// `PROTO/PORT`, `PORT/PROTO`, `*:PORT` or `*:PORT/PROTO`.
  static func port(_ entry: String) -> Port? {
    var text = Substring(entry)
    if text.hasPrefix("*:") {
      text = text.dropFirst(2)
      let parts = text.split(separator: "/", omittingEmptySubsequences: false)
      guard parts.count <= 2, let n = portNumber(parts[0]) else { return nil }
      if parts.count == 1 { return Port(port: n, protocol: nil) }
      return protocolName(parts[1]).map { Port(port: n, protocol: $0) }
    }
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2 else { return nil }
    if let n = portNumber(parts[1]), let p = protocolName(parts[0]), portNumber(parts[0]) == nil {
      return Port(port: n, protocol: p)
    }
    if let n = portNumber(parts[0]), let p = protocolName(parts[1]) {
      return Port(port: n, protocol: p)
    }
    return nil
  }

  /// An entry that is a host name by the rule flows are keyed with (`HostName`), written as
  /// that name (no scheme, port or path): the name, lower-cased.
  static func hostName(_ entry: String) -> String? {
    guard case .name(let n) = HostName.parse(entry), n == entry.lowercased() else { return nil }
    return n
  }

}
