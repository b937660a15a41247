import BeaconCore
import BeaconEvaluate
import BeaconSpec
import Testing

/// The evidence floors of spec/periodicity-method.md on labelled simulations (one seed here; the
/// `beaconhunt evaluate` command runs more).
@Suite struct EvaluationTests {
  @Test func periodicityMeetsTheSpecsFloorsAndTheNotebookDoesNot() throws {
    let results = try Evaluation.run(seeds: [11], hosts: 40, rows: 30_000)
    var inScope = Evaluation.Score()
    var notebookJittered = Evaluation.Score()
    for r in results where r.scenario.inScope {
      inScope.add(r.periodicity)
      if r.scenario.name.contains("jitter") {
        notebookJittered.add(r.notebook)
      }
    }
    #expect(inScope.labelled >= 30)
    #expect(inScope.recall >= 0.95, "recall \(inScope.recall)")
    #expect(
      inScope.falsePositivesPer10k <= 1,
      "\(inScope.falsePositives) FP over \(inScope.backgroundFlows) flows")
    #expect(inScope.backgroundFlows >= 10_000)
    // The gain over the notebook method is what the method is for.
    #expect(notebookJittered.recall < 0.5)
    let table = Evaluation.table(results)
    #expect(table.contains("uniform jitter 10–50 %, busy hosts") && table.contains("benign only"))
  }
}

/// The acceptance hunt: `Evaluation.mixedDays` days, `mixedHosts` hosts, a beacon flow of every
/// kind the scenarios test, default settings.
@Suite struct MixedExportTests {
  @Test func everyBeaconOfEveryKindIsFoundWithAtMostOneBenignFinding() throws {
    let s = try Evaluation.mixed(rows: 30_000)
    // Every simulated beacon is its own flow (a campaign's hosts each have one).
    #expect(s.labelled == Evaluation.mixedBeacons.count)
    #expect(s.found == s.labelled, "recall \(s.recall)")
    #expect(s.falsePositives <= 1, "\(s.falsePositives) benign findings")
  }
}

/// The table `beaconhunt evaluate` prints for the real captures, held: every documented C2 is
/// the capture's first finding, and the benign PCs yield a handful of findings.
@Suite struct RealCaptureTableTests {
  static let folder = PeriodicityRealDataTests.real

  @Test func everyDocumentedC2IsFoundFirstAndBenignCapturesStayQuiet() throws {
    let rows = try RealCaptures.run(folder: Self.folder)
    #expect(rows.count == RealCaptures.captures.count)
    for r in rows {
      if r.capture.c2 != nil {
        #expect(r.rank == 1, "\(r.capture.dataset): rank \(r.rank.map(String.init) ?? "none")")
      } else {
        #expect(r.findings <= 10, "\(r.capture.dataset): \(r.findings) findings")
      }
    }
    let table = RealCaptures.table(rows)
    #expect(table.contains("capstone Merlin") && !table.contains("MISSED"))
  }
}

/// Each failure mode the simulator makes is one the old rules missed: with the rule turned off,
/// the same simulated beacons are lost, so the scenarios test the rules and not luck.
@Suite struct FailureModeTests {
  func recall(_ name: String, _ configure: (inout HuntSpec) -> Void) throws -> Double {
    let scenario = try #require(Evaluation.scenarios.first { $0.name == name })
    let r = try Evaluation.run(
      scenarios: [scenario], seeds: [5], hosts: 30, rows: 20_000, configure: configure)
    return r[0].periodicity.recall
  }

  @Test func retriesNeedTheRetryRule() throws {
    let name = "unanswered opens retried (same port)"
    #expect(try recall(name) { _ in } == 1)
    #expect(try recall(name) { $0.periodicity.retryWindow = 0 } < 0.5)
  }

  @Test func slowBeaconsNeedTheLookback() throws {
    let name = "4-hourly over 21 days (default lookback)"
    #expect(try recall(name) { _ in } == 1)
    #expect(
      try recall(name) {
        if case .export(let root, let end, _) = $0.input {
          $0.input = .export(root: root, endDate: end, lookbackDays: 0)
        }
      } == 0)
  }

  @Test func sessionsNeedTheBurstRule() throws {
    let name = "3-hour operator session (60 s ±30 %)"
    #expect(try recall(name) { _ in } == 1)
    #expect(try recall(name) { $0.periodicity.burstMinCheckIns = 1_000_000 } == 0)
  }
}
