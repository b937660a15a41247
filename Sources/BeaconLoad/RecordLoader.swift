import BeaconCore
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Rows loaded from a hunt's inputs, and the account of everything read and skipped.
public struct LoadedRows: Sendable {
  public var records: [ConnectionRecord]
  public var report: InputReport
}

/// Reads the inputs of a load (plain or `.gz`, regular files, pipes or standard input) on every
/// core, in bounded memory: files are read block by block (never mapped or held whole), lines are
/// bounded by `limits`, and compressed files inflate as they are parsed.
///
/// Work is cut into units: a small file is one unit; a large plain export file is cut into
/// segments at newline boundaries. Units run in parallel and are merged in input order, so
/// records, line numbers and the first reported problems are the same on any number of cores.
/// A file that cannot be read is counted and named in the report, never fatal.
public struct RecordLoader: Sendable {
  /// Plain files above this size are split so both cores share them.
  public var segmentBytes = 8 << 20
  /// A whole file (a stream, a compressed or header-led file) hands its rows on in chunks of
  /// this many as it is read, so that it is never held whole.
  var handOnRows = RecordLoader.defaultHandOnRows
  static let defaultHandOnRows = 1 << 14
  public var threads: Int
  public var limits = InputLimits()
  /// Group each chunk's rows by their flow fields (`RowChunk.FlowGroups`) on the parsing
  /// cores, for a consumer that decides per combination.
  public var groupsFlowFields = false

