import BeaconCore
import BeaconSimulate
import Foundation
import Testing

@testable import BeaconPeriodicity

/// The properties spec/periodicity-method.md requires, one flow at a time.
@Suite struct PeriodicityTests {
  let day = 0.0...86_400.0

  /// A flow of check-ins every `period` seconds with the given jitter and missed beats.
  func flow(
    period: Double, jitter: Double = 0, cobalt: Bool = false, missed: Double = 0,
    from start: Double = 0,
    until end: Double = 86_400, sizes: Int64? = 400, seed: UInt64 = 1
  ) -> PeriodicityMethod.Flow {
    var rng = SimRandom(seed: seed)
    var t = start
    var times: [Timestamp] = []
    while t < end {
      if Double.random(in: 0..<1, using: &rng) >= missed {
        times.append(Timestamp(ticks: Int64(t * 1e7)))
      }
      let u = Double.random(in: 0..<1, using: &rng)
      t += period * (cobalt ? 1 - jitter * u : 1 + jitter * (2 * u - 1))
    }
    let sent = times.map { _ in sizes.map { $0 + Int64.random(in: 0..<8, using: &rng) } }
    return PeriodicityMethod.Flow(
      sourceIP: "10.0.0.5", destinationIP: "198.51.100.7", destinationPort: 443, protocol: "TCP",
      times: times, sent: sent,
      received: sent, prevalence: 1)
  }

