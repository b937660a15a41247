import BeaconCore
import BeaconLoad
import BeaconNotebook
import BeaconPeriodicity
import BeaconSpec
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
      var reducer = NotebookPrepare.Reducer(vendor: spec.vendor, memory: spec.memory)
      summary.input = loader.stream(
        sources, format: spec.inputFormat, csvMapping: spec.csvMapping, progress: progress
      ) { reducer.add($0) }
      clock.lap("load")
      let prepared = try reducer.finish()
      counts.afterVendor = prepared.afterVendor
      counts.prepared = prepared.count
      summary.spill = prepared.spill?.report(budget: spec.memory.bytes)
      clock.lap("prepare")
      let baseline = try NotebookBaseline.apply(prepared, thresholds: spec.notebook)
      counts.busySources = baseline.busySources
      counts.rareDestinations = baseline.rareDestinations
      clock.lap("baseline")
      // Rows on disk are baselined and detected a partition (of sources) at a time.
      var baselined = 0
      let detected = try NotebookMethod.detect(
        partitions: prepared.partitions,
        rows: { (p: Int) throws(SpillError) -> [CompactRow] in
          let kept =
            prepared.spill == nil
            ? baseline.rows : try prepared.blocks(ofPartition: p).flatMap(baseline.kept)
          baselined += kept.count
          return kept
        }, pool: prepared.pool, degreeByID: baseline.degreeByID,
        thresholds: spec.notebook, threads: loader.threads)
      counts.baselined = baselined
      counts.complete = detected.complete
      counts.passing = detected.passing
      counts.groups = detected.groups
      counts.findings = detected.findings.count
      clock.lap("detect")
      summary.steps = NotebookSteps.steps(counts, vendor: spec.vendor, thresholds: spec.notebook)
      summary.findings = detected.findings.count
      summary.timings = clock.timings
      summary.peaks = clock.peaks
      return HuntResult(findings: .notebook(detected.findings), summary: summary)
    case .periodicity:
      // Rows are prepared as they are parsed and go straight into their flows' columns.
      var reducer = PeriodicityPrepare.Reducer(
        vendor: spec.vendor, window: PeriodicityRun.windowRule(spec.input), context: context!,
        parameters: spec.periodicity, memory: spec.memory)
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
      let prepared = try reducer.finish()
      summary.spill = prepared.spill
      clock.lap("prepare")
      let (findings, steps) = try PeriodicityRun.run(
        prepared, spec: spec, history: history.wait, clock: &clock)
      summary.steps = steps
      summary.findings = findings.count
      summary.timings = clock.timings
      summary.peaks = clock.peaks
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
