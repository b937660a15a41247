import BeaconCore

/// The notebook's test for a private destination: a **textual prefix** match on the IP text
/// (its regex), not an address-range test. IPv6 and other special ranges pass as "public", as in
/// the notebook. The Spark engine builds its SQL from this same list.
public enum NotebookPrivatePrefixes {
  /// `127.`, `10.`, `172.16.`–`172.31.`, `192.168.`.
  public static let prefixes: [String] =
    ["127.", "10."] + (16...31).map { "172.\($0)." } + ["192.168."]

  /// True when `ip` starts with one of `prefixes`.
  public static func matches(_ ip: String) -> Bool {
    var ip = ip
    return ip.withUTF8 { matches($0) }
  }

  /// `matches` of the address's UTF-8 bytes.
  public static func matches(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    prefixBytes.contains { p in p.count <= b.count && zip(p, b).allSatisfy { $0 == $1 } }
  }

  private static let prefixBytes: [[UInt8]] = prefixes.map { Array($0.utf8) }
}
