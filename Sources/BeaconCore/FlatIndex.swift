/// A key of a `FlatIndex`: equality, and a cheap hash of its words.
public protocol FlatKey: Equatable, Sendable {
  /// The key's hash: its words folded in by `FlatHash`.
  var mixed: Int { get }
  /// Any value, held by empty slots.
  static var placeholder: Self { get }
}

/// The mixing steps of `FlatKey.mixed`: a multiply and a shift per 64-bit word, from a
/// per-process random seed, so that values a log chooses (ports, days) cannot be made to
/// collide in a known way.
public enum FlatHash {
  public static let seed = UInt64.random(in: .min ... .max)

  @inlinable @inline(__always)
  public static func start(_ word: UInt64) -> UInt64 {
    let h = seed ^ word
    return (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
  }

  @inlinable @inline(__always)
  public static func add(_ h: UInt64, _ word: UInt64) -> UInt64 {
    let x = h ^ word
    return (x ^ (x >> 29)) &* 0x94D0_49BB_1331_11EB
  }

  @inlinable @inline(__always)
  public static func finish(_ h: UInt64) -> Int {
    Int(truncatingIfNeeded: h ^ (h >> 32))
  }
}

/// Numbers distinct keys 0, 1, 2, … in order of first sight.
///
/// The hunt's hot tables (a chunk's flow fields, the reducer's flows and their addresses) key on
/// small integer ids, for which `Dictionary`'s SipHash was most of the cost of a lookup. Each slot
/// holds its key beside its number, so a lookup reads one place in memory, not two.
///
/// Invariants: `slots.count` is a power of two, and at most three quarters of the slots hold a
/// key (about the load of `Dictionary`, so the table holds no more memory than one); each key is
/// in exactly one slot, with its number plus one (0: an empty slot), reached from `key.mixed` by
/// linear probing without crossing an empty slot; the numbers are `1...count`. Keys are never
/// removed, only all at once (`removeAll`). Numbers are 32-bit: past 2^32 keys `insert` traps, far
/// beyond what memory holds (the reducer's flows are bounded at 2^28 by `FlowRow` already).
public struct FlatIndex<Key: FlatKey>: Sendable {
  @usableFromInline
  struct Slot: Sendable {
    @usableFromInline var key: Key
    @usableFromInline var number: UInt32
    @inlinable init(key: Key, number: UInt32) {
      self.key = key
      self.number = number
    }
  }

  /// The keys, by number (made from the slots: for a pass at the end, not for lookups).
  public var keys: [Key] {
    var out = [Key](repeating: Key.placeholder, count: count)
    for s in slots where s.number != 0 { out[Int(s.number - 1)] = s.key }
    return out
  }
  // Internal but visible to inlined code, so that each key type's lookups are specialised
  // (through a generic witness, a lookup cost more than the hashing saved).
  @usableFromInline var slots: [Slot]
  /// How many keys were inserted.
  @inlinable public var count: Int { inserted }
  @usableFromInline var inserted = 0

  @inlinable
  public init(capacity: Int = 64) {
    var size = 16
    while size * 3 < capacity * 4 { size *= 2 }
    slots = [Slot](repeating: Slot(key: Key.placeholder, number: 0), count: size)
  }

  /// About the bytes held: keys and slots.
  public var heldBytes: Int { slots.count * MemoryLayout<Slot>.stride }

  /// The key's number, new (`inserted`) or known.
  @inlinable
  public mutating func insert(_ key: Key) -> (number: Int, inserted: Bool) {
    let mask = slots.count - 1
    var i = key.mixed & mask
    while true {
      let s = slots[i]
      if s.number == 0 { break }
      if s.key == key { return (Int(s.number - 1), false) }
      i = (i + 1) & mask
    }
    let number = inserted
    inserted += 1
    slots[i] = Slot(key: key, number: UInt32(inserted))
    if inserted * 4 > slots.count * 3 { grow() }
    return (number, true)
  }

  public mutating func removeAll() {
    inserted = 0
    slots = [Slot](repeating: Slot(key: Key.placeholder, number: 0), count: 16)
  }

  @usableFromInline @inline(never)
  mutating func grow() {
    let old = slots
    slots = [Slot](repeating: Slot(key: Key.placeholder, number: 0), count: old.count * 2)
    let mask = slots.count - 1
    for s in old where s.number != 0 {
      var i = s.key.mixed & mask
      while slots[i].number != 0 { i = (i + 1) & mask }
      slots[i] = s
    }
  }
}
