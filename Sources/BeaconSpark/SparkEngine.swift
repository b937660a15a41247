import BeaconArrow
import BeaconCore
import BeaconLoad
import BeaconNotebook
import BeaconPeriodicity
import BeaconSpec
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// The hunt on Apache Spark through Spark Connect: the same `HuntSpec`, expressed as Spark SQL,
/// executed on the cluster; only findings and counts come back (as Arrow), never raw logs.
public struct SparkEngine: HuntEngine {
  public let name = "spark"
  public var remote: SparkRemote
  /// Seconds a query may take.
  public var timeout: Double = SparkEngine.defaultTimeout
  /// Seconds connecting and the first answer may take.
  public var connectTimeout: Double = SparkEngine.defaultConnectTimeout

  public static let defaultTimeout: Double = 3600
  public static let defaultConnectTimeout: Double = 20
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
      throw SparkError.clusterOutputUnchecked(path: out)
    }
    if FileManager.default.fileExists(atPath: local) {
      throw SparkError.clusterOutputExists(path: out)
    }
  }

  public func run(_ spec: HuntSpec, progress: any HuntProgress) async throws -> HuntResult {
    guard spec.inputFormat == .auto || spec.inputFormat == .csl else {
      throw SparkError.unsupported(.inputFormat(spec.inputFormat))
    }
    switch spec.method {
    case .notebook: return try await runNotebook(spec, progress: progress)
    case .periodicity: return try await runPeriodicity(spec, progress: progress)
    }
  }

  func runNotebook(_ spec: HuntSpec, progress: any HuntProgress) async throws -> HuntResult {
    var clock = StageClock()
    var summary = RunSummary(engine: name, method: spec.method)
    try checkClusterOutput()
    let paths = try Self.clusterPaths(spec.input)
    let output = clusterOutput.map { $0.contains("://") ? $0 : Self.absolute($0) }
    summary.sources = try Self.unescapedClusterPaths(spec.input)
    let client = SparkConnectClient(
      remote: remote, timeout: timeout, connectTimeout: connectTimeout, progress: progress)
    let parameters = Self.parameters(spec)
    let result = try await client.withService { service in
      let (counts, findings) = try HuntStatement.split(
        try await client.execute(
          SparkPlan.query(NotebookHuntSQL.statement, lines: paths, parameters: parameters),
          service: service))
      let examples = try await Self.skippedExamples(
        counts: counts, client: client, service: service, paths: paths, spec: spec)
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
    try Self.fill(
      &summary, counts: result.1, examples: result.2, spec: spec, findings: findings.count)
    summary.timings = clock.timings
    return HuntResult(findings: .notebook(findings), summary: summary)
  }

  /// The analyzer passes the periodicity statement needs (Spark's default is 100).
  static let analyzerIterations = 1000

  func runPeriodicity(_ spec: HuntSpec, progress: any HuntProgress) async throws -> HuntResult {
    let p = spec.periodicity
    if clusterOutput != nil {
      throw SparkError.unsupported(.periodicityClusterOutput)
    }
    if p.cacheFolder != nil {
      throw SparkError.unsupported(.cache)
    }
    var clock = StageClock()
    var summary = RunSummary(engine: name, method: spec.method)
    let paths = try Self.clusterPaths(spec.input)
    summary.sources = try Self.unescapedClusterPaths(spec.input)
    var c = PeriodicitySteps.Counts()
    var historyFolders: [String] = []
    if case .export(let root, let endDate, let lookback) = spec.input, lookback > 0 {
      c.lookbackDays = lookback
      if root.contains("://") {
        // A remote root cannot be listed from here: every day is read, and must exist.
        historyFolders = ExportLayout.lookbackDates(endDate: endDate, days: lookback).map {
          ExportLayout.dayFolder(root: root, date: $0)
        }
      } else {
        (historyFolders, c.historyMissing) = try ExportLayout.lookbackFolders(
          root: Self.absolute(root), endDate: endDate, days: lookback)
      }
      c.historyDays = historyFolders.count
      c.historySummarised = historyFolders.count
    }
    let allow = try PeriodicityPrepare.allowlist(p)
    var window = PeriodicityPrepare.SQL.Window.dataSpan
    if case .export = spec.input { window = .huntedDay }
    let sql = PeriodicityHuntSQL(
      internalNetworks: try PeriodicityPrepare.internalNetworks(p),
      allowNetworks: allow.networks.networks, allow: allow,
      history: !historyFolders.isEmpty, window: window)
    let history = historyFolders.map(ClusterPath.literal)
    let parameters = Self.periodicityParameters(spec)
    let client = SparkConnectClient(
      remote: remote, timeout: timeout, connectTimeout: connectTimeout, progress: progress)
    let result = try await client.withService { service in
      // The periodicity statement nests deeper than the analyzer's default of 100 passes
      // resolves (each lambda layer over the flow arrays takes its own); a session setting.
      _ = try await client.execute(
        SparkPlan.statement("SET spark.sql.analyzer.maxIterations=\(Self.analyzerIterations)"),
        service: service)
      let (counts, findings) = try HuntStatement.split(
        try await client.execute(
          SparkPlan.query(sql.statement, lines: paths, history: history, parameters: parameters),
          service: service))
      let examples = try await Self.skippedExamples(
        counts: counts, client: client, service: service, paths: paths, spec: spec)
      await client.releaseSession(service: service)
      return (findings, counts, examples)
    }
    clock.lap("spark")
    let findings = try Self.periodicityFindings(result.0).sorted(by: PeriodicityMethod.findingOrder)
    let counts = try CountsRow(result.1, PeriodicityCount.self)
    Self.fillInput(&summary, counts: counts, examples: result.2)
    c.windowIsDay = window == .huntedDay
    var span = TimeWindow.Span(firstDay: 0, lastDay: 0)
    for column in PeriodicityCount.allCases {
      let v = counts[column]
      switch column {
      case .historySkipped: c.historySkippedLines = v ?? 0
      case .vendor: c.afterVendor = v ?? 0
      case .inWindow: c.inWindow = v ?? 0
      case .firstDay: span.firstDay = Int64(v ?? 0)
      case .lastDay: span.lastDay = Int64(v ?? 0)
      case .outsideExample: c.outsideExample = v.map(Int64.init)
      case .valid: c.validRows = v ?? 0
      case .invalid: c.invalidAddresses = v ?? 0
      case .named: c.namedRows = v ?? 0
      case .proxied: c.proxiedRows = v ?? 0
      case .invalidNames: c.invalidNames = v ?? 0
      case .allowlistedNames: c.allowlistedNames = v ?? 0
      case .directed: c.afterDirection = v ?? 0
      case .icmpErrors: c.icmpErrors = v ?? 0
      case .noiseDestinations: c.noiseDestinations = v ?? 0
      case .afterNoise: c.afterNoise = v ?? 0
      case .prepared: c.afterAllowlist = v ?? 0
      case .flows: c.flows = v ?? 0
      case .internalHosts: c.internalHosts = v ?? 0
      case .popular: c.popular = v ?? 0
      case .candidates: c.candidates = v ?? 0
      }
    }
    c.window = span
    if let row = result.1.rows.first,
      let k = result.1.fields.firstIndex(where: { $0.name == PeriodicityHuntSQL.invalidExample }),
      case .string(let e) = row[k]
    {
      c.invalidExample = e
    }
    c.allowlistGiven = !allow.isEmpty
    c.allowNetworks = allow.networks.networks.count
    c.allowPorts = allow.ports.count
    c.allowHostNames = allow.nameCount
    c.popularThreshold = PeriodicityMethod.popularThreshold(
      internalHosts: c.internalHosts, parameters: p)
    c.beacons = findings.filter { $0.kind == .beacon }.count
    c.bursts = findings.filter { $0.kind == .burst }.count
    c.strobes = findings.filter { $0.kind == .strobe }.count
    summary.steps = PeriodicitySteps.steps(c, vendor: spec.vendor, parameters: p)
    summary.findings = findings.count
    summary.timings = clock.timings
    return HuntResult(findings: .periodicity(findings), summary: summary)
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
      if case .zeekArchive = try RootLayout.resolve(absolute(root)) {
        throw SparkError.unsupported(.inputFormat(.zeek))
      }
      return try InputFiles.currentDay(root: absolute(root), endDate: endDate).folders
    case .paths(let paths):
      return try paths.map { p in
        guard p != "-" else {
          throw SparkError.unsupported(.standardInput)
        }
        return p.contains("://") ? p : absolute(p)
      }
    }
  }

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }

  /// Every case of `P`, bound by `value` (an exhaustive switch, so a new parameter cannot be left
  /// unbound): thresholds and the vendor travel as named parameters, never spliced into the SQL.
  static func bind<P: RawRepresentable<String> & CaseIterable>(
    _: P.Type, _ value: (P) -> Spark_Connect_Expression
  ) -> [String: Spark_Connect_Expression] {
    var out: [String: Spark_Connect_Expression] = [:]
    for p in P.allCases { out[p.rawValue] = value(p) }
    return out
  }

  /// The loading rules' parameters (every statement that reads lines binds them).
  static func loadParameters(_ spec: HuntSpec) -> [String: Spark_Connect_Expression] {
    bind(LoadSQLParameter.self) { SparkPlan.literal(LoadSQL.parameterValue($0, spec.limits)) }
  }

  /// The vendor filter's parameters (both methods).
  static func vendorParameters(_ spec: HuntSpec) -> [String: Spark_Connect_Expression] {
    bind(VendorSQLParameter.self) { p in
      switch p {
      case .allVendors: SparkPlan.literal(spec.vendor == nil)
      case .vendor: SparkPlan.literal(spec.vendor ?? "")
      }
    }
  }

  /// The notebook method's parameters, with the vendor's and the loading rules'.
  static func parameters(_ spec: HuntSpec) -> [String: Spark_Connect_Expression] {
    let t = spec.notebook
    return loadParameters(spec).merging(vendorParameters(spec)) { $1 }.merging(
      bind(NotebookSQLParameter.self) { p in
        switch p {
        case .dailyEventCount: SparkPlan.literal(Int64(t.dailyEventCountThreshold))
        case .degreeOfSourceIP: SparkPlan.literal(Int64(t.degreeOfSourceIPThreshold))
        case .timeDelta: SparkPlan.literal(Int64(t.timeDeltaThreshold))
        case .percentBeacon: SparkPlan.literal(t.percentBeaconThreshold)
        }
      }
    ) { $1 }
  }

  /// The periodicity method's parameters, with the vendor's and the loading rules'.
  static func periodicityParameters(_ spec: HuntSpec) -> [String: Spark_Connect_Expression] {
    let p = spec.periodicity
    var windowDay = 0
    if case .export(_, let endDate, _) = spec.input { windowDay = endDate.daysSinceEpoch }
    return loadParameters(spec).merging(vendorParameters(spec)) { $1 }.merging(
      bind(PeriodicitySQLParameter.self) { parameter in
        switch parameter {
        case .anyDirection: SparkPlan.literal(p.anyDirection)
        case .minConnections: SparkPlan.literal(Int64(p.minConnections))
        case .minPeriods: SparkPlan.literal(p.minPeriods)
        case .minScore: SparkPlan.literal(p.minScore)
        case .mergeWindow: SparkPlan.literal(p.mergeWindow)
        case .retryWindow: SparkPlan.literal(p.retryWindow)
        case .popularDestination: SparkPlan.literal(Int64(p.popularDestination))
        case .popularShare: SparkPlan.literal(p.popularShare)
        case .burstMinCheckIns: SparkPlan.literal(Int64(p.burstMinCheckIns))
        case .burstMinSpan: SparkPlan.literal(p.burstMinSpan)
        case .windowDay: SparkPlan.literal(Int64(windowDay))
        case .strobeInterval: SparkPlan.literal(p.strobeInterval)
        case .strobeMinConnections: SparkPlan.literal(Int64(p.strobeMinConnections))
        }
      }
    ) { $1 }
  }

  /// Arrow rows to periodicity findings (columns checked by name); the reason line is built here
  /// from the same numbers, by the same function as on the native engine.
  static func periodicityFindings(_ table: ArrowTable) throws -> [PeriodicityFinding] {
    typealias C = PeriodicityMethod.SQL.ResultColumn
    let names = table.fields.map(\.name)
    guard names == PeriodicityMethod.SQL.columns else {
      throw SparkError.protocolError(
        message: "returned columns \(names), expected \(PeriodicityMethod.SQL.columns)")
    }
    // The names were checked against `C.all`, so a column's place is its place there.
    let place = Dictionary(uniqueKeysWithValues: C.all.enumerated().map { ($1, $0) })
    return try table.rows.map { r in
      func value(_ c: C) -> ArrowValue { r[place[c]!] }
      func string(_ c: C) throws -> String? {
        switch value(c) {
        case .string(let v): return v
        case .null: return nil
        default: throw SparkError.protocolError(message: "\(c) is not a string (\(value(c)))")
        }
      }
      func int(_ c: C) throws -> Int64? {
        switch value(c) {
        case .int(let v): return v
        case .null: return nil
        default: throw SparkError.protocolError(message: "\(c) is not an integer (\(value(c)))")
        }
      }
      func double(_ c: C) throws -> Double? {
        switch value(c) {
        case .double(let v): return v
        case .null: return nil
        default: throw SparkError.protocolError(message: "\(c) is not a double (\(value(c)))")
        }
      }
      func required<T>(_ read: (C) throws -> T?, _ c: C) throws -> T {
        guard let v = try read(c) else { throw SparkError.protocolError(message: "\(c) is null") }
        return v
      }
      func list<T>(_ c: C, _ element: (ArrowValue) -> T?) throws -> [T] {
        guard case .list(let items) = value(c) else {
          throw SparkError.protocolError(message: "\(c) is not a list (\(value(c)))")
        }
        return try items.map {
          guard let v = element($0) else {
            throw SparkError.protocolError(message: "\(c) holds \($0)")
          }
          return v
        }
      }
      func ints(_ c: C) throws -> [Int64] {
        try list(c) { if case .int(let v) = $0 { v } else { nil } }
      }
      func strings(_ c: C) throws -> [String] {
        try list(c) { if case .string(let v) = $0 { v } else { nil } }
      }
      let kindText = try required(string, .finding(.kind))
      guard let kind = FlowKind(rawValue: kindText) else {
        throw SparkError.protocolError(message: "unknown Kind \(kindText)")
      }
      let first = Timestamp(ticks: try required(int, .firstTicks))
      let last = Timestamp(ticks: try required(int, .lastTicks))
      let connections = try required(int, .finding(.connections))
      let period = try required(double, .finding(.period))
      let jitter = try required(double, .finding(.jitter))
      let missed = try required(double, .finding(.missedBeatShare))
      let persistence = try required(double, .finding(.persistence))
      let size = try double(.finding(.sizeConsistency))
      let checkIns = try required(int, .finding(.checkIns))
      let reason =
        kind == .strobe
        ? PeriodicityMethod.strobeReason(
          connections: Int(connections), median: period,
          span: last.epochSeconds - first.epochSeconds)
        : PeriodicityMethod.beaconReason(
          kind: kind, period: period, jitter: jitter, missedBeatShare: missed,
          gaps: Int(try required(int, .gaps)), checkIns: Int(checkIns),
          connections: Int(connections), span: try required(double, .checkInSpan),
          persistence: PeriodicityMethod.Persistence(
            active: Int(try required(int, .activeSlots)), slots: Int(try required(int, .slots)),
            slot: try required(double, .slotSeconds)),
          sizeConsistency: size)
      return PeriodicityFinding(
        sourceIP: try required(string, .finding(.sourceIP)),
        destinationHostName: try string(.finding(.destinationHostName)),
        destinationIP: try required(string, .finding(.destinationIP)),
        destinationIPs: try strings(.finding(.destinationIPs)),
        destinationIPCount: try required(int, .finding(.destinationIPCount)),
        destinationPort: try int(.finding(.destinationPort)).map { Int32(truncatingIfNeeded: $0) },
        protocol: try string(.finding(.protocol)), kind: kind,
        score: try required(double, .finding(.score)),
        regularity: try required(double, .finding(.regularity)),
        dispersion: try required(double, .finding(.dispersion)), persistence: persistence,
        sizeConsistency: size, period: period, jitter: jitter, missedBeatShare: missed,
        connections: connections, firstSeen: first, lastSeen: last,
        totalSentBytes: try int(.finding(.totalSentBytes)),
        totalReceivedBytes: try int(.finding(.totalReceivedBytes)),
        prevalence: try required(int, .finding(.prevalence)),
        periodicPeers: try required(int, .finding(.periodicPeers)), checkIns: checkIns,
        destinationFirstSeen: Timestamp(ticks: try required(int, .destinationFirstTicks)),
        reason: reason, intervalHistogram: try ints(.finding(.intervalHistogram)),
        timeline: try ints(.finding(.timeline)))
    }
  }

  /// Arrow rows to findings, checking the columns by name.
  static func notebookFindings(_ table: ArrowTable) throws -> [NotebookFinding] {
    let names = table.fields.map(\.name)
    guard names == NotebookFinding.columns else {
      throw SparkError.protocolError(
        message: "returned columns \(names), expected \(NotebookFinding.columns)")
    }
    // The names were checked against the finding's columns, so a column's place is its place
    // there.
    let place = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    return try table.rows.map { r in
      func value(_ c: FindingColumn) -> ArrowValue { r[place[c.name]!] }
      func s(_ c: FindingColumn) throws -> String {
        guard case .string(let v) = value(c) else {
          throw SparkError.protocolError(message: "\(c.name) is not a string (\(value(c)))")
        }
        return v
      }
      func i(_ c: FindingColumn) throws -> Int64 {
        guard case .int(let v) = value(c) else {
          throw SparkError.protocolError(message: "\(c.name) is not an integer (\(value(c)))")
        }
        return v
      }
      guard case .double(let percent) = value(.percentBeacon) else {
        throw SparkError.protocolError(
          message: "\(FindingColumn.percentBeacon.name) is not a double (\(value(.percentBeacon)))")
      }
      guard case .list(let list) = value(.timedeltaList) else {
        throw SparkError.protocolError(
          message: "\(FindingColumn.timedeltaList.name) is not a list (\(value(.timedeltaList)))")
      }
      return NotebookFinding(
        destinationIP: try s(.destinationIP), deviceVendor: try s(.deviceVendor),
        sourceIP: try s(.sourceIP),
        destinationPort: Int32(truncatingIfNeeded: try i(.destinationPort)),
        protocol: try s(.protocol), timedelta: try i(.timedelta),
        timedeltaCount: try i(.timedeltaCount), totalSentBytes: try i(.totalSentBytes),
        totalReceivedBytes: try i(.totalReceivedBytes), totalEvents: try i(.totalEvents),
        degreeOfSourceIPs: try i(.degreeOfSourceIPs),
        timedeltaList: try list.map { v in
          guard case .int(let x) = v else {
            throw SparkError.protocolError(
              message: "\(FindingColumn.timedeltaList.name) holds \(v)")
          }
          return x
        },
        timedeltaListCount: try i(.timedeltaListCount), totalEventCount: try i(.totalEventCount),
        percentBeacon: percent)
    }
  }

  /// The run summary from the counts and examples queries, with the native engine's step names.
  static func fill(
    _ summary: inout RunSummary, counts table: ArrowTable, examples: ArrowTable, spec: HuntSpec,
    findings: Int
  ) throws {
    let counts = try CountsRow(table, NotebookCount.self)
    fillInput(&summary, counts: counts, examples: examples)
    var steps = NotebookSteps.Counts()
    for column in NotebookCount.allCases {
      let v = counts[column] ?? 0
      switch column {
      case .vendor: steps.afterVendor = v
      case .prepared: steps.prepared = v
      case .busy: steps.busySources = v
      case .rare: steps.rareDestinations = v
      case .baselined: steps.baselined = v
      case .complete: steps.complete = v
      case .passing: steps.passing = v
      case .groups: steps.groups = v
      }
    }
    steps.findings = findings
    summary.steps = NotebookSteps.steps(steps, vendor: spec.vendor, thresholds: spec.notebook)
    summary.findings = findings
  }

  /// The skipped lines' examples, from a query of their own only when the counts row says some
  /// line was skipped: most hunts skip none, and the query reads the whole input again.
  static func skippedExamples(
    counts: ArrowTable, client: SparkConnectClient,
    service: Spark_Connect_SparkConnectService.Client<HTTP2ClientTransport.Posix>,
    paths: [String], spec: HuntSpec
  ) async throws -> ArrowTable {
    let row = try CountsRow(counts, required: LoadSQL.skipStatuses)
    guard LoadSQL.skipStatuses.contains(where: { row[$0] > 0 }) else { return ArrowTable() }
    return try await client.execute(
      SparkPlan.query(
        LoadSQL.skippedExamples, lines: paths, parameters: Self.loadParameters(spec)),
      service: service)
  }

  /// The input report from the counts and examples queries.
  static func fillInput(_ summary: inout RunSummary, counts c: CountsRow, examples: ArrowTable) {
    var r = InputReport()
    r.files = c[InputCounts.files]
    r.rows = c[InputCounts.rows]
    r.blankLines = c[InputCounts.blank]
    for (status, reason) in LoadSQL.statusReasons where c[status] > 0 {
      r.skipped[reason] = c[status]
    }
    for f in NotebookHuntSQL.nulledFields where c[InputCounts.nulled(f)] > 0 {
      r.nulledFields[f.name] = c[InputCounts.nulled(f)]
    }
    for e in examples.rows {
      guard case .string(let file) = e[0], case .string(let status) = e[1] else { continue }
      let line: String
      if case .string(let l) = e[2] { line = l } else { line = "" }
      let reason = LoadSQL.statusReasons[status]?.rawValue ?? status
      r.skippedExamples.append(InputProblem(file: file, line: 0, message: "\(reason): \(line)"))
    }
    summary.input = r
  }
}
