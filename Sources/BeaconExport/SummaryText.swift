import BeaconCore

/// The run summary as printed on stderr: rows read, kept after each step, skipped with reasons
/// and locations, findings, and time per stage. Shared by every engine.
public enum SummaryText {
  public static func render(_ s: RunSummary) -> String {
    var out = ""
    let r = s.input
    out += "beaconhunt: \(s.method.rawValue) method on the \(s.engine) engine\n"
    out += "  read      \(group(r.rows)) rows from \(group(r.files)) files"
    out += r.bytes > 0 ? " (\(megabytes(r.bytes)))" : ""
    out += r.blankLines > 0 ? ", \(group(r.blankLines)) blank lines\n" : "\n"
    if r.skippedLines > 0 {
      let reasons = SkipReason.allCases.compactMap { k in
        r.skipped[k].map { "\(group($0)) \(k.rawValue)" }
      }
      out += "  skipped   \(group(r.skippedLines)) lines: " + reasons.joined(separator: "; ") + "\n"
      for p in r.skippedExamples { out += "            \(TableText.visible(p.description))\n" }
      if r.skippedLines > r.skippedExamples.count {
        out += "            … and \(group(r.skippedLines - r.skippedExamples.count)) more\n"
      }
    }
    if r.nulledFieldCount > 0 {
      let fields = r.nulledFields.sorted { $0.key < $1.key }.map { "\($0.key) ×\(group($0.value))" }
      out +=
        "  nulled    \(group(r.nulledFieldCount)) wrong-typed values (rows kept): "
        + fields.joined(separator: ", ") + "\n"
      for p in r.nulledExamples { out += "            \(TableText.visible(p.description))\n" }
    }
    if !r.replacedText.isEmpty {
      let fields = r.replacedText.sorted { $0.key < $1.key }.map { "\($0.key) ×\(group($0.value))" }
      out +=
        "  replaced  invalid UTF-8 by U+FFFD (rows kept): " + fields.joined(separator: ", ") + "\n"
      for p in r.replacedExamples { out += "            \(TableText.visible(p.description))\n" }
    }
    if !r.fileProblems.isEmpty {
      out += "  skipped   \(group(r.fileProblems.count)) files\n"
    }
    for p in r.fileProblems {
      out += "  file      \(TableText.visible(p.file)): \(TableText.visible(p.message))\n"
    }
    if !r.otherLogs.isEmpty {
      let kinds = r.otherLogs.sorted { utf8Less($0.key, $1.key) }.map {
        "\(group($0.value)) \(TableText.visible($0.key))"
      }
      out += "  other     Zeek logs, not hunted: " + kinds.joined(separator: ", ") + "\n"
    }
    if !r.names.isEmpty {
      let logs = r.names.logs.sorted { $0.key < $1.key }.map { "\(group($0.value)) \($0.key)" }
      let joined = r.names.joined.sorted { $0.key < $1.key }.map {
        "\(group($0.value)) by \($0.key)"
      }
      out +=
        "  names     Zeek logs read for host names: " + logs.joined(separator: ", ")
        + "; \(group(r.names.entries)) entries"
        + (joined.isEmpty
          ? "; no conn row named" : "; conn rows named: " + joined.joined(separator: ", "))
        + "\n"
      if r.names.overflow > 0 {
        out +=
          "  names     \(group(r.names.overflow)) entries over the join table's limit, not kept: their connections keep their address\n"
      }
    }
    if r.repeatedFiles > 0 {
      out +=
        "  links     \(group(r.repeatedFiles)) more paths to files already read (each file read once)\n"
    }
    for step in s.steps {
      out += "  " + pad(step.step, 36) + " " + lpad(group(step.rows), 12)
      out += step.detail.map { "  (\(TableText.visible($0)))" } ?? ""
      out += "\n"
    }
    if let spill = s.spill {
      out +=
        "  disk      state over the memory limit (\(megabytes(Int(spill.budget)))): \(megabytes(Int(spill.bytes))) written to a temporary file in \(spill.partitions) partitions, hunted one at a time\n"
    }
    if !s.timings.isEmpty {
      let total = s.timings.reduce(0) { $0 + $1.seconds }
      out +=
        "  time      "
        + s.timings.map { "\($0.stage) \(seconds($0.seconds))" }.joined(separator: ", ")
      out += "; total \(seconds(total))\n"
    }
    if !s.peaks.isEmpty {
      out +=
        "  memory    peak by the end of "
        + s.peaks.map { "\($0.stage) \(megabytes($0.bytes))" }.joined(separator: ", ") + "\n"
    }
    return out
  }

  /// 1234567 → "1,234,567".
  public static func group(_ v: Int) -> String { groupedDigits(v) }

  public static func megabytes(_ bytes: Int) -> String {
    let mb = Double(bytes) / 1_000_000
    return fixed(mb, mb < 10 ? 2 : 1) + " MB"
  }

  public static func seconds(_ s: Double) -> String { fixed(s, s < 10 ? 3 : 1) + " s" }

  /// Fixed-point text without Foundation's formatters.
  public static func fixed(_ v: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let n = Int((v * scale).rounded())
    let whole = n / Int(scale)
    let frac = String(abs(n) % Int(scale))
    return places == 0
      ? String(whole) : "\(whole).\(String(repeating: "0", count: places - frac.count))\(frac)"
  }

  static func pad(_ s: String, _ w: Int) -> String {
    s.count >= w ? s : s + String(repeating: " ", count: w - s.count)
  }
  static func lpad(_ s: String, _ w: Int) -> String {
    s.count >= w ? s : String(repeating: " ", count: w - s.count) + s
  }
}
