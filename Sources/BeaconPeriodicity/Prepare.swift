import BeaconCore
import BeaconNet

/// The periodicity method's preparation, in order: the vendor filter, the time window (rows
/// outside the hunted day, or outside the data's span, are counted and set nothing), valid
/// addresses, the destination's name (`HostName`), internal → external direction (unless
/// `anyDirection`, with the IANA special-purpose ranges never external, and a proxied request
/// leaving by its proxy), noise (ICMP error replies; link-local, multicast and broadcast
/// destinations), then the allowlist. Kept rows carry the name in `destinationHostName` (and no
/// `requestURL`). `PeriodicityPrepare.SQL` is the same on Spark.
public enum PeriodicityPrepare {
  /// What preparation needs from the options, parsed and read before any data is: a bad network
  /// or allowlist entry fails the hunt before it reads a line.
  public struct Context: Sendable {
    public var classifier: AddressClassifier
    public var allowlist: Allowlist

    public init(_ p: PeriodicityParameters) throws(PrepareError) {
      classifier = AddressClassifier(internal: try PeriodicityPrepare.internalNetworks(p))
      allowlist = try PeriodicityPrepare.allowlist(p)
    }
  }

  public struct Result: Sendable {
    public var rows: [ConnectionRecord] = []
    /// Beside `rows`: whether the source is internal (prevalence counts internal sources only).
    public var sourceInternal: [Bool] = []
    public var afterVendor = 0
    /// The days (since the epoch) rows are kept in, and how many rows fell outside them.
    public var window = TimeWindow.Span(firstDay: 0, lastDay: 0)
    public var outsideWindow = 0
    /// The least time outside the window, in ticks (deterministic, as on Spark).
    public var outsideExample: Int64?
    public var inWindow = 0
    /// Rows whose SourceIP or DestinationIP is missing or not an IP address (bad input here).
    public var invalidAddresses = 0
    /// The least invalid row in byte order (deterministic, as on Spark).
    public var invalidExample: String?
    public var validRows = 0
    /// Valid rows with a destination name (`HostName`), those whose name is a request's target
    /// (through a proxy), and those whose name fields held no usable name.
    public var namedRows = 0
    public var proxiedRows = 0
    public var invalidNames = 0
    public var afterDirection = 0
    public var icmpErrors = 0
    public var noiseDestinations = 0
    public var afterNoise = 0
    /// Rows dropped because their source or destination is allowlisted, and of those, the ones
    /// dropped by their destination's name.
    public var allowlisted = 0
    public var allowlistedByName = 0
    /// Rows kept (the length of `rows` when they are kept).
    public var afterAllowlist = 0
    public var allowlist = Allowlist()
  }

  /// `--internal` networks, or the defaults.
  public static func internalNetworks(_ p: PeriodicityParameters) throws(PrepareError)
    -> [IPNetwork]
  {
    guard let texts = p.internalNetworks else {
      return AddressClassifier.defaultInternal.map { IPNetwork($0)! }
    }
    var out: [IPNetwork] = []
    for t in texts {
      guard let n = IPNetwork(t) else { throw .badNetwork(text: t) }
      out.append(n)
    }
    return out
  }

  /// The allowlist files, read.
  public static func allowlist(_ p: PeriodicityParameters) throws(PrepareError) -> Allowlist {
    var allow = Allowlist()
    for f in p.allowFiles { try allow.load(f) }
    return allow
  }

  /// ICMP types that report on other traffic (IPv4: unreachable, source quench, redirect, time
  /// exceeded, parameter problem; ICMPv6: unreachable, too big, time exceeded, parameter
  /// problem). Zeek writes the type as the source port.
  public static let icmpErrorTypes: [Int32] = [3, 4, 5, 11, 12]
  public static let icmp6ErrorTypes: [Int32] = [1, 2, 3, 4]
  public static let icmpProtocols = ["icmp", "1"]
  public static let icmp6Protocols = ["icmp6", "icmpv6", "ipv6-icmp", "58"]

  /// `s` in lower case when it is short ASCII; nil otherwise. No other text can lower-case to
  /// an ICMP protocol name (on Spark either), and this runs for every row.
  static func asciiLowercased(_ s: String) -> String? {
    guard s.utf8.count <= 16, s.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
    if !s.utf8.contains(where: { (0x41...0x5A).contains($0) }) { return s }
    return String(
      decoding: s.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
  }

  /// Which ICMP family a protocol names, if any (in any case, as the SQL reads it).
  public enum ICMPFamily: Sendable { case none, v4, v6 }

  public static func icmpFamily(_ protocol: String?) -> ICMPFamily {
    guard let proto = `protocol`.flatMap(asciiLowercased) else { return .none }
    return icmpProtocols.contains(proto) ? .v4 : icmp6Protocols.contains(proto) ? .v6 : .none
  }

  /// Whether a row is an ICMP error reply, from its type (Zeek's source port), its protocol's
  /// family and whether its destination is written as IPv6 (`:` in the text): an `icmp` row's
  /// family is the destination's, as written.
  public static func isICMPError(type: Int32?, family: ICMPFamily, destinationIsV6: Bool) -> Bool {
    guard let type else { return false }
    switch family {
    case .none: return false
    case .v4: return (destinationIsV6 ? icmp6ErrorTypes : icmpErrorTypes).contains(type)
    case .v6: return icmp6ErrorTypes.contains(type)
    }
  }

  /// Prepares records already in memory: the kept rows in input order, with their counts.
  public static func apply(
    _ rows: [ConnectionRecord], vendor: String?, window rule: TimeWindow.Rule,
    context: Context, parameters p: PeriodicityParameters
  ) -> Result {
    var chunk = RowChunk()
    for r in rows { chunk.append(r) }
    var reducer = Reducer(
      vendor: vendor, window: rule, context: context, parameters: p, keepRows: true)
    reducer.add(chunk)
    // Without a memory budget nothing goes to disk, so finishing cannot fail.
    do { return try reducer.finish().result } catch { preconditionFailure("\(error)") }
  }
}
