import BeaconCore
import BeaconNet

/// The periodicity method's preparation, in order: the vendor filter, the time window (rows
/// outside the hunted day, or outside the data's span, are counted and set nothing), valid
/// addresses, the destination's name (`HostName`), internal → external direction (unless
/// `anyDirection`, with the IANA special-purpose ranges never external, and a proxied request
/// leaving by its proxy), noise (ICMP error replies; link-local, multicast and broadcast
/// destinations), then the allowlist. Kept rows carry the name in `destinationHostName` (and no
/// `requestURL`). `PeriodicityPrepareSQL` is the same on Spark.
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

  /// Whether a row is an ICMP error reply: the family is the destination's, as written.
  public static func isICMPError(_ r: ConnectionRecord) -> Bool {
    guard let type = r.sourcePort, let proto = r.protocol.flatMap(asciiLowercased) else {
      return false
    }
    let v6 = r.destinationIP?.utf8.contains(UInt8(ascii: ":")) ?? false
    if icmpProtocols.contains(proto) {
      return (v6 ? icmp6ErrorTypes : icmpErrorTypes).contains(type)
    }
    return icmp6Protocols.contains(proto) && icmp6ErrorTypes.contains(type)
  }

  public static func apply(
    _ rows: [ConnectionRecord], vendor: String?, window rule: TimeWindow.Rule,
    context: Context, parameters p: PeriodicityParameters
  ) -> Result {
    let classifier = context.classifier
    let allow = context.allowlist
    // Few distinct addresses, many rows: classify each text once.
    struct Class {
      var kind: AddressClass
      var allowed: Bool
      var noise: Bool
    }
    var cache: [ExactString: Class?] = [:]
    func classOf(_ s: String?) -> Class? {
      guard let s else { return nil }
      let key = ExactString(s)
      if let c = cache[key] { return c }
      let c = IPAddress(s).map {
        Class(
          kind: classifier.classify($0), allowed: allow.contains($0),
          noise: SpecialPurpose.isNoise($0))
      }
      cache[key] = c
      return c
    }
    // Names repeat as addresses do: parse each distinct pair of fields once.
    struct NameFields: Hashable {
      var request: ExactString?
      var host: ExactString?
    }
    var names: [NameFields: HostName.Destination] = [:]
    func destinationName(_ r: ConnectionRecord) -> HostName.Destination? {
      guard r.requestURL != nil || r.destinationHostName != nil else { return nil }
      let key = NameFields(
        request: r.requestURL.map { ExactString($0) },
        host: r.destinationHostName.map { ExactString($0) })
      if let d = names[key] { return d }
      let d = HostName.destination(requestURL: r.requestURL, hostName: r.destinationHostName)
      names[key] = d
      return d
    }
    let wanted = vendor.map { ExactString($0) }
    func vendorKept(_ r: ConnectionRecord) -> Bool {
      guard let wanted else { return true }
      return r.deviceVendor.map({ ExactString($0) }) == wanted
    }
    var out = Result()
    out.allowlist = allow
    var days = TimeWindow.DayCounts()
    for r in rows where vendorKept(r) { days.add(r.time.ticks) }
    out.window = rule.span(days)
    out.rows.reserveCapacity(rows.count / 2)
    for r in rows {
      guard vendorKept(r) else { continue }
      out.afterVendor += 1
      guard out.window.contains(r.time.ticks) else {
        out.outsideWindow += 1
        out.outsideExample = min(out.outsideExample ?? .max, r.time.ticks)
        continue
      }
      out.inWindow += 1
      guard let src = classOf(r.sourceIP), let dst = classOf(r.destinationIP) else {
        out.invalidAddresses += 1
        let example = PeriodicitySteps.invalidExample(
          source: r.sourceIP, destination: r.destinationIP)
        if out.invalidExample.map({ utf8Compare(example, $0) < 0 }) ?? true {
          out.invalidExample = example
        }
        continue
      }
      out.validRows += 1
      let name = destinationName(r)
      let proxied = name?.proxied ?? false
      if name?.name != nil { out.namedRows += 1 }
      if proxied { out.proxiedRows += 1 }
      if name?.invalid ?? false { out.invalidNames += 1 }
      // A proxied connection leaves the network by its proxy: the proxy is a hop.
      guard
        p.anyDirection || (src.kind == .internal && (dst.kind == .external || proxied))
      else { continue }
      out.afterDirection += 1
      if isICMPError(r) {
        out.icmpErrors += 1
        continue
      }
      if dst.noise, !proxied {
        out.noiseDestinations += 1
        continue
      }
      out.afterNoise += 1
      let nameAllowed = name?.name.map(allow.containsName) ?? false
      if src.allowed || (dst.allowed && !proxied) || nameAllowed
        || allow.containsPort(r.destinationPort, r.protocol)
      {
        out.allowlisted += 1
        if nameAllowed { out.allowlistedByName += 1 }
        continue
      }
      var r = r
      r.destinationHostName = name?.name
      r.requestURL = nil
      out.rows.append(r)
      out.sourceInternal.append(src.kind == .internal)
    }
    return out
  }
}
