import BeaconSimulate

/// Seeded mutations of real input files, for the readers' fuzz tests: the same seed gives the same
/// files, so a failure reproduces.
///
/// Besides random bytes, it makes what breaks parsers of logs in practice: numbers grown far past
/// any field's range (the overflow in the CSV/Zeek/CEF time conversion was of this kind), signs,
/// cut and doubled spans, and the bytes that end strings, fields and lines.
public struct Mutator {
  private var rng: SimRandom

  public init(seed: UInt64) { rng = SimRandom(seed: seed) }

  static let special: [[UInt8]] = [
    [0], [0x0D], [0x0A], [0xFF], [0xC3], [0x22], [0x5C], [0x7B], [0x7D], [0x5B], [0x09], [0x2C],
    [0x7C], [0x3D], Array("-".utf8), Array(".".utf8), Array("e999".utf8), Array("\\u0000".utf8),
    Array("\\ud800".utf8), Array("null".utf8), [0xEF, 0xBB, 0xBF],
  ]

  /// `bytes` with one to four mutations.
  public mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
    var b = bytes
    for _ in 0..<Int.random(in: 1...4, using: &rng) where !b.isEmpty {
      let at = Int.random(in: 0..<b.count, using: &rng)
      switch Int.random(in: 0..<7, using: &rng) {
      case 0:
        b[at] = UInt8.random(in: 0...255, using: &rng)
      case 1:
        // Grow a number by a few digits (just past a field's range) or by many: 9s or 0s
        // before a digit.
        let digit = b[at...].firstIndex { $0 >= 0x30 && $0 <= 0x39 } ?? at
        let lengths = [1, 2, 3, 4, 6, 8, 12, 20, 40]
        let run = [UInt8](
          repeating: Bool.random(using: &rng) ? 0x39 : 0x30,
          count: lengths[Int.random(in: 0..<lengths.count, using: &rng)])
        b.insert(contentsOf: run, at: digit)
      case 2:
        let digit = b[at...].firstIndex { $0 >= 0x30 && $0 <= 0x39 } ?? at
        b.insert(0x2D, at: digit)
      case 3:
        let n = min(b.count - at, Int.random(in: 1...64, using: &rng))
        b.removeSubrange(at..<(at + n))
      case 4:
        let n = min(b.count - at, Int.random(in: 1...200, using: &rng))
        b.insert(contentsOf: b[at..<(at + n)], at: at)
      case 5:
        b.insert(
          contentsOf: Self.special[Int.random(in: 0..<Self.special.count, using: &rng)], at: at)
      default:
        // Cut the file short.
        b.removeSubrange(at...)
      }
    }
    return b
  }
}
