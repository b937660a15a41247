import BeaconCore

/// Destination prevalence: how many distinct sources reached each destination. Very popular
/// destinations are shared infrastructure (update servers, NTP, telemetry), not C2.
public enum Prevalence {
  public static func bySource(_ rows: [ConnectionRecord]) -> [ExactString: Int] {
    var pairs = Set<[ExactString]>()
    for r in rows {
      guard let s = r.sourceIP, let d = r.destinationIP else { continue }
      pairs.insert([ExactString(d), ExactString(s)])
    }
    var out: [ExactString: Int] = [:]
    for p in pairs { out[p[0], default: 0] += 1 }
    return out
  }
}
