import BeaconCore
import Foundation
import Testing

@testable import BeaconDetect

/// The properties spec/periodicity-method.md requires, one flow at a time.
@Suite struct PeriodicityTests {
  let day = 0.0...86_400.0

  /// A flow of check-ins every `period` seconds with the given jitter and missed beats.
  func flow(
    period: Double, jitter: Double = 0, cobalt: Bool = false, missed: Double = 0,
    from start: Double = 0,
    until end: Double = 86_400, sizes: Int64? = 400, seed: UInt64 = 1
  ) -> PeriodicityMethod.Flow {
    var rng = SeededRandom(state: seed)
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
    var rng = SeededRandom(state: 99)
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
    #expect(PeriodicityMethod.checkIns(times, mergeWindow: 1) == [0, 3, 10])
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
}
