import BeaconCore
import BeaconEngine
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

/// A hunt whose state passes its memory budget goes to disk by partition and finishes one
/// partition at a time: the findings and every count are those of the hunt in memory.
@Suite struct MemoryBudgetTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var method: HuntMethod
    var budget: Int64
    var threads: Int
    var testDescription: String { "\(method), \(budget) bytes, \(threads) threads" }
  }

  @Test(arguments: [
    Case(method: .periodicity, budget: 1, threads: 2),
    Case(method: .periodicity, budget: 256 << 10, threads: 1),
    Case(method: .notebook, budget: 1, threads: 2),
    Case(method: .notebook, budget: 256 << 10, threads: 3),
  ])
  func aHuntOnDiskFindsWhatTheHuntInMemoryFinds(_ c: Case) throws {
    let data = TempFolder()
    let temp = TempFolder()
    var config = SimulationConfig()
    config.seed = 11
    config.days = 3
    config.hosts = 30
    config.rowsPerDay = 15_000
    _ = try Simulator(config).write(to: data.path)
    var spec = HuntSpec(
      input: .export(root: data.path, endDate: config.endDate, lookbackDays: 2), method: c.method)
    let inMemory = try NativeEngine(threads: c.threads).runSynchronously(spec)
    spec.memory = MemoryBudget(bytes: c.budget, temporaryFolder: temp.path)
    let onDisk = try NativeEngine(threads: c.threads).runSynchronously(spec)

    #expect(inMemory.summary.spill == nil)
    let spill = try #require(onDisk.summary.spill)
    #expect(spill.partitions == MemoryBudget.spillPartitions)
    #expect(spill.bytes > 0)
    #expect(spill.budget == c.budget)
    #expect(inMemory.findings.count > 0)
    #expect(onDisk.findings == inMemory.findings)
    #expect(onDisk.summary.steps == inMemory.summary.steps)
    #expect(onDisk.summary.input == inMemory.summary.input)
    // The file had no name: nothing is left in the folder.
    #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == [])
  }

  @Test(arguments: HuntMethod.allCases)
  func aFolderThatCannotTakeTheSpillIsATypedError(_ method: HuntMethod) throws {
    let data = TempFolder()
    var config = SimulationConfig()
    config.rowsPerDay = 3_000
    _ = try Simulator(config).write(to: data.path)
    var spec = HuntSpec(
      input: .export(root: data.path, endDate: config.endDate, lookbackDays: 0), method: method)
    let missing = data.path + "/no-such-folder"
    spec.memory = MemoryBudget(bytes: 1, temporaryFolder: missing)
    #expect(throws: SpillError.cannotCreate(folder: missing, reason: "No such file or directory")) {
      _ = try NativeEngine().runSynchronously(spec)
    }
  }
}
