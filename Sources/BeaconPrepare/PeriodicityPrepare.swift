import BeaconCore
import BeaconNet

/// The periodicity method's preparation: valid addresses, and internal → external direction
/// (unless `anyDirection`), with the IANA special-purpose ranges never external.
public enum PeriodicityPrepare {
  public struct Result: Sendable {
    public var rows: [ConnectionRecord]
    /// Rows whose SourceIP or DestinationIP is missing or not an IP address (bad input here).
    public var invalidAddresses: Int
    public var invalidExamples: [String]
    public var validRows: Int
    /// Rows dropped because their source or destination is allowlisted.
    public var allowlisted = 0
    public var allowlist = Allowlist()
  }

  public static func classifier(_ p: PeriodicityParameters) throws -> AddressClassifier {
    guard let texts = p.internalNetworks else { return AddressClassifier() }
    return AddressClassifier(
      internal: try texts.map { t in
        guard let n = IPNetwork(t) else {
          throw HuntError("--internal \(t): not a CIDR network (e.g. 10.0.0.0/8)")
        }
        return n
      })
  }

  public static func apply(_ rows: [ConnectionRecord], parameters p: PeriodicityParameters) throws
    -> Result
  {
    let classifier = try classifier(p)
    var allow = Allowlist()
    for f in p.allowFiles { try allow.load(f) }
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
    var out = Result(rows: [], invalidAddresses: 0, invalidExamples: [], validRows: 0)
    out.allowlist = allow
    out.rows.reserveCapacity(rows.count / 2)
    for r in rows {
      guard let src = classOf(r.sourceIP), let dst = classOf(r.destinationIP) else {
        out.invalidAddresses += 1
        if out.invalidExamples.count < InputReport.exampleLimit {
          out.invalidExamples.append(
            "SourceIP \(r.sourceIP ?? "null"), DestinationIP \(r.destinationIP ?? "null")")
        }
        continue
      }
      out.validRows += 1
      guard p.anyDirection || (src.0 == .internal && dst.0 == .external) else { continue }
      if src.1 || dst.1 {
        out.allowlisted += 1
        continue
      }
      out.rows.append(r)
    }
    return out
  }
}
