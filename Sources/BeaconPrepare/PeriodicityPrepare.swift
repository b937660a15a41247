import BeaconCore
import BeaconNet

/// The periodicity method's preparation: the vendor filter, valid addresses, and internal →
/// external direction (unless `anyDirection`), with the IANA special-purpose ranges never
/// external, then the allowlist. `PeriodicityPrepareSQL` is the same on Spark.
public enum PeriodicityPrepare {
  public struct Result: Sendable {
    public var rows: [ConnectionRecord] = []
    public var afterVendor = 0
    /// Rows whose SourceIP or DestinationIP is missing or not an IP address (bad input here).
    public var invalidAddresses = 0
    /// The least invalid row in byte order (deterministic, as on Spark).
    public var invalidExample: String?
    public var validRows = 0
    public var afterDirection = 0
    /// Rows dropped because their source or destination is allowlisted.
    public var allowlisted = 0
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

  public static func apply(
    _ rows: [ConnectionRecord], vendor: String?, parameters p: PeriodicityParameters
  ) throws -> Result {
    let classifier = AddressClassifier(internal: try internalNetworks(p))
    let allow = try allowlist(p)
    // Few distinct addresses, many rows: classify each text once.
    var cache: [ExactString: (AddressClass, Bool)?] = [:]
    func classOf(_ s: String?) -> (AddressClass, Bool)? {
      guard let s else { return nil }
      let key = ExactString(s)
      if let c = cache[key] { return c }
      let c = IPAddress(s).map { (classifier.classify($0), allow.contains($0)) }
      cache[key] = c
      return c
    }
    let wanted = vendor.map { ExactString($0) }
    var out = Result()
    out.allowlist = allow
    out.rows.reserveCapacity(rows.count / 2)
    for r in rows {
      if let wanted, r.deviceVendor.map({ ExactString($0) }) != wanted { continue }
      out.afterVendor += 1
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
      guard p.anyDirection || (src.0 == .internal && dst.0 == .external) else { continue }
      out.afterDirection += 1
      if src.1 || dst.1 {
        out.allowlisted += 1
        continue
      }
      out.rows.append(r)
    }
    return out
  }
}
