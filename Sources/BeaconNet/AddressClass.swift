/// Where an address sits: the organisation's own networks, the IANA special-purpose ranges that
/// are never "the internet", or external.
public enum AddressClass: String, Sendable {
  case `internal`
  case special
  case external
}

/// IANA's special-purpose address registries (IPv4 and IPv6), the entries that are not globally
/// reachable: loopback, link-local, multicast, documentation, benchmarking, reserved, broadcast,
/// and the like. A destination in one of them is never an external beacon target.
public enum SpecialPurpose {
  public struct Entry: Sendable {
    public var network: IPNetwork
    public var name: String
  }

  public static let entries: [Entry] = [
    ("0.0.0.0/8", "this network"), ("10.0.0.0/8", "private-use"),
    ("100.64.0.0/10", "shared address space"),
    ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private-use"),
    ("192.0.0.0/24", "IETF protocol assignments"), ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast"), ("192.168.0.0/16", "private-use"),
    ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"), ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "limited broadcast"),
    ("::/128", "unspecified"), ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
    ("100::/64", "discard-only"), ("2001::/23", "IETF protocol assignments"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"), ("5f00::/16", "segment routing SIDs"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local unicast"), ("ff00::/8", "multicast"),
  ].map { Entry(network: IPNetwork($0.0)!, name: $0.1) }

  static let set = NetworkSet(entries.map(\.network))

  /// The registry entry holding `address`, if any.
  public static func entry(for address: IPAddress) -> Entry? {
    guard set.contains(address) else { return nil }
    return entries.first { $0.network.contains(address) }
  }

  public static func contains(_ address: IPAddress) -> Bool { set.contains(address) }

  /// The ranges whose traffic is never a beacon even where every direction is hunted: this
  /// network, link-local, multicast and broadcast (discovery protocols, DHCP, mDNS, SSDP).
  public static let noise = [
    "0.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32", "::/128", "fe80::/10",
    "ff00::/8",
  ].map { IPNetwork($0)! }

  static let noiseSet = NetworkSet(noise)

  public static func isNoise(_ address: IPAddress) -> Bool { noiseSet.contains(address) }
}

/// Classifies addresses against the organisation's internal networks.
public struct AddressClassifier: Sendable {
  /// RFC 1918, RFC 6598 (carrier-grade NAT) and IPv6 unique-local: the default `--internal`.
  public static let defaultInternal = [
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
  ]

  public let internalNetworks: NetworkSet

  public init(internal networks: [IPNetwork]) { internalNetworks = NetworkSet(networks) }

  public init() { self.init(internal: Self.defaultInternal.map { IPNetwork($0)! }) }

  /// Internal first (an organisation may use special ranges inside), then special, else external.
  public func classify(_ a: IPAddress) -> AddressClass {
    if internalNetworks.contains(a) { return .internal }
    if SpecialPurpose.contains(a) { return .special }
    return .external
  }
}