  public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
    self.threads = max(1, threads)
  }

  /// Loads `sources`, counting what the listing passed over (`set.skipped`, `set.repeated`).
  public func load(
    _ set: InputSet, format: InputFormat = .auto, csvMapping: [String: String] = [:],
    progress: any HuntProgress = NoProgress()
  ) -> LoadedRows {
    var records: [ConnectionRecord] = []
    let report = stream(set, format: format, csvMapping: csvMapping, progress: progress) {
      records += $0.records()
    }
    return LoadedRows(records: records, report: report)
  }

  public func load(
    _ sources: [InputSource], format: InputFormat = .auto, csvMapping: [String: String] = [:],
    progress: any HuntProgress = NoProgress()
  ) -> LoadedRows {
    var set = InputSet()
    set.sources = sources
    return load(set, format: format, csvMapping: csvMapping, progress: progress)
  }

  /// Streams the rows of `set` to `consume` in input order, one unit of input (a file, or a
  /// segment of a large one) at a time, while the next units are parsed on the other cores.
  /// At most `2 × threads` parsed units wait to be consumed, so memory holds a few chunks, not
  /// the input; each chunk is dropped once `consume` returns. Returns the account of everything
  /// read and skipped, counting what the listing passed over (`set.skipped`, `set.repeated`).
  public func stream(
    _ set: InputSet, format: InputFormat = .auto, csvMapping: [String: String] = [:],
    progress: any HuntProgress = NoProgress(), consume: (borrowing RowChunk) -> Void
  ) -> InputReport {
    var report = stream(
      set.sources, format: format, csvMapping: csvMapping, progress: progress, consume: consume)
    report.fileProblems = set.skipped + report.fileProblems
    report.repeatedFiles += set.repeated
    for (k, v) in set.otherLogs { report.otherLogs[k, default: 0] += v }
    return report
  }

  func stream(
    _ sources: [InputSource], format: InputFormat, csvMapping: [String: String],
    progress: any HuntProgress, consume: (borrowing RowChunk) -> Void
  ) -> InputReport {
    var files: [FileInput] = []
    var units: [Unit] = []
    defer { for f in files { f.close() } }
    for (index, source) in sources.enumerated() {
      let input = FileInput(source, format: format, csvMapping: csvMapping, limits: limits)
      files.append(input)
      // Zeek TSV and CSV need their header, so only plain export (or CEF) files are split.
      if input.isRegular, !input.isCompressed, input.problem == nil, input.size > segmentBytes,
        input.format == .csl || input.format == .cef
      {
        var s = 0
        while s < input.size {
          let e = min(input.size, s + segmentBytes)
          units.append(Unit(file: index, start: s, end: e))
          s = e
        }
      } else {
        units.append(Unit(file: index, start: 0, end: -1))
      }
    }
    let totalBytes = files.reduce(0) { $0 + $1.size }
    let outputs = UnsafeMutableBufferPointer<UnitOutput>.allocate(capacity: units.count)
    outputs.initialize(repeating: UnitOutput())
    defer { outputs.deinitialize().deallocate() }
    let shared = Shared(outputs: outputs)
    let done = Counter()
    let unitList = units
    let fileList = files
    let group = groupsFlowFields
    let partRows = handOnRows
    /// Parses unit `k` into its own output slot; a whole file's rows are handed on in parts
    /// through `handOn` as they are read.
    @Sendable func parse(
      _ k: Int, _ mode: ZeekMode, handOn: (@Sendable (Int, borrowing RowChunk) -> Void)? = nil
    ) {
      let unit = unitList[k]
      func part(_ rows: borrowing RowChunk) {
        guard group else { return handOn!(k, rows) }
        var grouped = copy rows
        grouped.flowGroups = RowChunk.FlowGroups(grouped.rows)
        handOn!(k, grouped)
      }
      var out = fileList[unit.file].parse(
        unit, zeek: mode, handOnRows: partRows, handOn: unit.end < 0 && handOn != nil ? part : nil)
      if group, case .conn = mode {
        out.chunk.rows.flowGroups = RowChunk.FlowGroups(out.chunk.rows.rows)
      }
      shared.outputs[k] = out
      let now = done.value.add(out.bytesCovered, ordering: .relaxed).newValue
      progress.update(stage: "load", done: now, total: totalBytes, unit: .bytes)
    }
    // First pass: Zeek's http, ssl and dns logs, into one table of names (`ZeekNames`), a few
    // files at a time and merged in input order, so the table's cap holds in memory too and
    // the same entries are kept on any number of cores.
    var names = ZeekNames(cap: limits.maxJoinNames)
    let nameUnits = units.indices.filter { files[units[$0].file].nameKind != nil }
    var connUnits = units.indices.filter { files[units[$0].file].nameKind == nil }
    for batch in stride(from: 0, to: nameUnits.count, by: threads) {
      let slice = Array(nameUnits[batch..<min(nameUnits.count, batch + threads)])
      let mode = ZeekMode.names(cap: max(0, limits.maxJoinNames - names.entries))
      DispatchQueue.concurrentPerform(iterations: slice.count) { parse(slice[$0], mode) }
      for k in slice {
        if outputs[k].misfiled {
          connUnits.append(k)
          outputs[k] = UnitOutput()
          continue
        }
        if let table = outputs[k].names {
          names.append(table)
          outputs[k].names = nil
          outputs[k].chunk.report.names.logs[files[units[k].file].nameKind!.rawValue, default: 0] +=
            1
        }
      }
    }
    connUnits.sort()
    // Second pass: the conn units on `threads` workers (the calling thread among them), claimed
    // in input order and at most `window` ahead of the consumer. Whichever worker finishes the
    // next unit in input order hands it on, and every ready unit after it: one consumer at a
    // time (`Sequencer.consuming`), in order, and no thread waits idle for another's unit.
    let join = nameUnits.isEmpty ? nil : ZeekJoin(names)
    var isConn = [Bool](repeating: false, count: units.count)
    for k in connUnits { isConn[k] = true }
    let window = DispatchSemaphore(value: 2 * threads)
    let next = Counter()
    let order = connUnits
    let conn = isConn
    let merge = MergeState()
    let sequencer = Mutex(Sequencer(ready: conn.map { !$0 }))
    let turns = Turns()
    withoutActuallyEscaping(consume) { consume in
      let consumer = UncheckedSendable(consume)
      /// Hands on units from the next in order while they are ready.
      @Sendable func drain() {
        var k = sequencer.withLock { s -> Int? in
          guard !s.consuming, s.next < s.ready.count, s.ready[s.next] else { return nil }
          s.consuming = true
          return s.next
        }
        while let unit = k {
          merge.take(&shared.outputs[unit], unit: unitList[unit], consume: consumer.value)
          if conn[unit] { window.signal() }
          k = sequencer.withLock { s -> Int? in
            s.next += 1
            guard s.next < s.ready.count, s.ready[s.next] else {
              s.consuming = false
              return nil
            }
            return s.next
          }
        }
        turns.advance()
      }
      /// Hands on part of unit `k` while it is still being read: once every unit before it is
      /// handed on (this worker drains those that are ready, and waits for the others, which
      /// are being parsed by workers that never wait on a later unit), and no one else is
      /// handing on.
      @Sendable func handOn(_ k: Int, _ rows: borrowing RowChunk) {
        while true {
          drain()
          // Read after draining (which advances the count itself), so the wait below sleeps
          // until another worker hands on or steps back, instead of spinning.
          let seen = turns.generation
          let mine = sequencer.withLock { s -> Bool in
            guard !s.consuming, s.next == k else { return false }
            s.consuming = true
            return true
          }
          if mine { break }
          turns.wait(past: seen)
        }
        consumer.value(rows)
        sequencer.withLock { $0.consuming = false }
        turns.advance()
      }
      DispatchQueue.concurrentPerform(iterations: max(1, min(threads, order.count))) { _ in
        while true {
          window.wait()
          let i = next.value.add(1, ordering: .relaxed).oldValue
          guard i < order.count else {
            window.signal()
            break
          }
          parse(order[i], .conn(join: join), handOn: handOn)
          sequencer.withLock { $0.ready[order[i]] = true }
          drain()
        }
      }
      drain()  // units that needed no parsing here (name logs), when no conn unit followed them
    }
    var report = merge.report
    report.names.entries = names.entries
    report.names.overflow = names.overflow
    return report
  }
}

