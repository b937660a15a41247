import ArgumentParser
import BeaconCore
import BeaconEngine
import BeaconExport

struct HuntCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hunt",
    abstract: "Hunt beacons in an export day, files, folders or standard input.")

  @OptionGroup var input: InputOptions

  @Option(help: "Detection method: \(HuntMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
  var method: HuntMethod = .notebook

  @Option(
    help:
      "Keep only rows whose DeviceVendor is exactly this (the notebook used Fortinet); default: all vendors."
  )
  var vendor: String?

  @OptionGroup(title: "Notebook thresholds") var notebook: NotebookOptions
  @OptionGroup(title: "Output") var output: OutputOptions

  @Flag(help: "Fail (exit 3) when any input line or file had to be skipped.")
  var strict = false

  @Option(help: "Worker threads for loading (default: all cores).")
  var threads: Int?

  func run() async throws {
    let spec = HuntSpec(
      input: try input.huntInput(), vendor: vendor, method: method, notebook: notebook.thresholds,
      strict: strict)
    if let path = output.output { try OutputFile.checkWritable(path, force: output.force) }
    let progress = TerminalProgress(enabled: !output.quiet)
    let result: HuntResult
    do {
      defer { progress.finish() }
      result = try await NativeEngine(threads: threads).run(spec, progress: progress)
    }
    if !output.quiet { Stderr.write(SummaryText.render(result.summary)) }
    if spec.strict, result.summary.input.hasSkips {
      Stderr.write(
        "beaconhunt: --strict: the input had skipped lines or files (see above); no findings written\n"
      )
      throw ExitCode(3)
    }
    try emit(result.findings, output)
  }
}

func emit(_ findings: Findings, _ output: OutputOptions) throws {
  let text = output.format.render(findings)
  if let path = output.output {
    try OutputFile.write(text, to: path, force: output.force)
  } else {
    OutputFile.writeStandardOutput(text)
  }
}
