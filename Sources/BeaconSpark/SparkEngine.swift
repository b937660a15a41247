import BeaconArrow
import BeaconCore
import BeaconLoad
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// The hunt on Apache Spark through Spark Connect: the same `HuntSpec`, expressed as Spark SQL,
/// executed on the cluster; only findings and counts come back (as Arrow), never raw logs.
public struct SparkEngine: HuntEngine {
  public let name = "spark"
  public var remote: SparkRemote
  /// Seconds a query may take.
  public var timeout: Double = 3600
  /// Also write the findings on the cluster, as one JSON-lines file in this directory.
  public var clusterOutput: String?
  /// Allow `clusterOutput` to replace an existing directory.
  public var force = false

  public init(remote: SparkRemote) { self.remote = remote }

  /// `INSERT OVERWRITE DIRECTORY` replaces the directory, so it is only done when it cannot
  /// destroy anything unasked: a local directory that does not exist yet, or with `--force`.
  func checkClusterOutput() throws {
    guard let out = clusterOutput, !force else { return }
    let local =
      out.hasPrefix("file://") ? String(out.dropFirst(7)) : (out.contains("://") ? nil : out)
    guard let local else {
      throw HuntError(
        "--spark-output \(out): the cluster replaces that directory and BeaconHunt cannot check it; add --force to confirm"
      )
    }
    if FileManager.default.fileExists(atPath: local) {
      throw HuntError("--spark-output \(out) already exists; use --force to replace it")
    }
  }

  public func run(_ spec: HuntSpec, progress: any HuntProgress) async throws -> HuntResult {
    guard spec.method == .notebook else {
      throw HuntError(
        "the \(spec.method.rawValue) method does not run on Spark yet; use --engine native")
    }
    var clock = StageClock()
    var summary = RunSummary(engine: name, method: spec.method)
    try checkClusterOutput()
    let paths = try Self.clusterPaths(spec.input)
    let output = clusterOutput.map { $0.contains("://") ? $0 : Self.absolute($0) }
    summary.sources = try Self.unescapedClusterPaths(spec.input)
    let client = SparkConnectClient(remote: remote, timeout: timeout, progress: progress)
    let parameters = Self.parameters(spec)
    let result = try await client.withService { service in
      let findings = try await client.execute(
        SparkPlan.query(NotebookHuntSQL.findings, lines: paths, parameters: parameters),
        service: service)
      let counts = try await client.execute(
        SparkPlan.query(NotebookHuntSQL.counts, lines: paths, parameters: parameters),
        service: service)
      let examples = try await client.execute(
        SparkPlan.query(NotebookHuntSQL.skippedExamples, lines: paths, parameters: parameters),
        service: service)
      if let output {
        let export = SparkPlan.query(
          NotebookHuntSQL.export(to: output), lines: paths, parameters: parameters)
        _ = try await client.execute(SparkPlan.command(export), service: service)
      }
      await client.releaseSession(service: service)
      return (findings, counts, examples)
    }
    clock.lap("spark")
    let findings = try Self.notebookFindings(result.0)
    Self.fill(&summary, counts: result.1, examples: result.2, spec: spec, findings: findings.count)
    summary.timings = clock.timings
    return HuntResult(findings: .notebook(findings), summary: summary)
  }

  /// The folders or files the cluster reads. Local roots are resolved here as the native engine
  /// resolves them (workspace discovery, a clear error for a day without files); URLs
  /// (`abfss://`, `s3a://`, `hdfs://`, `file://`) go to the cluster as they are.
  static func clusterPaths(_ input: HuntInput) throws -> [String] {
    try unescapedClusterPaths(input).map(ClusterPath.literal)
  }

