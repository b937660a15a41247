import ArgumentParser
import BeaconEvaluate
import Foundation

struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract:
      "Hunt labelled simulations with both methods and print precision and recall per scenario.")

  @Option(help: "Simulated days per scenario (different seeds).")
  var seeds: Int = 3

  @Option(help: "Workstations per simulated day.")
  var hosts: Int = 60

  @Option(help: "Rows per simulated day.")
  var rowsPerDay: Int = 60_000

  @Option(
    help:
      "The real captures' folder (../shared/data/real from here by default); none skips their table."
  )
  var real: String?

  func run() throws {
    guard seeds >= 1, hosts >= 1, rowsPerDay >= 1000 else {
      throw ValidationError("--seeds ≥ 1, --hosts ≥ 1, --rows-per-day ≥ 1000")
    }
    let progress = Stderr.isTerminal
    let results = try Evaluation.run(
      seeds: (1...seeds).map(UInt64.init), hosts: hosts, rows: rowsPerDay,
      progress: { step in
        if progress { Stderr.write("\r\u{1B}[2Kevaluate: \(step)") }
      })
    if progress { Stderr.write("\r\u{1B}[2K") }
    print(Evaluation.table(results), terminator: "")
    if progress { Stderr.write("evaluate: 3 days, 300 hosts, mixed beacons …") }
    let mixed = try Evaluation.mixed()
    if progress { Stderr.write("\r\u{1B}[2K") }
    print(
      "\n3-day export, 300 hosts, \(mixed.labelled) beacon flows of every kind above, default settings and lookback: "
        + "periodicity recall \(String(format: "%.1f", mixed.recall * 100)) %, \(mixed.falsePositives) false positives over \(mixed.backgroundFlows) background flows"
    )
    let folder = real ?? RealCaptures.defaultFolder
    guard folder != "none" else { return }
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue
    else {
      Stderr.write("evaluate: no real captures at \(folder) (--real DIR, or --real none)\n")
      return
    }
    print("\nReal captures (\(folder)), periodicity method at default settings:")
    print(RealCaptures.table(try RealCaptures.run(folder: folder)), terminator: "")
  }
}