  @Test(arguments: [10.0, 60, 300, 3600])
  func exactBeaconsAtEveryPeriodAreFound(period: Double) throws {
    let f = try #require(
      PeriodicityMethod.score(flow(period: period), window: day, parameters: .init()))
    #expect(f.kind == .beacon && f.score > 0.95)
    #expect(abs(f.period - period) < 0.001 && f.jitter < 0.001 && f.missedBeatShare == 0)
  }

  @Test(arguments: [0.1, 0.3, 0.5])
  func jitterIsRelative(jitter: Double) throws {
    // A 600 s beacon with ±j is exactly as regular as a 60 s one with ±j: the same random
    // sleeps, scaled by ten, give the same scores.
    var p = PeriodicityParameters()
    p.minScore = 0
    let short = try #require(
      PeriodicityMethod.score(
        flow(period: 60, jitter: jitter, until: 8_640), window: day, parameters: p))
    let long = try #require(
      PeriodicityMethod.score(flow(period: 600, jitter: jitter), window: day, parameters: p))
    #expect(abs(short.regularity - long.regularity) < 1e-6)  // times are kept to 100 ns
    #expect(abs(short.dispersion - long.dispersion) < 1e-6)
    #expect(abs(long.period / short.period - 10) < 1e-6)
    // The jitter estimate is close to the truth up to ±30 %; at ±50 % an interval of 1.5 periods
    // is as likely one slow beat as two fast ones, so the estimate reads low.
    if jitter <= 0.3 {
      #expect(abs(long.jitter - jitter) < 0.12)
    } else {
      #expect(long.jitter > 0.25)
    }
  }

  @Test func cobaltStrikeJitterAndMissedBeatsAreTolerated() throws {
    let cs = try #require(
      PeriodicityMethod.score(
        flow(period: 60, jitter: 0.5, cobalt: true), window: day, parameters: .init()))
    #expect(cs.kind == .beacon)
    let missed = try #require(
      PeriodicityMethod.score(
        flow(period: 120, jitter: 0.2, missed: 0.2), window: day, parameters: .init()))
    #expect(
      abs(missed.period - 120) < 6 && missed.missedBeatShare > 0.1 && missed.missedBeatShare < 0.3)
  }

  @Test func poissonAndBurstyTrafficAreNotBeacons() {
    var rng = SimRandom(seed: 99)
    var t = 0.0
    var poisson: [Timestamp] = []
    while t < 86_400 {
      poisson.append(Timestamp(ticks: Int64(t * 1e7)))
      t += -60 * log(1 - Double.random(in: 0..<1, using: &rng))
    }
    var bursty: [Timestamp] = []
    t = 30_000
    while t < 60_000 {
      bursty.append(Timestamp(ticks: Int64(t * 1e7)))
      t +=
        Double.random(in: 0..<1, using: &rng) < 0.15
        ? Double.random(in: 30...600, using: &rng) : Double.random(in: 1...4, using: &rng)
    }
    for times in [poisson, bursty] {
      let f = PeriodicityMethod.Flow(
        sourceIP: "10.0.0.5", destinationIP: "198.51.100.7", destinationPort: 443, protocol: "TCP",
        times: times,
        sent: times.map { _ in Int64.random(in: 200...50_000, using: &rng) },
        received: times.map { _ in nil }, prevalence: 1)
      #expect(PeriodicityMethod.score(f, window: day, parameters: .init()) == nil)
    }
  }

  @Test func reconnectStormsAreStrobesNotBeacons() throws {
    let f = try #require(
      PeriodicityMethod.score(
        flow(period: 0.5, from: 0, until: 480), window: day, parameters: .init()))
    #expect(f.kind == .strobe && f.reason.hasPrefix("strobe:"))
  }

  @Test func tooLittleEvidenceIsNotReported() {
    #expect(
      PeriodicityMethod.score(flow(period: 60, until: 8 * 60), window: day, parameters: .init())
        == nil)
  }

  @Test func persistenceSeparatesAllDayFromOfficeHours() throws {
    let allDay = try #require(
      PeriodicityMethod.score(flow(period: 300), window: day, parameters: .init()))
    var p = PeriodicityParameters()
    p.minScore = 0
    let office = try #require(
      PeriodicityMethod.score(
        flow(period: 300, from: 9 * 3600, until: 12 * 3600), window: day, parameters: p))
    #expect(allDay.persistence == 1 && office.persistence < 0.2)
  }

  @Test func connectionsLessThanTheMergeWindowApartAreOneCheckIn() {
    // A check-in is a session: each connection within 1 s of the previous one continues it, so a
    // chain 0.6 s apart is one check-in however long it runs; a 1 s gap starts the next.
    let times = [0, 0.6, 1.2, 1.8, 3, 10, 10.99].map { Timestamp(ticks: Int64($0 * 1e7)) }
    let ticks = PeriodicityMethod.checkInTicks(
      times, sourcePorts: times.map { _ in nil }, protocol: "TCP", parameters: .init())
    #expect(ticks == [0, 3, 10].map { Int64($0 * 1e7) })
  }

  @Test func byteSumsThatOverflowAreUnknownNotWrapped() {
    #expect(PeriodicityMethod.total([1, nil, 2]) == 3)
    #expect(PeriodicityMethod.total([.max, 1]) == nil)
    #expect(PeriodicityMethod.total([nil, nil]) == 0)
  }

  @Test func sizeConsistencyNeedsSizes() throws {
    let noSizes = try #require(
      PeriodicityMethod.score(flow(period: 60, sizes: nil), window: day, parameters: .init()))
    #expect(noSizes.sizeConsistency == nil)
    #expect(PeriodicityMethod.sizeConsistency([100, 100, 101, 99]) ?? 0 > 0.9)
    #expect(PeriodicityMethod.sizeConsistency([10, 5000, 300, 90_000, 7]) ?? 1 < 0.2)
  }

  @Test func findingsCarryTheirEvidence() throws {
    let f = try #require(
      PeriodicityMethod.score(flow(period: 300, jitter: 0.2), window: day, parameters: .init()))
    let cells = f.cells
    #expect(cells.count == PeriodicityFinding.columns.count)
    #expect(f.reason.hasPrefix("beacon every ") && f.reason.contains(" min ±"))
    #expect(
      (0...1).contains(f.score) && (0...1).contains(f.regularity) && (0...1).contains(f.dispersion))
  }

  /// `flow`, with each check-in's TCP open retried from the same source port (Windows: after
  /// 3 s and 9 s), as Zeek logs unanswered attempts.
  func retried(_ f: PeriodicityMethod.Flow, gaps: [Double] = [3, 9], protocol: String = "tcp")
    -> PeriodicityMethod.Flow
  {
    var times: [Timestamp] = []
    var ports: [Int32?] = []
    for (k, t) in f.times.enumerated() {
      let port = Int32(49152 + k % 16000)
      for g in [0] + gaps {
        times.append(Timestamp(ticks: t.ticks + Int64(g * 1e7)))
        ports.append(port)
      }
    }
    let order = times.indices.sorted { times[$0] < times[$1] }
    return PeriodicityMethod.Flow(
      sourceIP: f.sourceIP, destinationIP: f.destinationIP, destinationPort: f.destinationPort,
      protocol: `protocol`, times: order.map { times[$0] },
      sent: order.map { _ in 60 }, received: order.map { _ in 0 },
      sourcePorts: order.map { ports[$0] }, prevalence: 1)
  }

  @Test func retriesFromTheSameSourcePortAreOneCheckIn() throws {
    // A 23 s RAT beacon whose opens go unanswered: without the rule its intervals alternate
    // 3 s, 6 s, 14 s and it read as "every 12 s ±44 %".
    let f = try #require(
      PeriodicityMethod.score(retried(flow(period: 23)), window: day, parameters: .init()))
    #expect(f.kind == .beacon && abs(f.period - 23) < 0.01 && f.jitter < 0.01)
    #expect(f.connections == 3 * f.checkIns)
    #expect(f.reason.contains("check-ins (\(f.connections) connections)"))
    // UDP clients reuse a port on purpose (NTP from 123): every datagram is a check-in there.
    var p = PeriodicityParameters()
    p.minScore = 0
    let udp = try #require(
      PeriodicityMethod.score(
        retried(flow(period: 600), gaps: [30], protocol: "udp"), window: day, parameters: p))
    #expect(udp.checkIns == udp.connections)
  }

  @Test func aNewSourcePortIsANewCheckInHoweverSoon() {
    let times = [0.0, 5, 10, 12].map { Timestamp(ticks: Int64($0 * 1e7)) }
    #expect(
      PeriodicityMethod.retries(
        times, sourcePorts: [1000, 1000, 1001, nil], protocol: "TCP", retryWindow: 60)
        == [false, true, false, false])
    #expect(
      PeriodicityMethod.retries(
        [0.0, 61].map { Timestamp(ticks: Int64($0 * 1e7)) }, sourcePorts: [7, 7],
        protocol: "6", retryWindow: 60) == [false, false])
  }

  @Test func anOperatorSessionIsABurst() throws {
    // 60 s ±30 % for three hours: persistence over the day would be 3 of 24 hours.
    let f = try #require(
      PeriodicityMethod.score(
        flow(period: 60, jitter: 0.3, from: 30_000, until: 30_000 + 3 * 3600), window: day,
        parameters: .init()))
    #expect(f.kind == .burst && f.score >= 0.75 && f.persistence > 0.9)
    #expect(f.reason.hasPrefix("burst every "))
    // A half-hour session is too short to call.
    #expect(
      PeriodicityMethod.score(
        flow(period: 60, jitter: 0.3, from: 30_000, until: 30_000 + 1800), window: day,
        parameters: .init()) == nil)
  }

  @Test func theMissedShareCountsLongGapsAndTheReasonSaysSo() throws {
    // 12 check-ins a minute apart with 5 of the 11 intervals ten minutes long.
    var t = 0.0
    var times: [Timestamp] = []
    for k in 0..<12 {
      times.append(Timestamp(ticks: Int64(t * 1e7)))
      t += k % 2 == 0 && k < 10 ? 600 : 60
    }
    let flow = PeriodicityMethod.Flow(
      sourceIP: "10.0.0.5", destinationIP: "198.51.100.7", destinationPort: 443, protocol: "TCP",
      times: times, sent: times.map { _ in 400 }, received: times.map { _ in 400 }, prevalence: 1)
    var p = PeriodicityParameters()
    p.minScore = 0
    let f = try #require(PeriodicityMethod.score(flow, window: 0...t, parameters: p))
    #expect(abs(f.period - 60) < 1e-9)
    #expect(abs(f.missedBeatShare - 45.0 / 56) < 1e-9)  // 5 × 9 missed of 6 + 5 × 10 expected
    #expect(f.reason.contains("80 % missed (5 gaps over 4.5 periods)"), "\(f.reason)")
  }

  @Test func theMedianBySelectionIsTheMedianOfTheSortedValues() {
    // Random, constant, few distinct values, sorted, reversed, organ-pipe and sawtooth
    // series (the orders that defeat naive pivots), of every length up to 70 and a few large.
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Double {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(seed >> 40)
    }
    func sortedMedian(_ v: [Double]) -> Double {
      let s = v.sorted()
      return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    for n in Array(1...70) + [255, 256, 1001, 4096] {
      let series: [[Double]] = [
        (0..<n).map { _ in next() },
        Array(repeating: 300, count: n),
        (0..<n).map { _ in Double(Int(next()) % 3) },
        (0..<n).map(Double.init),
        (0..<n).reversed().map(Double.init),
        (0..<n).map { Double(min($0, n - $0)) },
        (0..<n).map { Double($0 % 7) * 60 + 0.25 },
      ]
      for v in series {
        #expect(PeriodicityMethod.median(v) == sortedMedian(v), "n \(n): \(v.prefix(8))")
        // The budget's fallback: after 0…3 partitions the rest is sorted, and `k` is in place.
        let k = v.count / 2
        for rounds in 0...3 {
          var a = v
          a.withUnsafeMutableBufferPointer { PeriodicityMethod.select($0, k, rounds: rounds) }
          #expect(a[k] == v.sorted()[k], "n \(n), \(rounds) rounds")
          #expect(a[..<k].allSatisfy { $0 <= a[k] } && a[(k + 1)...].allSatisfy { $0 >= a[k] })
        }
      }
    }
    #expect(PeriodicityMethod.median([]) == 0)
  }

  @Test func persistenceIsJudgedOnSlotsOfTheSpanNotOnHours() {
    // A 90-minute capture: 24 slots of 3.75 min, not two hours that any flow fills.
    let beats = stride(from: 0.0, to: 5400, by: 23).map { $0 }
    let p = PeriodicityMethod.persistence(beats, period: 23, window: 0...5400)
    #expect(p.slots == 24 && p.slot == 225 && p.active == 24)
    let firstHalf = PeriodicityMethod.persistence(
      beats.filter { $0 < 2700 }, period: 23, window: 0...5400)
    #expect(firstHalf.active == 12)
    // Slow beacons: a slot is at least two periods.
    #expect(PeriodicityMethod.persistence([0], period: 7200, window: 0...86_400).slots == 6)
  }

  @Test func aStrobeReasonStatesItsSpan() {
    let r = PeriodicityMethod.strobeReason(connections: 14_260, median: 0.002, span: 30)
    #expect(r == "strobe: 14260 connections in 30 s, median 0.00 s apart")
  }

  @Test func behaviourManyInternalHostsShareLosesHalfItsScore() {
    #expect(PeriodicityMethod.rarity(peers: 1, popular: 15) == 1)
    #expect(PeriodicityMethod.rarity(peers: 7, popular: 15) == 1)  // a campaign keeps its score
    #expect(abs(PeriodicityMethod.rarity(peers: 10, popular: 15) - 5.0 / 6) < 1e-12)
    #expect(PeriodicityMethod.rarity(peers: 15, popular: 15) == 0.5)
    #expect(PeriodicityMethod.rarity(peers: 400, popular: 15) == 0.5)
    var p = PeriodicityParameters()
    #expect(PeriodicityMethod.popularThreshold(internalHosts: 300, parameters: p) == 15)
    #expect(PeriodicityMethod.popularThreshold(internalHosts: 4, parameters: p) == 10)
    p.popularShare = 0.5
    #expect(PeriodicityMethod.popularThreshold(internalHosts: 41, parameters: p) == 21)
  }
}