/// A count of hand-ons, for workers that wait for their turn to hand on part of a unit.
final class Turns: @unchecked Sendable {
  // `count` is read and written only with `condition` locked.
  private let condition = NSCondition()
  private var count = 0

  var generation: Int {
    condition.lock()
    defer { condition.unlock() }
    return count
  }

  /// Something was handed on, or a consumer stepped back: waiters look again.
  func advance() {
    condition.lock()
    count += 1
    condition.broadcast()
    condition.unlock()
  }

  /// Returns once `advance` was called after `generation` read `seen`.
  func wait(past seen: Int) {
    condition.lock()
    while count == seen { condition.wait() }
    condition.unlock()
  }
}

/// Which units are parsed, and which one is handed on next.
struct Sequencer {
  var ready: [Bool]
  var next = 0
  var consuming = false
}

/// The load's account, merged unit by unit in input order by whichever worker is the consumer
/// (one at a time, as `Sequencer` rules).
final class MergeState: @unchecked Sendable {
  var report = InputReport()
  private var lineOffset = 0
  private var lastFile = -1

  /// Merges unit `unit`'s output, renumbering its lines within its file, and hands on its rows.
  func take(_ slot: inout UnitOutput, unit: Unit, consume: (borrowing RowChunk) -> Void) {
    var out = slot
    slot = UnitOutput()
    if unit.file != lastFile {
      lastFile = unit.file
      lineOffset = 0
      report.files += 1
    }
    report.bytes += out.bytesCovered
    for i in out.chunk.report.skippedExamples.indices {
      out.chunk.report.skippedExamples[i].line += lineOffset
    }
    for i in out.chunk.report.nulledExamples.indices {
      out.chunk.report.nulledExamples[i].line += lineOffset
    }
    for i in out.chunk.report.replacedExamples.indices {
      out.chunk.report.replacedExamples[i].line += lineOffset
    }
    lineOffset += out.chunk.lines
    if out.chunk.rows.count > 0 { consume(out.chunk.rows) }
    out.chunk.rows = RowChunk()
    out.chunk.report.files = 0
    out.chunk.report.bytes = 0
    report.append(out.chunk.report)
  }
}

