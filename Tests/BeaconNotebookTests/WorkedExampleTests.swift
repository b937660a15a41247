import BeaconCore
import BeaconNotebook
import BeaconSimulate
import Testing

/// The worked examples of spec/notebook-method.md, as exact expectations (defaults, vendor Fortinet).
@Suite struct WorkedExampleTests {
  @Test func exactSixtySecondBeaconAllDay() {
    let rows = (0..<1440).map { conn(Double($0) * 60 + 0.25) }
    let f = notebookHunt(rows)
    #expect(
      f == [
        NotebookFinding(
          destinationIP: "203.0.113.50", deviceVendor: "Fortinet", sourceIP: "10.0.0.5",
          destinationPort: 443,
          protocol: "TCP", timedelta: 60, timedeltaCount: 1439, totalSentBytes: 143_900,
          totalReceivedBytes: 287_800,
          totalEvents: 1439, degreeOfSourceIPs: 1, timedeltaList: [1439], timedeltaListCount: 1439,
          totalEventCount: 1439, percentBeacon: 100.0)
      ])
  }

  @Test func thirtySecondBeaconForTwoHours() {
    let rows = (0..<240).map { conn(3600 + Double($0) * 30, src: "10.0.0.10", dst: "203.0.113.80") }
    let f = notebookHunt(rows)
    #expect(f.count == 1)
    #expect(
      f.first.map { [$0.timedelta, $0.timedeltaCount, $0.totalEventCount] } == [30, 239, 239])
    #expect(f.first?.percentBeacon == 100.0)
  }

  @Test func fiveSecondEmpireDefaultIsInvisible() {
    #expect(notebookHunt((0..<17_280).map { conn(Double($0) * 5) }).isEmpty)
  }

  @Test func uniformTwentyPercentJitterIsMissed() {
    var rng = SimRandom(seed: 42)
    var t = 0.0
    var rows: [ConnectionRecord] = []
    while t < 86_400 {
      rows.append(conn(t))
      t += 60 * (1 + Double.random(in: -0.2...0.2, using: &rng))
    }
    #expect(notebookHunt(rows).isEmpty)
  }

  @Test func deltasOf59_60_61EquallyLikelyAreMissed() {
    var rng = SimRandom(seed: 7)
    var t = 0.0
    var rows: [ConnectionRecord] = []
    for _ in 0..<1400 {
      rows.append(conn(t))
      t += [59.0, 60, 61].randomElement(using: &rng)!
    }
    #expect(notebookHunt(rows).isEmpty)
    // The best group is about a half, as the spec says.
    let lowered = NotebookThresholds(
      dailyEventCount: 100, degreeOfSourceIP: 25, timeDelta: 15, percentBeacon: 0)
    let best = notebookHunt(rows, lowered).map(\.percentBeacon).max() ?? 0
    #expect(best > 40 && best < 60)
  }

  @Test func thousandOfSixtyAndHundredOfSixtyOne() {
    var t = 0.0
    var rows = [conn(t)]
    for k in 0..<1100 {
      t += k < 1000 ? 60 : 61
      rows.append(conn(t))
    }
    #expect(notebookHunt(rows).isEmpty)
    let at50 = NotebookThresholds(
      dailyEventCount: 100, degreeOfSourceIP: 25, timeDelta: 15, percentBeacon: 50)
    let f = notebookHunt(rows, at50)
    #expect(f.count == 1)
    #expect(f.first?.timedelta == 61)
    #expect(f.first?.timedeltaList == [1000, 100])
    #expect(f.first?.timedeltaListCount == 1100)
    #expect(f.first?.totalEventCount == 2100)
    #expect(f.first?.percentBeacon == 1100.0 / 2100.0 * 100.0)
    #expect((f.first!.percentBeacon * 100).rounded() / 100 == 52.38)
  }

  @Test func busyHostInterleavingHidesAFiveMinuteBeacon() {
    var rows = (0..<288).map { conn(Double($0) * 300 + 1) }
    var t = 0.5
    var k = 0
    while t < 86_400 {
      rows.append(conn(t, dst: "198.51.\(100 + k % 200 / 100).\(k % 100)"))
      t += 37
      k += 1
    }
    // 200 other public destinations, each reached by this host alone.
    #expect(Set(rows.map { $0.destinationIP! }).count == 201)
    #expect(notebookHunt(rows).isEmpty)
  }
}
