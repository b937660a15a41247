import BeaconBaseline
import BeaconCore
import BeaconDetect
import BeaconLoad
import BeaconPrepare
import Dispatch

/// The embedded engine: runs a hunt in this process on every core, no cluster needed.
public struct NativeEngine: HuntEngine {
  public let name = "native"
  public var loader: RecordLoader

  public init(threads: Int? = nil) {
    loader = threads.map { RecordLoader(threads: $0) } ?? RecordLoader()
  }

  public func run(_ spec: HuntSpec, progress: any HuntProgress) async throws -> HuntResult {
    try runSynchronously(spec, progress: progress)
  }

  /// The same hunt without `async`, for tools and benchmarks.
  public func runSynchronously(_ spec: HuntSpec, progress: any HuntProgress = NoProgress()) throws
    -> HuntResult
  {
    var clock = StageClock()
    var summary = RunSummary(engine: name, method: spec.method)
    let sources: InputSet
    var loader = loader
    loader.limits = spec.limits
    // Options that name files (allowlists) are read before any data is.
    let context =
      spec.method == .periodicity ? try PeriodicityPrepare.Context(spec.periodicity) : nil
    switch spec.input {
    case .export(let root, let endDate, _):
      // The notebook method scores the current day only (its history feeds nothing it computes).
      let day = try InputFiles.currentDay(root: root, endDate: endDate)
      summary.sources = day.folders
      sources = day.files
    case .paths(let paths):
      sources = try InputFiles.expand(paths)
      summary.sources = paths
    }
    switch spec.method {
    case .notebook:
      // Rows are filtered and interned as they are parsed: the load holds the prepared rows,
      // compact, and a few chunks, never the input as records.
      var counts = NotebookSteps.Counts()
      var reducer = NotebookPrepare.Reducer(vendor: spec.vendor)
      summary.input = loader.stream(
        sources, format: spec.inputFormat, csvMapping: spec.csvMapping, progress: progress
      ) { reducer.add($0) }
      clock.lap("load")
      let prepared = reducer.result
      counts.afterVendor = prepared.afterVendor
      counts.prepared = prepared.rows.count
      clock.lap("prepare")
      let baseline = NotebookBaseline.apply(prepared, thresholds: spec.notebook)
      counts.busySources = baseline.busySources
      counts.rareDestinations = baseline.rareDestinations
      counts.baselined = baseline.rows.count
      clock.lap("baseline")
      let detected = NotebookMethod.detect(
        baseline.rows, pool: prepared.pool, degreeByID: baseline.degreeByID,
        thresholds: spec.notebook, threads: loader.threads)
      counts.complete = detected.complete
      counts.passing = detected.passing
      counts.groups = detected.groups
      counts.findings = detected.findings.count
      clock.lap("detect")
      summary.steps = NotebookSteps.steps(counts, vendor: spec.vendor, thresholds: spec.notebook)
      summary.findings = detected.findings.count
      summary.timings = clock.timings
      return HuntResult(findings: .notebook(detected.findings), summary: summary)
    case .periodicity:
      // Rows are prepared as they are parsed and go straight into their flows' columns.
      var reducer = PeriodicityPrepare.Reducer(
        vendor: spec.vendor, window: PeriodicityRun.windowRule(spec.input), context: context!,
        parameters: spec.periodicity)
      var today = loader
      today.groupsFlowFields = true  // the history's loads below need no groups
      summary.input = today.stream(
        sources, format: spec.inputFormat, csvMapping: spec.csvMapping, progress: progress
      ) { reducer.add($0) }
      clock.lap("load")
      // The lookback days are read on another core while today's flows are made (one core's
      // work); the hunt waits for them only when it merges them.
      let history = Background { [loader] in
        try History.load(spec, context: context!, loader: loader)
      }
      let prepared = reducer.finish()
      clock.lap("prepare")
      let (findings, steps) = try PeriodicityRun.run(
        prepared, spec: spec, history: history.wait, clock: &clock)
      summary.steps = steps
      summary.findings = findings.count
      summary.timings = clock.timings
      return HuntResult(findings: .periodicity(findings), summary: summary)
    }
  }
}

/// A result computed on a global queue while the caller goes on.
final class Background<Value: Sendable>: @unchecked Sendable {
  // `result` is written once, before `done` is signalled, and read only after the caller has
  // waited for that signal; `waited` is the caller's alone.
  private var result: Result<Value, any Error>? = nil
  private let done = DispatchSemaphore(value: 0)
  private var waited = false

  init(_ work: @escaping @Sendable () throws -> Value) {
    DispatchQueue.global().async {
      self.result = Result(catching: work)
      self.done.signal()
    }
  }

  /// The value, or the error `work` threw; waits for it the first time. Call from one thread.
  func wait() throws -> Value {
    if !waited {
      done.wait()
      waited = true
    }
    return try result!.get()
  }
}