/// A value handed to other threads under a rule the compiler cannot check (stated where used).
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

struct Unit: Sendable {
  var file: Int
  var start: Int
  /// -1: the whole file.
  var end: Int
}

struct UnitOutput {
  var chunk = ChunkParser.Output()
  /// Input bytes this unit accounts for (its segment, or all a stream gave).
  var bytesCovered = 0
  /// First pass: the names a Zeek name log gave, and whether it was a conn log after all.
  var names: ZeekNames?
  var misfiled = false
}

/// How a load's Zeek files are read: the first pass collects names, the second reads conn logs
/// and names their rows.
enum ZeekMode: Sendable {
  case names(cap: Int)
  case conn(join: ZeekJoin?)
}

private struct Shared: @unchecked Sendable {
  // Each unit writes only its own slot, and the buffer outlives the parallel loop.
  let outputs: UnsafeMutableBufferPointer<UnitOutput>
}

private final class Counter: Sendable {
  let value = Atomic<Int>(0)
}

/// One input: a regular file (opened by each of its units, read with `pread`), or a stream (a
/// pipe or standard input, read once by its one unit). Nothing is mapped or held whole.
final class FileInput: @unchecked Sendable {
  // Immutable after init, but for `streamFD`, which only the stream's one unit uses.
  let name: String
  let path: String?
  /// Bytes, for regular files; 0 for streams (unknown until read).
  private(set) var size = 0
  private(set) var isRegular = false
  /// Known from the first bytes (gzip's magic number) for regular files; streams find out as
  /// they are read.
  private(set) var isCompressed = false
  /// The format: as asked, or detected from the head of the file (`.auto` until the data is seen,
  /// for compressed files and streams).
  private(set) var format: InputFormat
  /// The Zeek name log (http, ssl, dns) this file is, by its name or its `#path` header: read in
  /// the first pass.
  private(set) var nameKind: ZeekNames.Kind?
  /// CR-only line ends, found in the head of a regular plain file.
  private(set) var crOnly: Bool?
  /// Why the file is not read at all (it could not be opened, or is binary).
  private(set) var problem: InputProblem?
  private var streamFD: Int32 = -1
  private let ownsStream: Bool
  let csvMapping: [String: String]
  let limits: InputLimits

  init(
    _ source: InputSource, format: InputFormat, csvMapping: [String: String], limits: InputLimits
  ) {
    name = source.name
    self.format = format
    self.csvMapping = csvMapping
    self.limits = limits
    switch source {
    case .standardInput:
      path = nil
      streamFD = 0
      ownsStream = false
    case .file(let p):
      path = p
      ownsStream = true
      // Non-blocking open: a FIFO put in place of a file never hangs the hunt here.
      let fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
      guard fd >= 0 else {
        problem = InputProblem(file: p, line: 0, message: "cannot open (\(errnoText())): skipped")
        return
      }
      var st = stat()
      guard fstat(fd, &st) == 0 else {
        problem = InputProblem(file: p, line: 0, message: "cannot stat (\(errnoText())): skipped")
        Glibc.close(fd)
        return
      }
      if st.st_mode & S_IFMT == S_IFREG {
        isRegular = true
        size = Int(st.st_size)
        var head = [UInt8](repeating: 0, count: 64 << 10)
        let n = head.withUnsafeMutableBytes { preadFully(fd, $0.baseAddress!, $0.count, 0) }
        Glibc.close(fd)
        guard n >= 0 else {
          problem = InputProblem(file: p, line: 0, message: "cannot read (\(errnoText())): skipped")
          return
        }
        head.removeSubrange(n...)
        isCompressed = head.starts(with: [0x1F, 0x8B])
        if !isCompressed {
          if head.starts(with: [0xEF, 0xBB, 0xBF]) { head.removeFirst(3) }
          if let binary = Self.binaryProblem(head, size: size) {
            problem = InputProblem(file: p, line: 0, message: binary)
            return
          }
          crOnly = !head.contains(0x0A) && head.contains(0x0D)
          if self.format == .auto { self.format = InputSniffer.detect(head) }
          if self.format == .zeek { nameKind = Self.zeekPath(head).flatMap(ZeekNames.Kind.init) }
        }
        if nameKind == nil, self.format == .zeek || self.format == .auto {
          let base = String(p.split(separator: "/").last ?? "")
          nameKind = ZeekArchive.logKind(base).flatMap(ZeekNames.Kind.init)
        }
      } else {
        // A pipe named on the command line: read it as a stream, blocking as pipes do.
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        streamFD = fd
      }
    }
  }

