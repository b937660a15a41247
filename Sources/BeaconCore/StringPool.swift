/// Strings interned by their UTF-8 bytes: each distinct byte sequence gets one `UInt32` id, in
/// order of first appearance, and its bytes are stored once.
///
/// A hunt's rows repeat few distinct values (addresses, protocols, vendors, names) millions of
/// times; interning them as they are parsed keeps one copy of each and lets every later stage
/// group and compare rows by integers. Ids compare bytes exactly, as Spark groups strings (see
/// `ExactString`): two spellings of the same text are two ids.
///
/// Invariants: `starts.count == count + 1`, `starts[0] == 0`, and the bytes of id `i` are
/// `arena[starts[i]..<starts[i + 1]]`. `table`'s capacity is a power of two at least twice
/// `count`; a slot holds an id + 1, or 0 when empty (linear probing).
public struct StringPool: Sendable {
  /// The id that stands for a missing value (`nil`).
  public static let none: UInt32 = .max

  private var arena: [UInt8] = []
  private var starts: [Int] = [0]
  private var hashes: [UInt64] = []
  private var table: [UInt32] = Array(repeating: 0, count: 64)

  public init() {}

  /// Distinct strings interned.
  public var count: Int { starts.count - 1 }

  /// About the bytes the pool holds: its text and, per string, its start, hash and slots.
  public var heldBytes: Int {
    arena.capacity + starts.capacity * 8 + hashes.capacity * 8 + table.count * 4
  }

  /// The id of `bytes`, interning them on first sight.
  @inlinable
  public mutating func id(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    id(bytes, hash: Self.hash(bytes))
  }

  /// The id of `s`'s UTF-8 bytes.
  public mutating func id(_ s: String) -> UInt32 {
    var s = s
    return s.withUTF8 { id($0) }
  }

  /// The id of an optional string: `none` for nil.
  public mutating func id(_ s: String?) -> UInt32 {
    s.map { id($0) } ?? Self.none
  }

  @usableFromInline
  mutating func id(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> UInt32 {
    let mask = table.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let entry = table[slot]
      if entry == 0 { break }
      let i = Int(entry - 1)
      if hashes[i] == hash, equals(i, bytes) { return UInt32(i) }
      slot = (slot + 1) & mask
    }
    let new = UInt32(count)
    // Memory runs out long before: each string costs at least 20 bytes of bookkeeping.
    precondition(new < PoolRemap.unmapped, "more than 4 billion distinct strings")
    arena.append(contentsOf: bytes)
    starts.append(arena.count)
    hashes.append(hash)
    table[slot] = new + 1
    if count * 2 > table.count { grow() }
    return new
  }

  fileprivate func equals(_ i: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let lo = starts[i]
    let n = starts[i + 1] - lo
    guard n == bytes.count else { return false }
    if n == 0 { return true }
    return arena.withUnsafeBufferPointer { a in
      memcmpBytes(a.baseAddress! + lo, bytes.baseAddress!, n)
    }
  }

  private mutating func grow() {
    var bigger = [UInt32](repeating: 0, count: table.count * 2)
    let mask = bigger.count - 1
    for i in 0..<count {
      var slot = Int(truncatingIfNeeded: hashes[i]) & mask
      while bigger[slot] != 0 { slot = (slot + 1) & mask }
      bigger[slot] = UInt32(i + 1)
    }
    table = bigger
  }

  /// Calls `body` with the bytes of `id` (not `none`).
  @inlinable
  public func withBytes<R>(_ id: UInt32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows
    -> R
  {
    try _withBytes(Int(id), body)
  }

  @usableFromInline
  func _withBytes<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    let lo = starts[i]
    let hi = starts[i + 1]
    return try arena.withUnsafeBufferPointer { a in
      try body(UnsafeBufferPointer(rebasing: a[lo..<hi]))
    }
  }

  /// The string of `id`, or nil for `none`. Interned bytes are valid UTF-8 (every reader
  /// interns decoded text), so this is exact.
  public func string(_ id: UInt32) -> String? {
    guard id != Self.none else { return nil }
    return withBytes(id) { String(decoding: $0, as: UTF8.self) }
  }

  /// Every string, by id: one allocation per distinct string, for stages that hand strings on.
  public func strings() -> [String] {
    (0..<count).map { i in _withBytes(i) { String(decoding: $0, as: UTF8.self) } }
  }

  /// Each id's rank in byte order (Spark's string order), so that rows sort by integers.
  public func byteOrderRanks() -> [UInt32] {
    var order = Array(0..<UInt32(count))
    arena.withUnsafeBufferPointer { a in
      let base = a.baseAddress
      order.sort { x, y in
        let xl = starts[Int(x)]
        let xn = starts[Int(x) + 1] - xl
        let yl = starts[Int(y)]
        let yn = starts[Int(y) + 1] - yl
        let n = min(xn, yn)
        if n > 0, let base {
          let c = memcmpOrder(base + xl, base + yl, n)
          if c != 0 { return c < 0 }
        }
        return xn < yn
      }
    }
    var rank = [UInt32](repeating: 0, count: count)
    for (r, id) in order.enumerated() { rank[Int(id)] = UInt32(r) }
    return rank
  }

  /// A fast hash of short byte strings (8 bytes at a time, then a final mix), started from the
  /// process's random seed (`FlatHash.seed`): the strings are the log's, and a table whose
  /// collisions an attacker could compute in advance would turn a crafted log into a slow hunt.
  @inlinable
  public static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = FlatHash.seed ^ 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.count)
    guard let p = b.baseAddress else { return h }
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 8 <= b.count {
      h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
      h ^= h >> 29
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < b.count {
      tail |= UInt64(p[i]) << shift
      shift += 8
      i += 1
    }
    h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 32)
  }
}

@usableFromInline
func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
  memcmpOrder(a, b, n) == 0
}

@usableFromInline
func memcmpOrder(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Int {
  var i = 0
  while i + 8 <= n {
    let x = UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self)
    let y = UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
    if x != y {
      // The first differing byte decides, as in byte order.
      let xb = x.bigEndian
      let yb = y.bigEndian
      return xb < yb ? -1 : 1
    }
    i += 8
  }
  while i < n {
    if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
    i += 1
  }
  return 0
}

extension StringPool {
  /// The id of `bytes` if they were interned; never adds them.
  public func find(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
    let hash = Self.hash(bytes)
    let mask = table.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let entry = table[slot]
      if entry == 0 { return nil }
      let i = Int(entry - 1)
      if hashes[i] == hash, equals(i, bytes) { return UInt32(i) }
      slot = (slot + 1) & mask
    }
  }

  /// The id of `s` if it was interned.
  public func find(_ s: String) -> UInt32? {
    var s = s
    return s.withUTF8 { find($0) }
  }
}
