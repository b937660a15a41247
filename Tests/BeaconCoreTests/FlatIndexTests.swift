import BeaconSimulate
import Testing

@testable import BeaconCore

/// `FlatIndex` numbers keys in order of first sight, whatever their hashes do.
@Suite struct FlatIndexTests {
  /// A key whose hash is chosen by the test: all-equal hashes make every key probe past all the
  /// others, the worst a log could do without the seed.
  struct Probe: FlatKey {
    var value: Int
    var hash: Int
    static let placeholder = Probe(value: 0, hash: 0)
    var mixed: Int { hash }
  }

  func numbering(_ keys: [Probe]) -> (index: FlatIndex<Probe>, numbers: [Int], expected: [Int]) {
    var index = FlatIndex<Probe>(capacity: 4)
    var first: [Int: Int] = [:]
    var numbers: [Int] = []
    var expected: [Int] = []
    for k in keys {
      numbers.append(index.insert(k).number)
      if first[k.value] == nil { first[k.value] = first.count }
      expected.append(first[k.value]!)
    }
    return (index, numbers, expected)
  }

  @Test func numbersKeysInOrderOfFirstSightAcrossGrowth() {
    var rng = SimRandom(seed: 11)  // seeded: a failure reproduces
    // The placeholder's own value is a key like any other: empty slots are told by number 0.
    let keys =
      [Probe.placeholder]
      + (0..<5_000).map { _ in
        let v = Int.random(in: 0..<1_500, using: &rng)
        return Probe(value: v, hash: v &* 0x9E37_79B9)
      }
    let (index, numbers, expected) = numbering(keys)
    #expect(numbers == expected)
    #expect(index.count == Set(keys.map(\.value)).count)
    #expect(index.keys.map(\.value) == uniqueInOrder(keys.map(\.value)))
  }

  @Test func everyKeyOnOneHashStillFindsItsNumber() {
    let keys = (0..<300).map { Probe(value: $0 % 120, hash: 42) }
    let (index, numbers, expected) = numbering(keys)
    #expect(numbers == expected)
    #expect(index.count == 120)
  }

  @Test func removeAllStartsTheNumberingAgain() {
    var index = FlatIndex<Probe>()
    for v in 0..<100 { _ = index.insert(Probe(value: v, hash: v)) }
    index.removeAll()
    #expect(index.count == 0 && index.keys.isEmpty)
    #expect(index.insert(Probe(value: 50, hash: 50)) == (0, true))
    #expect(index.insert(Probe(value: 50, hash: 50)) == (0, false))
  }

  func uniqueInOrder(_ values: [Int]) -> [Int] {
    var seen: Set<Int> = []
    return values.filter { seen.insert($0).inserted }
  }
}
