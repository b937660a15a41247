import ArgumentParser
import BeaconEvaluate
import BeaconExport
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

  static func isFolder(_ path: String) -> Bool {
    var isFolder: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
      && isFolder.boolValue
  }

  func validate() throws {
    guard seeds >= 1, hosts >= 1, rowsPerDay >= 1000 else {
      throw ValidationError("--seeds ≥ 1, --hosts ≥ 1, --rows-per-day ≥ 1000")
    }
    // A folder named by the user must be there before minutes of simulation; the default is
    // a guess from the current folder, and only noted when it is not there.
    if let real, real != "none", !Self.isFolder(real) {
      throw ValidationError("--real: \(TableText.visible(real)) is not a folder")
    }
  }

  func run() throws {
    let progress = Stderr.isTerminal
    let results = try Evaluation.run(
      seeds: (1...seeds).map(UInt64.init), hosts: hosts, rows: rowsPerDay,
      progress: { step in
        if progress { Stderr.write("\r\u{1B}[2Kevaluate: \(step)") }
      })
    if progress { Stderr.write("\r\u{1B}[2K") }
    print(Evaluation.table(results), terminator: "")
    let (days, mixedHosts) = (Evaluation.mixedDays, Evaluation.mixedHosts)
    if progress { Stderr.write("evaluate: \(days) days, \(mixedHosts) hosts, mixed beacons …") }
    let mixed = try Evaluation.mixed(hosts: mixedHosts)
    if progress { Stderr.write("\r\u{1B}[2K") }
    print(
      "\n\(days)-day export, \(mixedHosts) hosts, \(mixed.labelled) beacon flows of every kind above, default settings and lookback: "
        + "periodicity recall \(String(format: "%.1f", mixed.recall * 100)) %, \(mixed.falsePositives) false positives over \(mixed.backgroundFlows) background flows"
    )
    let folder = real ?? RealCaptures.defaultFolder
    guard folder != "none" else { return }
    guard Self.isFolder(folder) else {
      Stderr.write(
        "evaluate: no real captures at \(TableText.visible(folder)) (--real DIR, or --real none)\n")
      return
    }
    print("\nReal captures (\(TableText.visible(folder))), periodicity method at default settings:")
    print(RealCaptures.table(try RealCaptures.run(folder: folder)), terminator: "")
  }
}
