import ArgumentParser
import BeaconCore
import BeaconLoad
import BeaconNotebook

struct PathsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "paths",
    abstract: "Print the current-day and historical folders a hunt reads.",
    discussion: """
      History is the lookback-days + 1 days from end-date − (lookback-days + 1) to end-date − 1: one day
      more than asked, as the Sentinel notebook does. Root may be a local folder or a URL a cluster reads
      (abfss://, s3a://, hdfs://, file://); local roots are searched for their workspace folders.
      """)

  @Option(help: "Export root (a local folder, or a URL for a cluster).")
  var root: String

  @Option(help: "The day to hunt (YYYY-MM-DD).")
  var endDate: String

  @Option(help: "Days of history.")
  var lookbackDays: Int = NotebookThresholds.defaultLookbackDays

  func run() throws {
    guard let date = CivilDate(iso: endDate) else {
      throw ValidationError("--end-date: \(endDate) is not a date (YYYY-MM-DD)")
    }
    guard lookbackDays >= 0 else { throw ValidationError("--lookback-days must be 0 or more") }
    let isURL = root.contains("://")
    let roots = isURL ? [root] : try ExportLayout.workspaceRoots(under: root)
    var out = ""
    for ws in roots {
      let plan = ExportLayout.plan(root: ws, endDate: date, lookbackDays: lookbackDays)
      out += "current\t\(plan.current)\n"
      for h in plan.history { out += "history\t\(h)\n" }
    }
    print(out, terminator: "")
  }
}