  /// The `#path` of a Zeek TSV head.
  static func zeekPath(_ head: [UInt8]) -> String? {
    var i = 0
    let key = Array("#path\t".utf8)
    while i < head.count, head[i] == UInt8(ascii: "#") {
      let end = head[i...].firstIndex(of: 0x0A) ?? head.count
      let line = head[i..<end]
      if line.starts(with: key) {
        return String(decoding: line.dropFirst(key.count).filter { $0 != 0x0D }, as: UTF8.self)
      }
      i = end + 1
    }
    return nil
  }

  func close() {
    if ownsStream, streamFD >= 0 { Glibc.close(streamFD) }
    streamFD = -1
  }

  /// Why a file whose head looks binary is skipped whole; nil for text. A NUL byte or two in text
  /// (one bad line) is not binary: those lines are skipped one by one.
  static func binaryProblem<C: Collection<UInt8>>(_ head: C, size: Int?) -> String? {
    // Text has no NUL byte at all: one `memchr` answers for almost every file.
    if let clean = head.withContiguousStorageIfAvailable({
      $0.isEmpty || memchr($0.baseAddress!, 0, $0.count) == nil
    }), clean {
      return nil
    }
    var nulLines = 0
    var lineHasNul = false
    var newlines = 0
    for b in head {
      if b == 0 {
        if !lineHasNul { nulLines += 1 }
        lineHasNul = true
      } else if b == 0x0A {
        newlines += 1
        lineHasNul = false
      }
    }
    guard nulLines >= 2 || (nulLines == 1 && newlines == 0 && head.count >= 4096) else {
      return nil
    }
    return "binary file (NUL bytes), not text: skipped whole"
      + (size.map { " (\($0) bytes)" } ?? "")
  }

