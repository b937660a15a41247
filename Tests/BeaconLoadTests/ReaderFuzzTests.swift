import BeaconCore
import BeaconSimulate
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconLoad

/// Seeded mutations of real files through every reader: any trap (an overflow, an index out of
/// range) ends the test process, so finishing is one check. The other is the accounting rule for
/// export files, whose every line is a record: each line read is a row, a blank line or a counted
/// skip, never lost. The mutations grow numbers far past every field's range, which is how the
/// Zeek/CSV/CEF time overflow was found.
@Suite struct ReaderFuzzTests {
  static let realData = SharedData.realCaptures

  /// The first `lines` lines of a file.
  static func head(_ path: String, lines: Int) throws -> [UInt8] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var out: [UInt8] = []
    var n = 0
    for b in data {
      out.append(b)
      if b == 0x0A {
        n += 1
        if n == lines { break }
      }
    }
    return out
  }

  static let cef: [UInt8] = Array(
    """
    <134>Nov  1 00:00:01 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.2|end|TRAFFIC|3|rt=1635724801123 src=10.0.0.5 dst=203.0.113.50 spt=50000 dpt=443 proto=TCP out=412 in=180
    <134>Nov  1 00:00:02 fw01 CEF:0|Fortinet|Fortigate|7.2|13|traffic|3|deviceReceiptTime=Nov 01 2021 00:00:02 UTC sourceAddress=10.0.0.6 destinationAddress=2001:db8::1 destinationPort=80 bytesOut=5
    CEF:0|V|P|1|2|n|5|rt=2021-11-01T00:00:03.5Z src=10.0.0.7 dst=8.8.8.8 dpt=53

    """.utf8)

  /// An export day's first lines, as the simulator writes them.
  static let export: [UInt8] = {
    let scratch = TempFolder()
    let folder = scratch.path("beaconhunt-fuzz-sim")
    var config = SimulationConfig()
    config.rowsPerDay = 300
    config.hosts = 5
    _ = try? Simulator(config).write(to: folder)
    let file = InputFiles.files(under: folder).first { $0.hasSuffix(".json") && $0.contains("y=") }
    return (try? head(file ?? "", lines: 20)) ?? []
  }()

  static func samples() throws -> [(name: String, bytes: [UInt8], format: InputFormat)] {
    [
      ("export.json", export, .auto),
      ("zeek-tsv.log", try head(realData + "/rita-proxy/conn.log", lines: 30), .auto),
      (
        "zeek-json.log",
        try head(realData + "/rita-parser-edge-cases/json_with_all_fields/conn.log", lines: 20),
        .auto
      ),
      (
        "labelled.log",
        try head(realData + "/slips-test18-remcos/zeek-labeled/conn.log.labeled", lines: 20), .zeek
      ),
      (
        "capture.csv",
        try head(realData + "/slips-test-cc/test-cc-capture-1.conn-starts.csv", lines: 30), .csv
      ),
      ("fw.cef", cef, .auto),
    ]
  }

  @Test func everyReaderSurvivesMutatedRealFiles() throws {
    let t = TempFolder()
    var mutator = Mutator(seed: 0xBEAC_0009)
    var loader = RecordLoader(threads: 1)
    loader.limits.maxLineBytes = 4096
    for sample in try Self.samples() {
      #expect(!sample.bytes.isEmpty, "\(sample.name) is empty")
      for round in 0..<400 {
        let mutated = mutator.mutate(sample.bytes)
        let path = t.path + "/\(round)-" + sample.name
        try Data(mutated).write(to: URL(fileURLWithPath: path))
        let rows = loader.load([.file(path)], format: sample.format)
        let r = rows.report
        #expect(rows.records.count == r.rows)
        #expect(r.files == 1)
        if sample.name == "export.json", r.fileProblems.isEmpty {
          #expect(
            r.rows + r.blankLines + r.skippedLines == Self.lineCount(mutated),
            "round \(round): \(r.rows) rows, \(r.blankLines) blank, \(r.skippedLines) skipped")
        }
        unlink(path)
      }
    }
  }

  /// Lines as the loader cuts them: at LF (or at CR in a file without LF), a last line without
  /// its newline counted too; a leading BOM is not a line.
  static func lineCount(_ bytes: [UInt8]) -> Int {
    var b = bytes[...]
    if b.starts(with: [0xEF, 0xBB, 0xBF]) { b = b.dropFirst(3) }
    guard !b.isEmpty else { return 0 }
    let end: UInt8 = b.contains(0x0A) ? 0x0A : (b.contains(0x0D) ? 0x0D : 0x0A)
    let ends = b.filter { $0 == end }.count
    return ends + (b.last == end ? 0 : 1)
  }

  @Test func numbersPastEveryRangeAreBadFieldsNotTraps() throws {
    let t = TempFolder()
    // The exact lines that once ended the process with SIGILL.
    t.write("x.csv", "ts,src,dst,dport\n999999999999,10.0.0.1,8.8.8.8,443\n")
    t.write("x.cef", "CEF:0|V|P|1|1|n|1|rt=9999999999999999 src=10.0.0.1 dst=8.8.8.8 dpt=443\n")
    t.write("z.log", "999999999999.9\tC\t10.0.0.1\t1\t8.8.8.8\t53\tudp\n")
    for f in ["x.csv", "x.cef", "z.log"] {
      let rows = RecordLoader().load([.file(t.path + "/" + f)])
      #expect(rows.report.rows == 0 && rows.report.skippedLines == 1, "\(f)")
    }
    #expect(Timestamp.checked(seconds: 999_999_999_999) == nil)
    #expect(Timestamp.checked(milliseconds: 9_999_999_999_999_999) == nil)
    #expect(Timestamp.checked(seconds: 253_402_300_799) != nil)
    #expect(Timestamp.checked(seconds: -62_135_596_801) == nil)
  }
}
