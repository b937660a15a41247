import ArgumentParser
import BeaconEvaluate

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

  func run() throws {
    guard seeds >= 1, hosts >= 1, rowsPerDay >= 1000 else {
      throw ValidationError("--seeds ≥ 1, --hosts ≥ 1, --rows-per-day ≥ 1000")
    }
    let progress = Stderr.isTerminal
    let results = try Evaluation.run(
      seeds: (1...seeds).map(UInt64.init), hosts: hosts, rows: rowsPerDay
    ) { step in
      if progress { Stderr.write("\r\u{1B}[2Kevaluate: \(step)") }
    }
    if progress { Stderr.write("\r\u{1B}[2K") }
    print(Evaluation.table(results), terminator: "")
  }
}
