/// Why an input line was skipped. Skipped lines take part in nothing after loading.
public enum SkipReason: String, CaseIterable, Sendable {
  case notJSON = "not a JSON object"
  case truncated = "truncated last line (no newline at end of file)"
  case missingTime = "TimeGenerated missing or null"
  case badTime = "TimeGenerated is not an ISO-8601 time"
  case tooLong = "longer than the line limit"
  case nulBytes = "holds NUL bytes"
}

/// One reported problem in the input, located by file and line (1-based).
public struct InputProblem: Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int
  /// The field involved, when there is one.
  public var field: String?
  public var message: String

  public init(file: String, line: Int, field: String? = nil, message: String) {
    self.file = file
    self.line = line
    self.field = field
    self.message = message
  }

  /// `file:line: field: message`; without the line when it is not known (0).
  public var description: String {
    "\(file):" + (line > 0 ? "\(line): " : " ") + (field.map { "\($0): " } ?? "") + message
  }
}

/// What loading read, kept and skipped: nothing is lost without being counted here.
public struct InputReport: Sendable, Equatable {
  /// How many examples of each kind are kept for printing; the counts are always complete.
  public static let exampleLimit = 10

  public var files = 0
  public var bytes = 0
  /// Rows that loaded (with a valid TimeGenerated).
  public var rows = 0
  /// Empty or whitespace-only lines, which hold no record.
  public var blankLines = 0
  public var skipped: [SkipReason: Int] = [:]
  /// The first skipped lines, in input order.
  public var skippedExamples: [InputProblem] = []
  /// Fields of loaded rows that were present but of the wrong type, and so taken as null.
  public var nulledFields: [String: Int] = [:]
  public var nulledExamples: [InputProblem] = []
  /// Whole files that could not be read (unreadable, binary, corrupt compression, not a regular
  /// file, a broken link), or whose rest was skipped, with the reason.
  public var fileProblems: [InputProblem] = []
  /// Text fields whose invalid UTF-8 was replaced by U+FFFD (as Spark's reader does), per field.
  public var replacedText: [String: Int] = [:]
  public var replacedExamples: [InputProblem] = []
  /// Files reached again through another link or path, and read once.
  public var repeatedFiles = 0
  /// Other Zeek logs met beside the conn logs (`dns`, `http`, `ssl`, `conn-summary` …), by kind:
  /// recognised by name or `#path` header and not hunted. Not a skip (`--strict` is about
  /// malformed rows in what is hunted).
  public var otherLogs: [String: Int] = [:]
  /// Zeek's http, ssl and dns logs read for the destinations' names, and what they gave.
  public var names = NameJoinReport()

  public init() {}

  public var skippedLines: Int { skipped.values.reduce(0, +) }
  public var nulledFieldCount: Int { nulledFields.values.reduce(0, +) }

  public mutating func skip(_ reason: SkipReason, _ problem: InputProblem) {
    skipped[reason, default: 0] += 1
    if skippedExamples.count < Self.exampleLimit { skippedExamples.append(problem) }
  }

  public mutating func nulled(_ field: String, _ problem: @autoclosure () -> InputProblem) {
    nulledFields[field, default: 0] += 1
    if nulledExamples.count < Self.exampleLimit { nulledExamples.append(problem()) }
  }

  /// Appends a later part of the input (a later file or chunk) to this one.
  public mutating func append(_ other: InputReport) {
    files += other.files
    bytes += other.bytes
    rows += other.rows
    blankLines += other.blankLines
    for (k, v) in other.skipped { skipped[k, default: 0] += v }
    skippedExamples += other.skippedExamples.prefix(Self.exampleLimit - skippedExamples.count)
    for (k, v) in other.nulledFields { nulledFields[k, default: 0] += v }
    nulledExamples += other.nulledExamples.prefix(Self.exampleLimit - nulledExamples.count)
    fileProblems += other.fileProblems
    for (k, v) in other.replacedText { replacedText[k, default: 0] += v }
    replacedExamples += other.replacedExamples.prefix(Self.exampleLimit - replacedExamples.count)
    repeatedFiles += other.repeatedFiles
    for (k, v) in other.otherLogs { otherLogs[k, default: 0] += v }
    names.append(other.names)
  }

  public mutating func replaced(_ field: String, _ problem: @autoclosure () -> InputProblem) {
    replacedText[field, default: 0] += 1
    if replacedExamples.count < Self.exampleLimit { replacedExamples.append(problem()) }
  }

  /// True when any line or file was skipped (what `--strict` refuses).
  public var hasSkips: Bool { skippedLines > 0 || !fileProblems.isEmpty }
}

/// What joining Zeek's name logs to its conn logs did (`ZeekNames`).
public struct NameJoinReport: Sendable, Equatable {
  /// Files read for names, by kind (`http`, `ssl`, `dns`).
  public var logs: [String: Int] = [:]
  /// Entries kept in the join table (connection ids with a name, DNS answers).
  public var entries = 0
  /// Entries met once the table was full (`InputLimits.maxJoinNames`): not kept, so the
  /// connections they would have named keep their address.
  public var overflow = 0
  /// Conn rows given a name, by where it came from (`http`, `ssl`, `dns`).
  public var joined: [String: Int] = [:]

  public init() {}

  public var isEmpty: Bool { logs.isEmpty && entries == 0 && overflow == 0 }

  public mutating func append(_ other: NameJoinReport) {
    for (k, v) in other.logs { logs[k, default: 0] += v }
    entries += other.entries
    overflow += other.overflow
    for (k, v) in other.joined { joined[k, default: 0] += v }
  }
}

/// Rows left after one step of a method, for the run summary.
public struct StepCount: Sendable, Equatable {
  public var step: String
  public var rows: Int
  public var detail: String?

  public init(_ step: String, _ rows: Int, detail: String? = nil) {
    self.step = step
    self.rows = rows
    self.detail = detail
  }
}

/// What a hunt did: the input report, the rows kept after each step, and time per stage.
public struct RunSummary: Sendable, Equatable {
  public var engine: String
  public var method: HuntMethod
  public var input = InputReport()
  public var steps: [StepCount] = []
  /// Seconds per stage, in pipeline order.
  public var timings: [(stage: String, seconds: Double)] = []
  /// The process's peak resident memory at the end of each stage (native engine; a Spark hunt's
  /// memory is the cluster's).
  public var peaks: [(stage: String, bytes: Int)] = []
  public var findings = 0
  /// Folders or files that were read, for the record.
  public var sources: [String] = []
  /// Set when the hunt's state passed its memory budget and went to disk (native engine).
  public var spill: SpillReport?

  public init(engine: String, method: HuntMethod) {
    self.engine = engine
    self.method = method
  }

  public static func == (a: RunSummary, b: RunSummary) -> Bool {
    a.engine == b.engine && a.method == b.method && a.input == b.input && a.steps == b.steps
      && a.findings == b.findings && a.sources == b.sources && a.spill == b.spill
  }
}

/// What a progress count counts.
public enum ProgressUnit: Sendable {
  case bytes
  /// Spark tasks.
  case tasks
}

/// Receives progress while an engine works (work done so far, of a known or unknown total).
public protocol HuntProgress: Sendable {
  func update(stage: String, done: Int, total: Int?, unit: ProgressUnit)
}

/// A progress sink that ignores everything (used with `--quiet` and in tests).
public struct NoProgress: HuntProgress {
  public init() {}
  public func update(stage: String, done: Int, total: Int?, unit: ProgressUnit) {}
}
