import ArgumentParser

@main
struct BeaconHunt: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "beaconhunt",
    abstract:
      "Hunt network beaconing (malware calling home at a regular interval) in firewall logs.",
    discussion: """
      Reads Log Analytics CommonSecurityLog exports (…/y=YYYY/m=MM/d=DD/h=HH/m=MM/PT05M.json) or plain
      JSON-lines files and reports source → destination:port pairs whose connection intervals repeat.
      """,
    subcommands: [
      HuntCommand.self, EnrichCommand.self, ReportCommand.self, PathsCommand.self,
      SimulateCommand.self,
      DemoCommand.self, EvaluateCommand.self,
    ],
    defaultSubcommand: nil
  )
}
