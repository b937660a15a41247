import ArgumentParser
import BeaconCore
import BeaconEngine
import BeaconExport
import BeaconLoad
import BeaconPipeline
import BeaconSpark
import BeaconSpec
import Foundation

struct HuntCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hunt",
    abstract: "Hunt beacons in an export day, files, folders or standard input.")

  @OptionGroup var input: InputOptions

  @Option(help: "Detection method: \(HuntMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
  var method: HuntMethod = .periodicity

  @Option(
    help:
      "Keep only rows whose DeviceVendor is exactly this (the notebook used Fortinet); default: all vendors."
  )
  var vendor: String?

  @OptionGroup(title: "Notebook thresholds") var notebook: NotebookOptions
  @OptionGroup(title: "Periodicity method") var periodicity: PeriodicityOptions
  @OptionGroup(title: "Output") var output: OutputOptions
  @OptionGroup(title: "Enrichment") var enrich: EnrichOptions

  @Option(
    help: ArgumentHelp(
      "Also write a self-contained HTML report (map, table, summary) to this file.",
      valueName: "file.html"))
  var report: String?

  @Option(
    help:
      "Input log format: auto (detect per file), csl (Log Analytics export), zeek (conn.log TSV or JSON), csv (see --map), cef (syslog CEF)."
  )
  var inputFormat: InputFormat = .auto

  @Option(
    help: ArgumentHelp(
      "CSV field mapping, e.g. ts=frame.time_epoch,src=ip.src,dst=ip.dst,dport=dstport (keys: \(CSVMapping.keys.joined(separator: " "))).",
      valueName: "mapping"))
  var map: String?

  @Flag(help: "Fail (exit 3) when any input line or file had to be skipped.")
  var strict = false

  @Option(help: "Worker threads for loading (default: all cores).")
  var threads: Int?

  @OptionGroup(title: "Input limits") var limits: LimitOptions
  @OptionGroup(title: "Engine") var engine: EngineOptions

  func validate() throws {
    if let threads { try checkRange(threads, "--threads", 1...1024) }
    if let map { _ = try Self.parseMapping(map) }
  }

  func run() async throws {
    var spec = HuntSpec(
      input: try input.huntInput(), vendor: vendor, method: method, notebook: notebook.thresholds,
      strict: strict)
    spec.inputFormat = inputFormat
    if let map { spec.csvMapping = try Self.parseMapping(map) }
    spec.periodicity = try periodicity.parameters()
    spec.limits = limits.limits
    spec.memory = engine.memory
    // Every output is checked before any data is read (the RDAP cache before it is opened),
    // and no two may name one file.
    let progress = TerminalProgress(enabled: !output.quiet)
    var tail = FindingsPipeline(
      findings: FindingsDestination(format: output.format, path: output.output), report: report,
      force: output.force,
      log: Stderr.log(quiet: output.quiet, clearing: progress), warn: Stderr.warn)
    try FindingsPipeline.checkOutputs(
      tail.writtenFiles, caches: enrich.cacheFiles, force: output.force)
    if let cache = spec.periodicity.cacheFolder { try OutputFile.checkFolder(cache) }
    // Open databases and feeds first: a bad file fails before a long hunt, not after.
    tail.enrichment = try enrich.prepare()
    let outcome: HuntPipeline.Outcome
    do {
      defer { progress.finish() }
      outcome = try await HuntPipeline(
        engine: engine.engine(threads: threads, force: output.force), tail: tail
      ).run(spec, progress: progress)
    } catch PipelineError.skippedInput {
      Stderr.write(
        "beaconhunt: --strict: the input had skipped lines or files (see above); no findings written\n"
      )
      throw ExitCode(3)
    }
    // After every output is written: a failed report write must report itself, not exit 2.
    if outcome.written.failures > 0 { enrichmentFailed(outcome.written.failures) }
  }
}

/// Ends a run whose findings were written but whose enrichment partly failed: exit 2.
func enrichmentFailed(_ rows: Int) -> Never {
  Stderr.write(
    "beaconhunt: enrichment failed for \(rows) finding\(rows == 1 ? "" : "s") (see the EnrichmentError and RDAPError columns); findings and report were written\n"
  )
  Glibc.exit(ExitStatus.partial.rawValue)
}

