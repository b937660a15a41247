/// An IPv4 or IPv6 address, parsed from text the way logs write it.
///
/// Stored as 128 bits; IPv4 addresses (and IPv4-mapped IPv6, `::ffff:a.b.c.d`, which is the same
/// host) are kept in the mapped range with `isIPv4` set, so every range test is one comparison.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let high: UInt64
  public let low: UInt64

  public init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  /// An IPv4 address from its 32 bits.
  public init(ipv4 v: UInt32) {
    high = 0
    low = 0x0000_FFFF_0000_0000 | UInt64(v)
  }

  /// True for IPv4 and IPv4-mapped IPv6 addresses.
  public var isIPv4: Bool { high == 0 && low >> 32 == 0x0000_FFFF }

  /// The IPv4 bits, when `isIPv4`.
  public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

  public static func < (a: IPAddress, b: IPAddress) -> Bool { (a.high, a.low) < (b.high, b.low) }

  /// Parses dotted-quad IPv4 (four decimal octets, no leading zeros beyond a lone `0`, as
  /// inet_pton does) and IPv6 in all its RFC 4291 forms: `::` compression, embedded IPv4, and a
  /// zone (`%eth0`), which is dropped. Surrounding whitespace, brackets and ports are not accepted:
  /// a field that holds them is not an address.
  public init?(_ text: String) {
    // Bytes, not Characters: a combining mark after `%` or `:` must not hide it (Spark, which
    // parses the same text in `PeriodicityPrepare.SQL`, sees code points).
    var text = text
    let bytes = text.utf8
    if let percent = bytes.firstIndex(of: 0x25), bytes.contains(0x3A) {
      guard bytes.index(after: percent) < bytes.endIndex else { return nil }
      text = String(decoding: bytes[..<percent], as: UTF8.self)
    }
    if !text.utf8.contains(0x3A) {
      guard let v = Self.parseIPv4(Substring(text)) else { return nil }
      self.init(ipv4: v)
      return
    }
    guard let (h, l) = Self.parseIPv6(text) else { return nil }
    self.init(high: h, low: l)
  }

  static func parseIPv4(_ s: Substring) -> UInt32? {
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var v: UInt32 = 0
    for p in parts {
      guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        !(p.count > 1 && p.first == "0"), let octet = UInt32(p), octet <= 255
      else { return nil }
      v = v << 8 | octet
    }
    return v
  }

  static func parseIPv6(_ s: String) -> (UInt64, UInt64)? {
    guard s.utf8.count <= 45 else { return nil }
    var head: [UInt16] = []
    var tail: [UInt16] = []
    let halves = splitDoubleColon(s)
    guard halves.count <= 2 else { return nil }
    func groups(_ part: String, allowIPv4: Bool) -> [UInt16]? {
      if part.isEmpty { return [] }
      var out: [UInt16] = []
      let fields = part.split(separator: ":", omittingEmptySubsequences: false)
      for (k, f) in fields.enumerated() {
        if f.contains(".") {
          guard allowIPv4, k == fields.count - 1, let v4 = parseIPv4(f) else { return nil }
          out += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
        } else {
          guard !f.isEmpty, f.count <= 4, let g = UInt16(f, radix: 16), f.allSatisfy(\.isHexDigit)
          else { return nil }
          out.append(g)
        }
      }
      return out
    }
    if halves.count == 2 {
      guard let h = groups(halves[0], allowIPv4: false), let t = groups(halves[1], allowIPv4: true),
        h.count + t.count <= 7
      else {
        return nil
      }
      head = h
      tail = t
    } else {
      guard let all = groups(halves[0], allowIPv4: true), all.count == 8 else { return nil }
      head = all
    }
    let words = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    var h: UInt64 = 0
    var l: UInt64 = 0
    for k in 0..<4 { h = h << 16 | UInt64(words[k]) }
    for k in 4..<8 { l = l << 16 | UInt64(words[k]) }
    return (h, l)
  }

  /// `s` split at each `::`.
  static func splitDoubleColon(_ s: String) -> [String] {
    var parts: [String] = []
    var current: [UInt8] = []
    let bytes = Array(s.utf8)
    var i = 0
    while i < bytes.count {
      if bytes[i] == 0x3A, i + 1 < bytes.count, bytes[i + 1] == 0x3A {
        parts.append(String(decoding: current, as: UTF8.self))
        current = []
        i += 2
      } else {
        current.append(bytes[i])
        i += 1
      }
    }
    parts.append(String(decoding: current, as: UTF8.self))
    return parts
  }

  /// IPv4 as dotted quad; IPv6 in RFC 5952 canonical form.
  public var description: String {
    if let v = ipv4 { return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)" }
    let words = (0..<8).map { k -> UInt16 in
      let w = k < 4 ? high >> UInt64(48 - 16 * k) : low >> UInt64(48 - 16 * (k - 4))
      return UInt16(truncatingIfNeeded: w)
    }
    // The longest run of two or more zero words becomes "::" (the first, on a tie).
    var best = (start: -1, length: 0)
    var k = 0
    while k < 8 {
      guard words[k] == 0 else {
        k += 1
        continue
      }
      var e = k
      while e < 8, words[e] == 0 { e += 1 }
      if e - k > best.length, e - k >= 2 { best = (k, e - k) }
      k = e
    }
    func hex(_ r: Range<Int>) -> String {
      r.map { String(words[$0], radix: 16) }.joined(separator: ":")
    }
    guard best.start >= 0 else { return hex(0..<8) }
    return hex(0..<best.start) + "::" + hex((best.start + best.length)..<8)
  }
}

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a /32 or /128.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
  /// The first address of the network.
  public let base: IPAddress
  /// Prefix length in the 128-bit space (IPv4 /n is stored as /(96 + n)).
  public let bits: Int

  public init?(_ text: String) {
    let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
    guard let address = IPAddress(String(parts[0])) else { return nil }
    let maxBits = address.isIPv4 ? 32 : 128
    var length = maxBits
    if parts.count == 2 {
      guard let n = Int(parts[1]), parts[1].allSatisfy(\.isNumber), (0...maxBits).contains(n) else {
        return nil
      }
      length = n
    }
    self.init(address, prefixLength: length)
  }

  /// The network of `address` with `prefixLength` bits (IPv4 lengths count IPv4 bits).
  public init(_ address: IPAddress, prefixLength: Int) {
    bits = address.isIPv4 ? 96 + prefixLength : prefixLength
    let (mh, ml) = Self.mask(bits)
    base = IPAddress(high: address.high & mh, low: address.low & ml)
  }

  /// The high and low 64-bit masks of a prefix length in the 128-bit space.
  public static func mask(_ bits: Int) -> (UInt64, UInt64) {
    let h: UInt64 = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~0 << UInt64(64 - bits))
    let l: UInt64 = bits <= 64 ? 0 : (bits >= 128 ? ~0 : ~0 << UInt64(128 - bits))
    return (h, l)
  }

  public func contains(_ a: IPAddress) -> Bool {
    let (mh, ml) = Self.mask(bits)
    return a.high & mh == base.high && a.low & ml == base.low
  }

  /// The prefix length as written (IPv4 networks count IPv4 bits).
  public var prefixLength: Int { base.isIPv4 && bits >= 96 ? bits - 96 : bits }

  public var description: String { "\(base)/\(prefixLength)" }
}

/// A set of networks, tested by linear scan (lists here are short: internal ranges, allowlists
/// of tens to thousands of entries are grouped by prefix length so a test is one hash per length).
public struct NetworkSet: Sendable {
  private var byLength: [Int: Set<IPAddress>] = [:]
  public private(set) var networks: [IPNetwork] = []

  public init(_ networks: [IPNetwork] = []) {
    for n in networks { insert(n) }
  }

  public mutating func insert(_ n: IPNetwork) {
    networks.append(n)
    byLength[n.bits, default: []].insert(n.base)
  }

  public var isEmpty: Bool { networks.isEmpty }

  public func contains(_ a: IPAddress) -> Bool {
    for (bits, bases) in byLength {
      let (mh, ml) = IPNetwork.mask(bits)
      if bases.contains(IPAddress(high: a.high & mh, low: a.low & ml)) { return true }
    }
    return false
  }
}
