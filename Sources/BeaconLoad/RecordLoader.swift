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

/// Reads JSON-lines inputs (plain or `.gz`, files or standard input) on every core.
///
/// Work is cut into units: a small file is one unit; a large plain file (or standard input) is
/// cut into segments at newline boundaries. Units run in parallel and are merged in input order,
/// so records, line numbers and the first reported problems are the same on any number of cores.
public struct RecordLoader: Sendable {
  /// Plain files above this size are split so both cores share them.
  public var segmentBytes = 8 << 20
  public var threads: Int

  public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
    self.threads = max(1, threads)
  }

  public func load(
    _ sources: [InputSource], format: InputFormat = .auto, csvMapping: [String: String] = [:],
    progress: any HuntProgress = NoProgress()
  ) throws -> LoadedRows {
    var files: [FileInput] = []
    var units: [Unit] = []
    defer { for f in files { f.release() } }
    for (index, source) in sources.enumerated() {
      let input = try FileInput(
        source, segmentBytes: segmentBytes, format: format, csvMapping: csvMapping)
      files.append(input)
      // Zeek TSV needs its header, so a Zeek file is never split.
      if input.isCompressed || input.size <= segmentBytes || input.format == .zeek
        || input.format == .csv
      {
        units.append(Unit(file: index, start: 0, end: -1))
      } else {
        var s = 0
        while s < input.size {
          let e = min(input.size, s + segmentBytes)
          units.append(Unit(file: index, start: s, end: e))
          s = e
        }
      }
    }
    let totalBytes = files.reduce(0) { $0 + $1.size }
    let outputs = UnsafeMutableBufferPointer<UnitOutput>.allocate(capacity: units.count)
    outputs.initialize(repeating: UnitOutput())
    defer { outputs.deinitialize().deallocate() }
    let shared = Shared(outputs: outputs)
    let done = Counter()
    let next = Counter()
    let unitList = units
    let fileList = files
    // `threads` workers take units in order; each reuses one read buffer and one parser.
    DispatchQueue.concurrentPerform(iterations: min(threads, max(1, unitList.count))) { _ in
      var buffer = ReadBuffer()
      while true {
        let k = next.value.add(1, ordering: .relaxed).oldValue
        guard k < unitList.count else { break }
        let unit = unitList[k]
        let out = fileList[unit.file].parse(unit, buffer: &buffer)
        shared.outputs[k] = out
        let now = done.value.add(out.bytesCovered, ordering: .relaxed).newValue
        progress.update(stage: "load", done: now, total: totalBytes, unit: .bytes)
      }
    }
    // Merge in input order, renumbering lines per file.
    var records: [ConnectionRecord] = []
    records.reserveCapacity(outputs.reduce(0) { $0 + $1.chunk.records.count })
    var report = InputReport()
    var lineOffset = 0
    var lastFile = -1
    for (k, unit) in units.enumerated() {
      if unit.file != lastFile {
        lastFile = unit.file
        lineOffset = 0
        report.files += 1
        report.bytes += files[unit.file].size
      }
      var out = outputs[k]
      for i in out.chunk.report.skippedExamples.indices {
        out.chunk.report.skippedExamples[i].line += lineOffset
      }
      for i in out.chunk.report.nulledExamples.indices {
        out.chunk.report.nulledExamples[i].line += lineOffset
      }
      lineOffset += out.chunk.lines
      records += out.chunk.records
      out.chunk.report.files = 0
      out.chunk.report.bytes = 0
      report.append(out.chunk.report)
      outputs[k] = UnitOutput()
    }
    return LoadedRows(records: records, report: report)
  }
}

struct Unit: Sendable {
  var file: Int
  var start: Int
  /// -1: the whole file.
  var end: Int
}

struct UnitOutput {
  var chunk = ChunkParser.Output()
  var bytesCovered = 0
}

private struct Shared: @unchecked Sendable {
  // Each unit writes only its own slot, and the buffer outlives the parallel loop.
  let outputs: UnsafeMutableBufferPointer<UnitOutput>
}

private final class Counter: Sendable {
  let value = Atomic<Int>(0)
}

/// One input file, mapped (or, for standard input, read) once and shared by its units.
final class FileInput: @unchecked Sendable {
  // Immutable after init; the mapping is released after every unit has finished.
  let name: String
  let path: String?
  let size: Int
  let isCompressed: Bool
  /// The format: as asked, or detected from the head of the file (`.auto` until the data is seen,
  /// for compressed files, which are detected after inflating).
  private(set) var format: InputFormat
  private var mapped: UnsafeRawBufferPointer?
  private var owned: UnsafeMutableRawBufferPointer?

  let csvMapping: [String: String]

