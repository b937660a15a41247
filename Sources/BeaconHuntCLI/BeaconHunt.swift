import ArgumentParser
import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

@main
struct BeaconHunt: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "beaconhunt",
    abstract:
      "Hunt network beaconing (malware calling home at a regular interval) in firewall logs.",
    discussion: """
      Reads Log Analytics CommonSecurityLog exports (…/y=YYYY/m=MM/d=DD/h=HH/m=MM/PT05M.json), Zeek
      conn.log, CEF syslog or CSV and reports source → destination:port flows whose connection
      intervals repeat.

      Exit codes: 0 done; 1 unexpected failure; 2 findings written but part of the enrichment failed;
      3 --strict refused skipped input; 4 input unreadable; 5 output not written; 6 engine failed;
      64 bad option.
      """,
    subcommands: [
      HuntCommand.self, EnrichCommand.self, ReportCommand.self, PathsCommand.self,
      SimulateCommand.self,
      DemoCommand.self, EvaluateCommand.self,
    ],
    defaultSubcommand: nil
  )

  /// Parses, runs, and turns every error into one line and a documented exit code.
  static func main() async {
    // A closed stdout is a failed write (exit 5), never a signal.
    signal(SIGPIPE, SIG_IGN)
    do {
      var command = try parseAsRoot()
      if var command = command as? AsyncParsableCommand {
        try await command.run()
      } else {
        try command.run()
      }
    } catch {
      if let (message, status) = Diagnostics.describe(error) {
        Stderr.write("beaconhunt: error: \(message)\n")
        Glibc.exit(status.rawValue)
      }
      exit(withError: error)
    }
  }
}
