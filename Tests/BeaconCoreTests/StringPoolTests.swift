import BeaconCore
import Testing

@Suite struct StringPoolTests {
  @Test func internsEachByteSequenceOnceInOrderOfFirstSight() {
    var pool = StringPool()
    let texts = ["10.0.0.5", "203.0.113.9", "10.0.0.5", "", "TCP", "203.0.113.9"]
    let ids = texts.map { pool.id($0) }
    #expect(ids == [0, 1, 0, 2, 3, 1])
    #expect(pool.count == 4)
    #expect(pool.strings() == ["10.0.0.5", "203.0.113.9", "", "TCP"])
    #expect(pool.string(StringPool.none) == nil)
    #expect(pool.id(nil as String?) == StringPool.none)
    #expect(pool.find("TCP") == 3)
    #expect(pool.find("UDP") == nil)
    #expect(pool.count == 4)  // find never adds
  }

  @Test func idsCompareBytesNotCanonicalEquivalence() {
    // "é" precomposed and decomposed are equal `String`s but different bytes, as Spark groups.
    var pool = StringPool()
    let a = pool.id("caf\u{E9}")
    let b = pool.id("cafe\u{301}")
    #expect(a != b)
    #expect(pool.string(a) == "caf\u{E9}")
  }

  @Test func holdsManyStringsAcrossGrowthWithEveryIdStable() {
    var pool = StringPool()
    var ids: [UInt32] = []
    for k in 0..<50_000 { ids.append(pool.id("198.51.\(k / 256).\(k % 256)-\(k)")) }
    #expect(ids == (0..<50_000).map { UInt32($0) })
    for k in stride(from: 0, to: 50_000, by: 997) {
      #expect(pool.id("198.51.\(k / 256).\(k % 256)-\(k)") == UInt32(k))
    }
  }

  @Test func ranksFollowByteOrderAsSparkSortsStrings() {
    var pool = StringPool()
    // Byte order: "203.0.113.10" < "203.0.113.9"; "Z" (0x5A) < "a"; a prefix first; "é" after ASCII.
    let texts = [
      "203.0.113.9", "a", "\u{E9}", "203.0.113.10", "Z", "", "203.0.113.1", "abcdefghij",
      "abcdefghi",
    ]
    for t in texts { _ = pool.id(t) }
    let rank = pool.byteOrderRanks()
    let byRank = texts.sorted { rank[Int(pool.find($0)!)] < rank[Int(pool.find($1)!)] }
    #expect(byRank == texts.sorted(by: utf8Less))
    #expect(byRank.first == "")
  }

  @Test func chunkRowsRoundTripEveryFieldAndItsNulls() {
    let full = ConnectionRecord(
      time: Timestamp(ticks: -5), sourceIP: "10.0.0.5", destinationIP: "203.0.113.9",
      sourcePort: Int32.min, destinationPort: 443, protocol: "TCP", receivedBytes: Int64.min,
      sentBytes: 0, deviceVendor: "Fortinet", destinationHostName: "c2.example",
      requestURL: "https://c2.example/x")
    let empty = ConnectionRecord(time: Timestamp(ticks: 7))
    var chunk = RowChunk()
    chunk.append(full)
    chunk.append(empty)
    #expect(chunk.records() == [full, empty])
  }
}
