import BeaconCore

/// The cache file of a `DaySummary`: a magic line, then unsigned LEB128 varints (signed values
/// zigzag-encoded), in this order:
///
///     "BHSUM\n" version date fingerprint
///     strings:      count, then each: length, UTF-8 bytes
///     destinations: count, then each: ip, first, source count, sources…
///     flows:        count, then each: source, destination, port+1 (0 = none),
///                   protocol+1 (0 = none), tick count, first tick, then each later tick's
///                   delta from the one before
///
/// Text fields are a length and bytes. Indexes refer to `strings`. A 21-day history is about
/// a tenth of its JSON size and decodes without a parser's per-value work.
///
/// Decoding trusts nothing: every count is bounded by the bytes left (each entry takes at least
/// one), every index by the string table, every sum checked for overflow, and the file must end
/// where the format does. A damaged or foreign file decodes to nil and the day is summarised
/// again.
extension DaySummary {
  static let magic = Array("BHSUM\n".utf8)

  /// The file's bytes.
  public func encoded() -> [UInt8] {
    var w = Writer()
    w.bytes += Self.magic
    w.unsigned(UInt64(Self.version))
    w.text(date)
    w.text(fingerprint)
    w.unsigned(UInt64(strings.count))
    for s in strings { w.text(s) }
    w.unsigned(UInt64(destinations.count))
    for d in destinations {
      w.index(d.ip)
      w.signed(d.first)
      w.unsigned(UInt64(d.sources.count))
      for s in d.sources { w.index(s) }
    }
    w.unsigned(UInt64(flows.count))
    for f in flows {
      w.index(f.source)
      w.index(f.destination)
      w.unsigned(f.port.map { Writer.zigzag(Int64($0)) + 1 } ?? 0)
      w.unsigned(f.protocol.map { UInt64($0) + 1 } ?? 0)
      w.unsigned(UInt64(f.ticks.count))
      var previous: Int64 = 0
      for (k, t) in f.ticks.enumerated() {
        // Deltas are zigzag too: ascending is what we write, not what we rely on.
        w.signed(k == 0 ? t : t &- previous)
        previous = t
      }
    }
    return w.bytes
  }

  /// The summary in `bytes`; nil unless they are a complete summary of this version.
  public init?(decoding bytes: [UInt8]) {
    let decoded: DaySummary? = bytes.withUnsafeBufferPointer { b in
      var r = Reader(b)
      guard r.take(Self.magic.count).map(Array.init) == Self.magic,
        r.unsigned() == UInt64(Self.version),
        let date = r.text(), let fingerprint = r.text(), let nStrings = r.count()
      else { return nil }
      var s = DaySummary(date: date, fingerprint: fingerprint)
      var strings: [String] = []
      strings.reserveCapacity(nStrings)
      for _ in 0..<nStrings {
        guard let t = r.text() else { return nil }
        strings.append(t)
      }
      guard let names = Interner(strings) else { return nil }
      s.names = names
      r.strings = nStrings
      guard let nDestinations = r.count() else { return nil }
      s.destinations.reserveCapacity(nDestinations)
      for _ in 0..<nDestinations {
        guard let ip = r.index(), let first = r.signed(), let n = r.count() else { return nil }
        var sources: [Int32] = []
        sources.reserveCapacity(n)
        for _ in 0..<n {
          guard let k = r.index() else { return nil }
          sources.append(k)
        }
        s.destinations.append(Destination(ip: ip, first: first, sources: sources))
      }
      guard let nFlows = r.count() else { return nil }
      s.flows.reserveCapacity(nFlows)
      for _ in 0..<nFlows {
        guard let source = r.index(), let destination = r.index(), let port = r.unsigned(),
          let proto = r.unsigned(), let n = r.count()
        else { return nil }
        var p: Int32? = nil
        if port > 0 {
          let v = Reader.unzigzag(port - 1)
          guard let v32 = Int32(exactly: v) else { return nil }
          p = v32
        }
        var protocolIndex: Int32? = nil
        if proto > 0 {
          guard proto - 1 < UInt64(nStrings) else { return nil }
          protocolIndex = Int32(proto - 1)
        }
        var ticks: [Int64] = []
        ticks.reserveCapacity(n)
        var t: Int64 = 0
        for k in 0..<n {
          guard let d = r.signed() else { return nil }
          if k == 0 {
            t = d
          } else {
            let (sum, overflow) = t.addingReportingOverflow(d)
            guard !overflow else { return nil }
            t = sum
          }
          ticks.append(t)
        }
        s.flows.append(
          Flow(
            source: source, destination: destination, port: p, protocol: protocolIndex,
            ticks: ticks))
      }
      guard r.atEnd else { return nil }
      return s
    }
    guard let decoded else { return nil }
    self = decoded
  }
}

private struct Writer {
  var bytes: [UInt8] = []

  static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

  mutating func unsigned(_ v: UInt64) {
    var v = v
    while v >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  mutating func signed(_ v: Int64) { unsigned(Self.zigzag(v)) }
  mutating func index(_ k: Int32) { unsigned(UInt64(k)) }

  mutating func text(_ s: String) {
    unsigned(UInt64(s.utf8.count))
    bytes += s.utf8
  }
}

private struct Reader {
  let b: UnsafeBufferPointer<UInt8>
  var at = 0
  /// The string table's size, once read; indexes must be below it.
  var strings = 0

  init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

  var atEnd: Bool { at == b.count }

  static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1))) }

  mutating func unsigned() -> UInt64? {
    var v: UInt64 = 0
    var shift: UInt64 = 0
    while at < b.count {
      let byte = b[at]
      at += 1
      // The tenth byte may hold only the top bit.
      guard shift < 63 || byte <= 1 else { return nil }
      v |= UInt64(byte & 0x7f) << shift
      if byte < 0x80 { return v }
      shift += 7
    }
    return nil
  }

  mutating func signed() -> Int64? { unsigned().map(Self.unzigzag) }

  /// A count of entries that each take at least one byte.
  mutating func count() -> Int? {
    guard let n = unsigned(), n <= UInt64(b.count - at) else { return nil }
    return Int(n)
  }

  mutating func index() -> Int32? {
    guard let k = unsigned(), k < UInt64(strings) else { return nil }
    return Int32(k)
  }

  mutating func take(_ n: Int) -> UnsafeBufferPointer<UInt8>? {
    guard n <= b.count - at else { return nil }
    defer { at += n }
    return UnsafeBufferPointer(rebasing: b[at..<at + n])
  }

  mutating func text() -> String? {
    guard let n = count(), let bytes = take(n) else { return nil }
    return String(validating: bytes, as: UTF8.self)
  }
}