  static func unescapedClusterPaths(_ input: HuntInput) throws -> [String] {
    switch input {
    case .export(let root, let endDate, _):
      if root.contains("://") { return [ExportLayout.dayFolder(root: root, date: endDate)] }
      return try InputFiles.currentDay(root: absolute(root), endDate: endDate).folders
    case .paths(let paths):
      return try paths.map { p in
        guard p != "-" else {
          throw HuntError("standard input cannot be sent to a Spark cluster; give files or folders")
        }
        return p.contains("://") ? p : absolute(p)
      }
    }
  }

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }

  /// Thresholds and the vendor as named parameters: no value is ever spliced into the SQL.
  static func parameters(_ spec: HuntSpec) -> [String: Spark_Connect_Expression] {
    let t = spec.notebook
    let P = NotebookSQLParameter.self
    return [
      P.allVendors.rawValue: SparkPlan.literal(spec.vendor == nil),
      P.vendor.rawValue: SparkPlan.literal(spec.vendor ?? ""),
      P.dailyEventCount.rawValue: SparkPlan.literal(Int64(t.dailyEventCountThreshold)),
      P.degreeOfSourceIP.rawValue: SparkPlan.literal(Int64(t.degreeOfSourceIPThreshold)),
      P.timeDelta.rawValue: SparkPlan.literal(Int64(t.timeDeltaThreshold)),
      P.percentBeacon.rawValue: SparkPlan.literal(t.percentBeaconThreshold),
    ]
  }

  /// Arrow rows to findings, checking the columns by name.
  static func notebookFindings(_ table: ArrowTable) throws -> [NotebookFinding] {
    let names = table.fields.map(\.name)
    guard names == NotebookFinding.columns else {
      throw HuntError("Spark returned columns \(names), expected \(NotebookFinding.columns)")
    }
    return try table.rows.map { r in
      func s(_ k: Int) throws -> String {
        guard case .string(let v) = r[k] else {
          throw HuntError("Spark: \(names[k]) is not a string")
        }
        return v
      }
      func i(_ k: Int) throws -> Int64 {
        guard case .int(let v) = r[k] else {
          throw HuntError("Spark: \(names[k]) is not an integer (\(r[k]))")
        }
        return v
      }
      guard case .list(let list) = r[11], case .double(let pct) = r[14] else {
        throw HuntError("Spark: Timedeltalist or Percentbeacon has an unexpected type")
      }
      return NotebookFinding(
        destinationIP: try s(0), deviceVendor: try s(1), sourceIP: try s(2),
        destinationPort: Int32(truncatingIfNeeded: try i(3)),
        protocol: try s(4), timedelta: try i(5), timedeltaCount: try i(6), totalSentBytes: try i(7),
        totalReceivedBytes: try i(8), totalEvents: try i(9), degreeOfSourceIPs: try i(10),
        timedeltaList: try list.map { v in
          guard case .int(let x) = v else { throw HuntError("Spark: Timedeltalist holds \(v)") }
          return x
        },
        timedeltaListCount: try i(12), totalEventCount: try i(13), percentBeacon: pct)
    }
  }

  /// The run summary from the counts and examples queries, with the native engine's step names.
  static func fill(
    _ summary: inout RunSummary, counts: ArrowTable, examples: ArrowTable, spec: HuntSpec,
    findings: Int
  ) {
    guard let row = counts.rows.first else { return }
    var c: [String: Int] = [:]
    for (k, f) in counts.fields.enumerated() { if case .int(let v) = row[k] { c[f.name] = Int(v) } }
    var r = InputReport()
    r.files = c["files"] ?? 0
    r.rows = c["rows"] ?? 0
    r.blankLines = c["blank"] ?? 0
    for (status, reason) in LoadSQL.statusReasons where (c[status] ?? 0) > 0 {
      r.skipped[reason] = c[status]
    }
    for f in NotebookHuntSQL.nulledFields where (c["nulled_\(f.name)"] ?? 0) > 0 {
      r.nulledFields[f.name] = c["nulled_\(f.name)"]
    }
    for e in examples.rows {
      guard case .string(let file) = e[0], case .string(let status) = e[1] else { continue }
      let line: String
      if case .string(let l) = e[2] { line = l } else { line = "" }
      let reason = LoadSQL.statusReasons[status]?.rawValue ?? status
      r.skippedExamples.append(InputProblem(file: file, line: 0, message: "\(reason): \(line)"))
    }
    summary.input = r
    var steps = NotebookSteps.Counts()
    steps.afterVendor = c["vendor"] ?? 0
    steps.prepared = c["prepared"] ?? 0
    steps.busySources = c["busy"] ?? 0
    steps.rareDestinations = c["rare"] ?? 0
    steps.baselined = c["baselined"] ?? 0
    steps.complete = c["complete"] ?? 0
    steps.passing = c["passing"] ?? 0
    steps.groups = c["groups"] ?? 0
    steps.findings = findings
    summary.steps = NotebookSteps.steps(steps, vendor: spec.vendor, thresholds: spec.notebook)
    summary.findings = findings
  }
}