  init(_ source: InputSource, segmentBytes: Int, format: InputFormat, csvMapping: [String: String])
    throws
  {
    name = source.name
    self.format = format
    self.csvMapping = csvMapping
    switch source {
    case .standardInput:
      path = nil
      let data = FileHandle.standardInput.readDataToEndOfFile()
      let buffer = UnsafeMutableRawBufferPointer.allocate(
        byteCount: max(1, data.count), alignment: 8)
      data.copyBytes(to: buffer)
      owned = buffer
      size = data.count
      isCompressed = data.starts(with: [0x1F, 0x8B])
    case .file(let p):
      path = p
      let fd = open(p, O_RDONLY)
      guard fd >= 0 else {
        throw HuntError("\(p): cannot open (\(String(cString: strerror(errno))))")
      }
      defer { close(fd) }
      var st = stat()
      guard fstat(fd, &st) == 0 else { throw HuntError("\(p): cannot stat") }
      size = Int(st.st_size)
      isCompressed = p.hasSuffix(".gz")
      // Small files are read by the worker that parses them; large ones are mapped once and
      // shared by their segments.
      if size > segmentBytes, !isCompressed {
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
          throw HuntError("\(p): cannot read (\(String(cString: strerror(errno))))")
        }
        madvise(m, size, MADV_SEQUENTIAL)
        mapped = UnsafeRawBufferPointer(start: m, count: size)
      }
      if format == .auto, !isCompressed {
        var head = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &head, head.count, 0)
        self.format = InputSniffer.detect(head.prefix(max(0, n)))
      }
    }
    if self.format == .auto, let o = owned, !isCompressed {
      self.format = InputSniffer.detect(
        UnsafeRawBufferPointer(start: o.baseAddress, count: min(size, 4096)))
    }
  }

  func release() {
    if let m = mapped { munmap(UnsafeMutableRawPointer(mutating: m.baseAddress), m.count) }
    owned?.deallocate()
    mapped = nil
    owned = nil
  }

  var bytes: UnsafeRawBufferPointer {
    if let m = mapped { return m }
    if let o = owned { return UnsafeRawBufferPointer(start: o.baseAddress, count: size) }
    return UnsafeRawBufferPointer(start: nil, count: 0)
  }

  func parse(_ unit: Unit, buffer: inout ReadBuffer) -> UnitOutput {
    var out = UnitOutput()
    var parser = ChunkParser()
    var raw = bytes
    if raw.baseAddress == nil, size > 0, let path {
      do {
        raw = try buffer.read(path, size: size)
      } catch {
        out.chunk.report.fileProblems.append(
          InputProblem(file: name, line: 0, message: error.description))
        return out
      }
    }
    if isCompressed {
      out.bytesCovered = size
      let (data, error) = gunzip(raw)
      if let error {
        out.chunk.report.fileProblems.append(InputProblem(file: name, line: 0, message: error))
      }
      if let binary = binaryProblem(
        UnsafeRawBufferPointer(
          start: data.withUnsafeBytes { $0.baseAddress }, count: min(data.count, 4096)))
      {
        out.chunk.report.fileProblems.append(InputProblem(file: name, line: 0, message: binary))
        return out
      }
      let detected = format == .auto ? InputSniffer.detect(data.prefix(4096)) : format
      data.withUnsafeBufferPointer { b in
        guard let base = b.baseAddress else { return }
        if detected == .zeek {
          var zeek = ZeekConnParser()
          zeek.parse(base, total: b.count, file: name, into: &out.chunk)
        } else if detected == .csv {
          var csv = CSVConnParser(mapping: csvMapping)
          csv.parse(base, total: b.count, file: name, into: &out.chunk)
        } else if detected == .cef {
          var cef = CEFParser()
          cef.parse(base, total: b.count, file: name, into: &out.chunk)
        } else {
          parser.parse(base, total: b.count, start: 0, end: b.count, file: name, into: &out.chunk)
        }
      }
      return out
    }
    let total = raw.count
    guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self), total > 0 else {
      return out
    }
    let end = unit.end < 0 ? total : min(unit.end, total)
    out.bytesCovered = end - unit.start
    if unit.start == 0,
      let binary = binaryProblem(UnsafeRawBufferPointer(start: base, count: min(total, 4096)))
    {
      out.chunk.report.fileProblems.append(InputProblem(file: name, line: 0, message: binary))
      return out
    }
    if unit.start > 0, isBinary(UnsafeRawBufferPointer(start: base, count: min(total, 4096))) {
      return out
    }
    // A segment owns the lines that start inside it: skip the tail of a line begun before it.
    var start = unit.start
    if start > 0, base[start - 1] != 0x0A {
      guard let nl = memchr(base + start, 0x0A, end - start) else { return out }
      start = base.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
    }
    if format == .zeek {
      var zeek = ZeekConnParser()
      zeek.parse(base, total: total, file: name, into: &out.chunk)
    } else if format == .csv {
      var csv = CSVConnParser(mapping: csvMapping)
      csv.parse(base, total: total, file: name, into: &out.chunk)
    } else if format == .cef {
      var cef = CEFParser()
      cef.parse(base, total: total, file: name, into: &out.chunk)
    } else {
      parser.parse(base, total: total, start: start, end: end, file: name, into: &out.chunk)
    }
    return out
  }

  func isBinary(_ head: UnsafeRawBufferPointer) -> Bool { head.contains(0) }

  private func binaryProblem(_ head: UnsafeRawBufferPointer) -> String? {
    isBinary(head) ? "binary file (NUL bytes), not JSON lines: skipped whole (\(size) bytes)" : nil
  }
}

/// A worker's reusable read buffer, so that reading a file touches no fresh memory.
struct ReadBuffer: ~Copyable {
  private var storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)

  deinit { storage.deallocate() }

  /// Reads all of `path` (expected to be `size` bytes) into the buffer.
  mutating func read(_ path: String, size: Int) throws(HuntError) -> UnsafeRawBufferPointer {
    if storage.count < size {
      storage.deallocate()
      storage = .allocate(byteCount: size, alignment: 16)
    }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw HuntError("cannot open (\(String(cString: strerror(errno))))") }
    defer { close(fd) }
    var off = 0
    while off < size {
      let n = Glibc.read(fd, storage.baseAddress! + off, size - off)
      if n < 0, errno == EINTR { continue }
      guard n >= 0 else { throw HuntError("read failed (\(String(cString: strerror(errno))))") }
      if n == 0 { break }  // the file shrank while we read it
      off += n
    }
    return UnsafeRawBufferPointer(start: storage.baseAddress, count: off)
  }
}
