/// xoshiro256** seeded through SplitMix64: fast, and the same sequence on every platform, so a
/// `--seed` always gives byte-identical data.
public struct SimRandom: RandomNumberGenerator, Sendable {
  private var s: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var x = seed
    func splitmix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  public mutating func next() -> UInt64 {
    let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = s.3 << 45 | s.3 >> 19
    return result
  }

  /// Uniform in [0, 1).
  public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform integer in `0..<n`.
  public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }

  /// Exponential with the given mean.
  public mutating func exponential(mean: Double) -> Double { -mean * log1m(unit()) }

  /// True with probability `p`.
  public mutating func chance(_ p: Double) -> Bool { unit() < p }

  private func log1m(_ u: Double) -> Double {
    // log(1 - u) without importing Foundation's math into every caller.
    var x = 1 - u
    if x <= 0 { x = .leastNormalMagnitude }
    return _log(x)
  }
}

@inline(__always)
func _log(_ x: Double) -> Double {
  #if canImport(Glibc)
    return Glibc.log(x)
  #else
    return Foundation.log(x)
  #endif
}

#if canImport(Glibc)
  import Glibc
#else
  import Foundation
#endif