extension HuntCommand {
  static func parseMapping(_ text: String) throws -> [String: String] {
    let keys = CSVMapping.keys
    var out: [String: String] = [:]
    for pair in text.split(separator: ",") {
      let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2, keys.contains(kv[0]), !kv[1].isEmpty else {
        throw ValidationError(
          "--map \(TableText.visible(String(pair))): expected KEY=COLUMN with KEY one of \(keys.joined(separator: ", "))"
        )
      }
      out[kv[0]] = kv[1]
    }
    return out
  }
}

/// Which engine executes the hunt.
enum EngineName: String, CaseIterable, ExpressibleByArgument {
  case native, spark
}

struct EngineOptions: ParsableArguments {
  @Option(help: "Engine: native (embedded, the default) or spark (a Spark Connect server).")
  var engine: EngineName = .native

  @Option(
    help:
      "Spark Connect URL: sc://HOST[:PORT][/;token=…;use_ssl=true;user_id=…] (default: $SPARK_REMOTE)."
  )
  var sparkRemote: String?

  @Option(help: "Seconds a Spark query may take.")
  var sparkTimeout: Double = SparkEngine.defaultTimeout

  @Option(
    help:
      "Seconds connecting to Spark Connect and its first answer may take (a port that does not speak Spark Connect fails after this)."
  )
  var sparkConnectTimeout: Double = SparkEngine.defaultConnectTimeout

  @Option(
    help:
      "With --engine spark: also write the findings on the cluster as one JSON-lines file in this directory."
  )
  var sparkOutput: String?

  @Option(
    help: ArgumentHelp(
      "Native engine: the state a hunt may hold before it goes to disk by partition, with the same findings: a size (512M, 4G) or a share of RAM (25%).",
      valueName: "size"))
  var memoryLimit: MemoryLimit?

  @Option(
    help: ArgumentHelp(
      "Native engine: the folder for state that passes --memory-limit (default: $TMPDIR, else /tmp). The file has no name while it is used and is gone when the hunt ends.",
      valueName: "folder"))
  var tempDirectory: String?

  func validate() throws {
    if engine == .spark, memoryLimit != nil || tempDirectory != nil {
      throw ValidationError(
        "--memory-limit and --temp-directory are for the native engine (Spark manages its own memory)"
      )
    }
    if let tempDirectory {
      var st = stat()
      guard stat(tempDirectory, &st) == 0, st.st_mode & S_IFMT == S_IFDIR,
        access(tempDirectory, W_OK | X_OK) == 0
      else {
        throw ValidationError(
          "--temp-directory \(Diagnostics.show(tempDirectory)): not a writable folder")
      }
    }
    try checkFinite(sparkTimeout, "--spark-timeout", 1...(7 * 86_400))
    try checkFinite(sparkConnectTimeout, "--spark-connect-timeout", 0.1...3600)
    if let url = sparkRemote { try asValidation { _ = try SparkRemote(parsing: url) } }
    if engine == .native, sparkOutput != nil {
      throw ValidationError("--spark-output needs --engine spark")
    }
  }

  /// The native engine's budget: `--memory-limit`, else `MemoryBudget.defaultShare` of RAM.
  var memory: MemoryBudget {
    MemoryBudget(
      bytes: memoryLimit?.bytes ?? MemoryBudget.defaultBytes, temporaryFolder: tempDirectory)
  }

  func engine(threads: Int?, force: Bool) throws -> any HuntEngine {
    switch engine {
    case .native:
      guard sparkOutput == nil else { throw ValidationError("--spark-output needs --engine spark") }
      return NativeEngine(threads: threads)
    case .spark:
      guard let url = sparkRemote ?? ProcessInfo.processInfo.environment["SPARK_REMOTE"],
        !url.isEmpty
      else {
        throw ValidationError(
          "--engine spark needs --spark-remote sc://HOST:PORT (or SPARK_REMOTE)")
      }
      var e = SparkEngine(remote: try SparkRemote(parsing: url))
      e.timeout = sparkTimeout
      e.connectTimeout = sparkConnectTimeout
      e.clusterOutput = sparkOutput
      e.force = force
      return e
    }
  }
}
