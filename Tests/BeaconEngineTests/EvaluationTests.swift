import BeaconCore
import BeaconEvaluate
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