  /// Parses `unit`. `handOn`, when given, takes the rows read so far whenever there are
  /// `handOnRows` of them (it returns once they are consumed, in input order).
  func parse(
    _ unit: Unit, zeek mode: ZeekMode = .conn(join: nil),
    handOnRows: Int = RecordLoader.defaultHandOnRows,
    handOn: ((borrowing RowChunk) -> Void)? = nil
  ) -> UnitOutput {
    var out = UnitOutput()
    if let problem {
      out.chunk.report.fileProblems.append(problem)
      return out
    }
    var fd = streamFD
    var closeAfter = false
    if isRegular, let path {
      fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
      guard fd >= 0 else {
        out.chunk.report.fileProblems.append(
          InputProblem(file: name, line: 0, message: "cannot open (\(errnoText())): skipped"))
        return out
      }
      closeAfter = true
    }
    defer { if closeAfter { Glibc.close(fd) } }
    let start = max(0, unit.start)
    var position = start
    var raw: (UnsafeMutablePointer<UInt8>, Int) throws(ReadFailure) -> Int
    if isRegular {
      raw = { (p, n) throws(ReadFailure) -> Int in
        let r = preadFully(fd, p, n, position)
        guard r >= 0 else { throw ReadFailure(message: "read failed (\(errnoText()))") }
        position += r
        return r
      }
    } else {
      raw = { (p, n) throws(ReadFailure) -> Int in
        while true {
          let r = Glibc.read(fd, p, n)
          if r < 0, errno == EINTR { continue }
          guard r >= 0 else { throw ReadFailure(message: "read failed (\(errnoText()))") }
          position += r
          return r
        }
      }
    }
    // A stream shows whether it is compressed in its first two bytes.
    var compressed = isCompressed
    var peeked: [UInt8] = []
    if !isRegular {
      var two = [UInt8](repeating: 0, count: 2)
      var got = 0
      while got < 2 {
        let n =
          (try? two.withUnsafeMutableBufferPointer { try raw($0.baseAddress! + got, 2 - got) }) ?? 0
        if n == 0 { break }
        got += n
      }
      peeked = Array(two.prefix(got))
      compressed = peeked.starts(with: [0x1F, 0x8B])
    }
    let source: (UnsafeMutablePointer<UInt8>, Int) throws(ReadFailure) -> Int
    let plain = raw
    let withPeeked: (UnsafeMutablePointer<UInt8>, Int) throws(ReadFailure) -> Int = {
      (p, n) throws(ReadFailure) -> Int in
      if !peeked.isEmpty {
        let k = min(n, peeked.count)
        for i in 0..<k { p[i] = peeked[i] }
        peeked.removeFirst(k)
        return k
      }
      return try plain(p, n)
    }
    if compressed {
      let inflater = GzipInflater(limits: limits)
      source = { (p, n) throws(ReadFailure) -> Int in
        try inflater.read(into: p, count: n, source: withPeeked)
      }
    } else {
      source = withPeeked
    }
    var reader = LineReader(
      maxLine: limits.maxLineBytes, startOffset: start,
      crOnly: compressed || !isRegular ? nil : crOnly)
    var detected = format
    do {
      if unit.start <= 0, compressed || !isRegular {
        let head = try reader.prime(atFileStart: true, source)
        if let binary = Self.binaryProblem(head.prefix(64 << 10), size: nil) {
          out.chunk.report.fileProblems.append(InputProblem(file: name, line: 0, message: binary))
          out.bytesCovered = position
          return out
        }
        if detected == .auto { detected = InputSniffer.detect(head.prefix(64 << 10)) }
      }
      var skipPartial = false
      if start > 0 {
        var before: UInt8 = 0
        skipPartial = preadFully(fd, &before, 1, start - 1) != 1 || before != 0x0A
      }
      var zeek = ZeekConnParser()
      switch mode {
      case .names(let cap): zeek = ZeekConnParser(names: ZeekNames(cap: cap))
      case .conn(let join): zeek = ZeekConnParser(join: join)
      }
      let parser = LineParser(
        nameKind != nil && detected == .auto ? .zeek : detected, csvMapping: csvMapping, zeek: zeek)
      let span = LineSpan(
        end: unit.end < 0 ? nil : unit.end, skipPartial: skipPartial, atFileStart: start == 0,
        handOnRows: handOnRows, handOn: handOn)
      // One loop per file, specialised to its format's parser: the per-line call neither
      // switches on the format nor copies the parser (and retains what it holds).
      switch parser {
      case .csl(var c): try readLines(&c, &reader, source, span, into: &out)
      case .csv(var c): try readLines(&c, &reader, source, span, into: &out)
      case .cef(var c): try readLines(&c, &reader, source, span, into: &out)
      case .zeek(var z):
        try readLines(&z, &reader, source, span, into: &out)
        if let other = z.otherLog { out.chunk.report.otherLogs[other, default: 0] += 1 }
        out.names = z.names
        out.misfiled = z.misfiled
      }
    } catch {
      out.chunk.report.fileProblems.append(
        InputProblem(file: name, line: out.chunk.lines + 1, message: error.message))
    }
    if unit.end >= 0 {
      out.bytesCovered = unit.end - start
    } else {
      out.bytesCovered = isRegular ? size : position
    }
    return out
  }
}

extension FileInput {
  /// Which of a unit's lines `readLines` reads, and where its rows go.
  fileprivate struct LineSpan {
    var end: Int?
    var skipPartial: Bool
    var atFileStart: Bool
    var handOnRows: Int
    var handOn: ((borrowing RowChunk) -> Void)?
  }

