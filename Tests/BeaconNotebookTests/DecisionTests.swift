import BeaconCore
import Testing

@testable import BeaconNotebook

/// Each Decision of spec/notebook-method.md, one at a time.
@Suite struct DecisionTests {
  @Test func tiesInTimeAreBrokenByDestinationTextOrder() {
    // "203.0.113.10" sorts before "203.0.113.9" as text, so it takes the 100 s delta and .9 gets 0 s.
    let rows = [
      conn(0, dst: "198.51.100.1"), conn(100, dst: "203.0.113.9"), conn(100, dst: "203.0.113.10"),
    ]
    let f = notebookHunt(rows, permissive)
    #expect(f.map(\.destinationIP) == ["203.0.113.10"])
    #expect(f.first?.timedelta == 100)
  }

  @Test func tieBreakChainContinuesThroughPortProtocolSourcePortAndBytes() {
    let a = conn(5)
    let variants = [
      conn(5, dport: nil), conn(5, dport: 80), conn(5, proto: nil), conn(5, proto: "ICMP"),
      conn(5, sport: 49_999), conn(5, sent: nil), conn(5, sent: 99), conn(5, recv: nil),
      conn(5, recv: 199),
      conn(5, vendor: "Check Point"),
    ]
    for v in variants {
      // The order compares rows whose string ids are byte-order ranks, as `detect` makes them.
      let prepared = NotebookPrepare.prepare([v, a], vendor: nil)
      let rank = prepared.pool.byteOrderRanks()
      let rows = prepared.blocks.joined().map { r in
        var r = r
        for path in [\CompactRow.destination, \.protocol, \.vendor]
        where r[keyPath: path] != StringPool.none {
          r[keyPath: path] = rank[Int(r[keyPath: path])]
        }
        return r
      }
      #expect(
        NotebookMethod.rowOrder(rows[0], rows[1]) && !NotebookMethod.rowOrder(rows[1], rows[0]))
    }
  }

  @Test func rowsWithNullsAreDroppedButStillServeAsPrevious() {
    let rows = [conn(0), conn(100, sport: nil), conn(200)]
    let f = notebookHunt(rows, permissive)
    // The delta is 200 − 100, not 200 − 0: the dropped row was still the previous one.
    #expect(f.map(\.timedelta) == [100])
    #expect(f.first?.timedeltaCount == 1)
  }

  @Test func everyOneOfTheNineFieldsCountsForNulls() {
    let nulled = [
      conn(100, dst: "203.0.113.50", dport: nil), conn(100, proto: nil), conn(100, sport: nil),
      conn(100, sent: nil), conn(100, recv: nil), conn(100, vendor: nil),
    ]
    for row in nulled {
      #expect(notebookHunt([conn(0), row], vendor: nil, permissive).isEmpty)
    }
    #expect(notebookHunt([conn(0), conn(100)], vendor: nil, permissive).count == 1)
  }

  @Test func deltasAreWholeSecondsByFloor() {
    #expect(notebookHunt([conn(0.9), conn(60.1)], permissive).first?.timedelta == 60)
    #expect(notebookHunt([conn(0.1), conn(60.9)], permissive).first?.timedelta == 60)
  }

  @Test func thresholdsAreStrict() {
    #expect(notebookHunt([conn(0), conn(15)], permissive).isEmpty)
    #expect(notebookHunt([conn(0), conn(16)], permissive).first?.timedelta == 16)
    // 101 rows are busy (> 100) but make 100 deltas: Totaleventcount must exceed 100.
    #expect(notebookHunt((0..<101).map { conn(Double($0) * 60) }).isEmpty)
    #expect(notebookHunt((0..<102).map { conn(Double($0) * 60) }).count == 1)
    // Exactly 75 % is not above 75: 100 deltas of 60 s then 200 of 61 s give the 61 s row
    // (100 + 200) / (100 + 300) = 75 %.
    var rows = [conn(0)]
    var t = 0.0
    for k in 0..<300 {
      t += k < 100 ? 60 : 61
      rows.append(conn(t))
    }
    let at75 = notebookHunt(
      rows,
      NotebookThresholds(
        dailyEventCount: 100, degreeOfSourceIP: 25, timeDelta: 15, percentBeacon: 74.9))
    #expect(at75.contains { $0.percentBeacon == 75.0 })
    #expect(!notebookHunt(rows).contains { $0.percentBeacon == 75.0 })
  }

  @Test func degreeCountsDistinctNonNullSourcesAndNullSourcesAreNeverBusy() throws {
    var rows: [ConnectionRecord] = []
    for k in 0..<23 { rows.append(conn(Double(k), src: "10.9.0.\(k)", dst: "203.0.113.50")) }
    rows += (0..<5).map { conn(Double($0), src: nil, dst: "203.0.113.50") }
    rows += (0..<200).map { conn(1000 + Double($0) * 60) }
    let f = notebookHunt(rows)
    #expect(f.count == 1)
    #expect(f.first?.degreeOfSourceIPs == 24)  // 23 others + 10.0.0.5; null sources are not counted
    // One more source makes 25, which is no longer rare (fewer than 25 is).
    rows.append(conn(5, src: "10.9.1.1", dst: "203.0.113.50"))
    let prepared = NotebookPrepare.prepare(rows, vendor: nil)
    let baseline = try NotebookBaseline.apply(prepared, thresholds: .init())
    #expect(baseline.degree(of: "203.0.113.50", in: prepared.pool) == 25)
    #expect(baseline.rows.isEmpty)
    #expect(notebookHunt(rows).isEmpty)
  }

  @Test func windowsAreOrderedByTimedeltaThenProtocol() {
    var rows: [ConnectionRecord] = []
    var t = 0.0
    // 20 s ×3 on TCP and UDP, 30 s ×2, 40 s ×1, all to one destination port.
    for (d, proto, n) in [(20.0, "UDP", 3), (20.0, "TCP", 3), (30.0, "TCP", 2), (40.0, "TCP", 1)] {
      for _ in 0..<n {
        t += d
        rows.append(conn(t, proto: proto))
      }
    }
    let f = notebookHunt(rows, permissive).sorted {
      ($0.timedelta, $0.protocol) < ($1.timedelta, $1.protocol)
    }
    // The first row has no previous, so the 20 s UDP group holds 2 deltas, not 3.
    #expect(f.map(\.timedeltaList) == [[3], [3, 2], [3, 2, 2], [2, 2, 1]])
    #expect(f.map(\.protocol) == ["TCP", "UDP", "TCP", "TCP"])
    #expect(f.allSatisfy { $0.totalEventCount == 3 + 5 + 7 + 5 })
    let expected: [Double] = [3, 5, 7, 5].map { $0 / 20 * 100 }
    #expect(f.map(\.percentBeacon) == expected)
  }

  @Test func totalEventCountSpansVendorsButPercentStaysPerVendor() {
    var rows: [ConnectionRecord] = []
    for k in 0..<10 { rows.append(conn(Double(k) * 100, vendor: "Fortinet")) }
    for k in 0..<10 {
      rows.append(conn(5000 + Double(k) * 100, sport: 1, vendor: "Palo Alto Networks"))
    }
    let f = notebookHunt(rows, vendor: nil, permissive)
    // Deltas are per source across vendors: the first Palo Alto row follows the last Fortinet one
    // (4,100 s later). Fortinet's partition is all 100 s; Palo Alto's is 9 × 100 s and 1 × 4,100 s.
    #expect(f.map(\.deviceVendor) == ["Fortinet", "Palo Alto Networks", "Palo Alto Networks"])
    let expected: [Double] = [100.0, 10.0 / 19 * 100, 9.0 / 19 * 100]
    #expect(f.map(\.percentBeacon) == expected)
    #expect(f.map(\.totalEventCount) == [28, 28, 28])
  }

  @Test func findingsOrderByPercentThenSourceDestinationPortDeltaProtocol() {
    var rows: [ConnectionRecord] = []
    for src in ["10.0.0.9", "10.0.0.10"] {
      for k in 0..<5 { rows.append(conn(Double(k) * 100, src: src)) }
    }
    let f = notebookHunt(rows, permissive)
    #expect(f.map(\.sourceIP) == ["10.0.0.10", "10.0.0.9"])
  }

  @Test func stringsGroupAndMatchByBytesNotCanonicalEquivalence() {
    let precomposed = "Caf\u{E9}"
    let decomposed = "Cafe\u{301}"
    #expect(precomposed == decomposed)  // Swift's String says equal; Spark's bytes say not
    var rows: [ConnectionRecord] = []
    for k in 0..<10 { rows.append(conn(Double(k) * 100, vendor: precomposed)) }
    for k in 0..<10 { rows.append(conn(2000 + Double(k) * 100, vendor: decomposed)) }
    #expect(notebookHunt(rows, vendor: precomposed, permissive).map(\.timedeltaCount) == [9])
    let both = notebookHunt(rows, vendor: nil, permissive)
    #expect(Set(both.map { Array($0.deviceVendor.utf8) }).count == 2)
  }
}
