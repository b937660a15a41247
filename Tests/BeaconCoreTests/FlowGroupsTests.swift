import BeaconSimulate
import Testing

@testable import BeaconCore

/// `RowChunk.FlowGroups` numbers each distinct combination of flow fields in order of first
/// sight, as a dictionary would.
@Suite struct FlowGroupsTests {
  func row(_ source: UInt32, _ destination: UInt32, port: Int32?, name: UInt32 = StringPool.none)
    -> CompactRow
  {
    CompactRow(
      ticks: 0, source: source, destination: destination, sourcePort: nil,
      destinationPort: port, protocol: 1, receivedBytes: nil, sentBytes: nil, vendor: 0,
      hostName: name, requestURL: StringPool.none)
  }

  @Test func rowsOfOneCombinationShareAGroupInOrderOfFirstSight() {
    let rows = [
      row(1, 2, port: 443), row(1, 3, port: 443), row(1, 2, port: 443), row(1, 2, port: nil),
      row(1, 2, port: 0), row(1, 2, port: 443, name: 7), row(1, 3, port: 443),
    ]
    let g = RowChunk.FlowGroups(rows)
    #expect(g.group == [0, 1, 0, 2, 3, 4, 1])
    #expect(g.combinations == 5)
  }

  /// Past the table's first size (it grows while rows come), against a dictionary's numbering.
  @Test func manyCombinationsGroupAsADictionaryWould() {
    var rng = SimRandom(seed: 7)  // seeded: a failure reproduces
    var rows: [CompactRow] = []
    for _ in 0..<20_000 {
      rows.append(
        row(
          UInt32.random(in: 0..<40, using: &rng), UInt32.random(in: 0..<60, using: &rng),
          port: Bool.random(using: &rng) ? nil : Int32.random(in: -2...3, using: &rng)))
    }
    var index: [[Int64]: UInt32] = [:]
    var expected: [UInt32] = []
    for r in rows {
      let key = [
        Int64(r.source), Int64(r.destination), r.destinationPortValue.map(Int64.init) ?? .min,
      ]
      if index[key] == nil { index[key] = UInt32(index.count) }
      expected.append(index[key]!)
    }
    let g = RowChunk.FlowGroups(rows)
    #expect(g.group == expected)
    #expect(g.combinations == index.count)
  }
}