  /// Hands each line of `reader` to `parser`: over-long lines and lines with a NUL byte are
  /// counted and skipped here, for every format alike; rows go to `span.handOn` every
  /// `span.handOnRows`.
  fileprivate func readLines<P: LineParsing>(
    _ parser: inout P, _ reader: inout LineReader,
    _ source: (UnsafeMutablePointer<UInt8>, Int) throws(ReadFailure) -> Int, _ span: LineSpan,
    into out: inout UnitOutput
  ) throws(ReadFailure) {
    let maxLine = limits.maxLineBytes
    let file = name
    let (handOnRows, handOn) = (span.handOnRows, span.handOn)
    try reader.forEachLine(
      end: span.end, skipPartial: span.skipPartial, atFileStart: span.atFileStart, source
    ) { line in
      out.chunk.lines += 1
      switch line {
      case .tooLong(let bytes, let terminated):
        out.chunk.report.skip(
          .tooLong,
          InputProblem(
            file: file, line: out.chunk.lines,
            message:
              "\(bytes) bytes\(terminated ? "" : " (no newline at the end)"), over the limit of \(InputLimits.text(Int64(maxLine))): skipped"
          ))
        return true
      case .text(let p, let n, let terminated):
        if n > 0, memchr(p, 0, n) != nil {
          out.chunk.report.skip(
            .nulBytes,
            InputProblem(
              file: file, line: out.chunk.lines, message: "a NUL byte in the line: skipped"))
          return true
        }
        parser.parseLine(
          p, n, line: out.chunk.lines, terminated: terminated, file: file, into: &out.chunk)
        if let handOn, out.chunk.rows.count >= handOnRows {
          handOn(out.chunk.rows)
          out.chunk.rows = RowChunk()
        }
        return parser.reading
      }
    }
  }
}

/// `pread` until `count` bytes or the end of the file; -1 on an error.
func preadFully(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ count: Int, _ offset: Int) -> Int {
  var done = 0
  while done < count {
    let n = pread(fd, p + done, count - done, off_t(offset + done))
    if n < 0, errno == EINTR { continue }
    if n < 0 { return -1 }
    if n == 0 { break }
    done += n
  }
  return done
}

/// The reader of one file's lines, chosen by its format.
enum LineParser {
  case csl(ChunkParser)
  case zeek(ZeekConnParser)
  case csv(CSVConnParser)
  case cef(CEFParser)

  init(_ format: InputFormat, csvMapping: [String: String], zeek: ZeekConnParser = ZeekConnParser())
  {
    switch format {
    case .zeek: self = .zeek(zeek)
    case .csv: self = .csv(CSVConnParser(mapping: csvMapping))
    case .cef: self = .cef(CEFParser())
    case .csl, .auto: self = .csl(ChunkParser())
    }
  }
}

/// A reader of one format's lines (`FileInput.readLines` runs one per file).
protocol LineParsing {
  mutating func parseLine(
    _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output)
  /// False once the rest of the file is not to be read.
  var reading: Bool { get }
}

extension LineParsing {
  var reading: Bool { true }
}

extension ChunkParser: LineParsing {}
extension ZeekConnParser: LineParsing {}
extension CSVConnParser: LineParsing {}

extension CEFParser: LineParsing {
  mutating func parseLine(
    _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, terminated: Bool, file: String,
    into out: inout ChunkParser.Output
  ) {
    checkText(p, n, line: line, file: file, report: &out.report)
    let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    self.line(text, line: line, terminated: terminated, file: file, into: &out)
  }
}

/// Counts a line whose invalid UTF-8 will be replaced by U+FFFD where it is decoded (as Spark's
/// reader does): the row is kept, and the replacement is reported, never silent.
@inline(__always)
func checkText(
  _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, file: String, field: String = "line",
  report: inout InputReport
) {
  let b = UnsafeBufferPointer(start: p, count: n)
  guard b.contains(where: { $0 >= 0x80 }), String(validating: b, as: UTF8.self) == nil else {
    return
  }
  report.replaced(
    field,
    InputProblem(
      file: file, line: line, field: field == "line" ? nil : field,
      message: "invalid UTF-8, replaced by U+FFFD"))
}
