import BeaconCore
import BeaconLoad
import BeaconPeriodicity
import BeaconSpec
import Dispatch

/// The lookback days of a periodicity hunt, as per-day summaries: read from the cache when their
/// files are unchanged, otherwise summarised from the raw day (and cached).
struct History {
  var summaries: [DaySummary] = []
  var fromCache = 0
  var summarised = 0
  var missing = 0
  var skippedLines = 0
  /// Files of the history days that were not read (unreadable, binary, FIFOs …).
  var skippedFiles = 0

  static func load(
    _ spec: HuntSpec, context: PeriodicityPrepare.Context, loader: RecordLoader
  ) throws -> History {
    var h = History()
    guard case .export(let root, let endDate, let lookback) = spec.input, lookback > 0 else {
      return h
    }
    let cache = spec.periodicity.cacheFolder.map(SummaryCache.init)
    let p = spec.periodicity
    let optionsDigest = DaySummary.stableDigest(
      [
        spec.vendor ?? "*", "\(spec.inputFormat)", "\(spec.csvMapping.sorted { $0.key < $1.key })",
        "\(p.anyDirection)", (p.internalNetworks ?? ["default"]).joined(separator: ","),
        "\(p.retryWindow)", "\(p.mergeWindow)",
        // Allowlists by content: the same list named another way is the same option.
        p.allowFiles.map { f in
          (try? TextFile.read(f)).map {
            DaySummary.stableDigest(String(decoding: $0, as: UTF8.self))
          }
            ?? "unreadable"
        }.joined(separator: ","),
      ].joined(separator: "\u{1F}"))
    let layout = try RootLayout.resolve(root)
    var days: [(day: RootLayout.Day, fingerprint: String)] = []
    for day in layout.days(ExportLayout.lookbackDates(endDate: endDate, days: lookback)) {
      let files = day.files.sources.map(\.name)
      guard !files.isEmpty else {
        h.missing += 1
        continue
      }
      // The files, and every option that shapes a summary: a change to either summarises again.
      days.append(
        (
          day,
          DaySummary.fingerprint(of: files, under: day.root, stamps: day.files.stamps) + "/"
            + optionsDigest
        ))
    }
    // Cached days are decoded on every core (decoding is most of a warm history's time).
    var cached = [DaySummary?](repeating: nil, count: days.count)
    if let cache {
      let list = days
      cached.withUnsafeMutableBufferPointer { buffer in
        let out = SummaryBox(buffer)
        DispatchQueue.concurrentPerform(iterations: list.count) { k in
          out.buffer[k] = cache.load(
            root: list[k].day.root, date: list[k].day.date.description,
            fingerprint: list[k].fingerprint)
        }
      }
    }
    for ((day, fingerprint), hit) in zip(days, cached) {
      if let hit {
        h.summaries.append(hit)
        h.fromCache += 1
        continue
      }
      // The day streams through the same reducer as today's rows, within the same budget.
      let date = day.date
      var dayLoader = loader
      dayLoader.groupsFlowFields = true
      var reducer = PeriodicityPrepare.Reducer(
        vendor: spec.vendor, window: .day(date), context: context,
        parameters: spec.periodicity, memory: spec.memory)
      let report = dayLoader.stream(
        day.files, format: spec.inputFormat, csvMapping: spec.csvMapping
      ) { reducer.add($0) }
      h.skippedLines += report.skippedLines
      h.skippedFiles += report.fileProblems.count
      var summary = DaySummary(date: date.description, fingerprint: fingerprint)
      try SlowFlows.summarise(try reducer.finish(), into: &summary, parameters: spec.periodicity)
      try cache?.store(summary, root: day.root)
      h.summaries.append(summary)
      h.summarised += 1
    }
    return h
  }
}

private struct SummaryBox: @unchecked Sendable {
  // Each concurrent iteration writes only its own index; the buffer outlives the loop.
  let buffer: UnsafeMutableBufferPointer<DaySummary?>
  init(_ b: UnsafeMutableBufferPointer<DaySummary?>) { buffer = b }
}
