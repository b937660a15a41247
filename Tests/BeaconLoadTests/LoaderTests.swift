import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconLoad

/// A minimal export record with the nine fields among unrelated ones.
func record(
  time: String = "2021-11-01T00:00:00Z", src: String = "10.0.0.1", dst: String = "203.0.113.5",
  extra: String = #""DeviceProduct":"Fortigate","AdditionalExtensions":"a=\"b\";c=d","#
) -> String {
  #"{"TenantId":"t",\#(extra)"TimeGenerated":"\#(time)","SourceIP":"\#(src)","DestinationIP":"\#(dst)","SourcePort":50000,"DestinationPort":443,"Protocol":"TCP","ReceivedBytes":100,"SentBytes":200,"DeviceVendor":"Fortinet","Type":"CommonSecurityLog"}"#
}

func load(_ t: TempFolder, _ files: [String], segmentBytes: Int? = nil, threads: Int = 2) throws
  -> LoadedRows
{
  var loader = RecordLoader(threads: threads)
  if let segmentBytes { loader.segmentBytes = segmentBytes }
  return loader.load(files.map { .file(t.path + "/" + $0) })
}

@Suite struct LoaderTests {
  @Test func extractsTheNineFieldsFromAWideRecord() throws {
    let t = TempFolder()
    t.write("a.json", record() + "\n")
    let rows = try load(t, ["a.json"])
    #expect(
      rows.records == [
        ConnectionRecord(
          time: Timestamp(iso: "2021-11-01T00:00:00Z")!, sourceIP: "10.0.0.1",
          destinationIP: "203.0.113.5",
          sourcePort: 50000, destinationPort: 443, protocol: "TCP", receivedBytes: 100,
          sentBytes: 200,
          deviceVendor: "Fortinet")
      ])
    #expect(rows.report.rows == 1 && rows.report.skippedLines == 0)
  }

  @Test func decodesEscapesSurrogatePairsAndEscapedKeys() throws {
    let t = TempFolder()
    let line =
      #"{"TimeGenerated":"2021-11-01T00:00:00\u005A","Sou\u0072ceIP":"10.0.0.\u0031","DestinationIP":"2001:db8::1","DeviceVendor":"Caf\u00e9 \ud83d\udd25 \"Q\" \\ \/","Protocol":"\ud800x"}"#
    t.write("a.json", line + "\n")
    let r = try #require(try load(t, ["a.json"]).records.first)
    #expect(r.sourceIP == "10.0.0.1")
    #expect(r.destinationIP == "2001:db8::1")
    #expect(r.deviceVendor == "Café 🔥 \"Q\" \\ /")
    #expect(r.protocol == "\u{FFFD}x")  // a lone surrogate becomes U+FFFD
  }

  @Test func ignoresNestedKeysAndKeepsTheLastDuplicate() throws {
    let t = TempFolder()
    let line =
      #"{"Extra":{"SourceIP":"1.1.1.1","list":[{"SourceIP":"2.2.2.2"},[],{}],"n":-1.5e+3},"SourceIP":"10.0.0.1","TimeGenerated":"2021-11-01T00:00:00Z","SourceIP":"10.0.0.2"}"#
    t.write("a.json", line + "\n")
    #expect(try load(t, ["a.json"]).records.first?.sourceIP == "10.0.0.2")
  }

  @Test func numbersInStringsAreNumbersAndWrongTypesAreNulledAndCounted() throws {
    let t = TempFolder()
    let line =
      #"{"TimeGenerated":"2021-11-01T00:00:00Z","DestinationPort":" 443\t","SourcePort":443.0,"SentBytes":true,"ReceivedBytes":"12x","Protocol":6,"DeviceVendor":{"a":1},"SourceIP":null,"DestinationIP":false}"#
    t.write("a.json", line + "\n")
    let rows = try load(t, ["a.json"])
    let r = try #require(rows.records.first)
    #expect(r.destinationPort == 443)
    #expect(r.protocol == "6")
    #expect(r.destinationIP == "false")  // booleans in text fields read as their text, as in Spark
    #expect(
      r.sourcePort == nil && r.sentBytes == nil && r.receivedBytes == nil && r.deviceVendor == nil
        && r.sourceIP == nil)
    #expect(
      rows.report.nulledFields == [
        "SourcePort": 1, "SentBytes": 1, "ReceivedBytes": 1, "DeviceVendor": 1,
      ])
    #expect(
      rows.report.nulledExamples.first?.description.hasPrefix(
        t.path + "/a.json:1: SourcePort: not an integer") == true)
  }

  @Test func portsOutsideInt32AreWrongTyped() throws {
    let t = TempFolder()
    t.write(
      "a.json",
      #"{"TimeGenerated":"2021-11-01T00:00:00Z","DestinationPort":4294967296,"SentBytes":9223372036854775807}"#
        + "\n")
    let rows = try load(t, ["a.json"])
    #expect(rows.records.first?.destinationPort == nil)
    #expect(rows.records.first?.sentBytes == Int64.max)
    #expect(rows.report.nulledFields == ["DestinationPort": 1])
  }

  @Test func badLinesAreSkippedCountedAndLocated() throws {
    let t = TempFolder()
    let lines = [
      record(),  // 1 ok
      "",  // 2 blank
      "not json",  // 3
      #"{"TimeGenerated":"yesterday","SourceIP":"10.0.0.1"}"#,  // 4 bad time
      #"{"SourceIP":"10.0.0.1"}"#,  // 5 no time
      #"{"TimeGenerated":12345}"#,  // 6 wrong-typed time
      #"{"TimeGenerated":"2021-11-01T00:00:00Z","SourceIP":"a"b"}"#,  // 7 broken string
      "[1,2,3]",  // 8 not an object
      record(time: "2021-11-01T00:00:01Z") + "\r",  // 9 ok (CRLF)
      String(record().dropLast(20)),  // 10 truncated, no newline after it
    ]
    t.write("bad.json", lines.joined(separator: "\n"))
    let rows = try load(t, ["bad.json"])
    #expect(rows.records.count == 2)
    #expect(rows.report.blankLines == 1)
    #expect(rows.report.skipped == [.notJSON: 3, .badTime: 2, .missingTime: 1, .truncated: 1])
    #expect(rows.report.skippedExamples.map(\.line) == [3, 4, 5, 6, 7, 8, 10])
    #expect(
      rows.report.skippedExamples[1].description == t.path
        + "/bad.json:4: TimeGenerated: not an ISO-8601 time: \"yesterday\"")
    #expect(rows.report.skippedExamples.last?.description.contains("truncated last line") == true)
  }

  @Test func hostileValuesInMessagesCannotDriveTheTerminal() throws {
    let t = TempFolder()
    t.write("a.json", #"{"TimeGenerated":"\u001b[2J\u0007"}"# + "\n")
    let rows = try load(t, ["a.json"])
    let message = rows.report.skippedExamples[0].description
    #expect(!message.contains("\u{1B}") && message.contains("\\u{1b}"))
  }

  @Test func deepNestingFailsCleanly() throws {
    let t = TempFolder()
    let deep = String(repeating: "[", count: 100_000)
    t.write(
      "a.json", #"{"TimeGenerated":"2021-11-01T00:00:00Z","x":\#(deep)}"# + "\n" + record() + "\n")
    let rows = try load(t, ["a.json"])
    #expect(rows.records.count == 1)
    #expect(rows.report.skippedExamples.first?.message.contains("nesting too deep") == true)
  }

  @Test func binaryFilesAreReportedWholeNotParsed() throws {
    let t = TempFolder()
    t.write("img.json", Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x0A, 0x00, 0x01, 0x0A]))
    let rows = try load(t, ["img.json"])
    #expect(rows.records.isEmpty && rows.report.skippedLines == 0)
    #expect(
      rows.report.fileProblems.count == 1
        && rows.report.fileProblems[0].message.hasPrefix("binary file"))
    #expect(rows.report.hasSkips)
  }

  @Test func gzipFilesAreReadAndCorruptOnesReported() throws {
    let t = TempFolder()
    let plain = t.write(
      "a.json",
      (0..<50).map { record(time: "2021-11-01T00:00:\(10 + $0 % 40)Z") }.joined(separator: "\n")
        + "\n")
    let gz = Process()
    gz.executableURL = URL(fileURLWithPath: "/bin/sh")
    gz.arguments = [
      "-c",
      "gzip -c '\(plain)' > '\(plain).gz' && head -c 300 '\(plain).gz' > '\(t.path)/cut.json.gz'",
    ]
    try gz.run()
    gz.waitUntilExit()
    let rows = try load(t, ["a.json.gz"])
    #expect(rows.records.count == 50)
    let cut = try load(t, ["cut.json.gz"])
    #expect(cut.report.fileProblems.first?.message.contains("truncated .gz") == true)
    #expect(cut.records.count + cut.report.skippedLines <= 50)
  }

  @Test func segmentsOfALargeFileGiveTheSameRowsAndLineNumbers() throws {
    let t = TempFolder()
    var lines: [String] = []
    for k in 0..<2000 {
      lines.append(
        k % 97 == 5
          ? "garbage \(k)"
          : record(
            time: "2021-11-01T00:\(10 + k / 60 % 50):\(10 + k % 50)Z", src: "10.0.\(k % 7).1"))
    }
    t.write("big.json", lines.joined(separator: "\n") + "\n")
    let whole = try load(t, ["big.json"], threads: 1)
    let split = try load(t, ["big.json"], segmentBytes: 4096, threads: 2)
    #expect(split.records == whole.records)
    #expect(split.report == whole.report)
    #expect(
      whole.report.skippedExamples.map(\.line)
        == Array(stride(from: 6, to: 2000, by: 97).prefix(10)))
  }
}

@Suite struct StreamingLoadTests {
  @Test func chunksArriveInInputOrderWhateverTheThreadsAndTheWindow() throws {
    let t = TempFolder()
    var lines: [String] = []
    for k in 0..<3000 {
      lines.append(
        record(
          time: "2021-11-01T1\(k / 600):\(10 + k / 60 % 10):\(10 + k % 50)Z", src: "10.0.\(k % 7).1"
        ))
    }
    t.write("big.json", lines.joined(separator: "\n") + "\n")
    var loader = RecordLoader(threads: 4)
    loader.segmentBytes = 1024  // hundreds of units: far more than the 8 the window holds
    var set = InputSet()
    set.sources = [.file(t.path + "/big.json")]
    var streamed: [ConnectionRecord] = []
    var chunks = 0
    let report = loader.stream(set) { chunk in
      chunks += 1
      streamed += chunk.records()
    }
    let whole = try load(t, ["big.json"], threads: 1)
    #expect(chunks > 100)
    #expect(streamed == whole.records)
    #expect(report == whole.report)
  }

  /// A compressed file is one unit (it cannot be cut), so it hands its rows on in parts as it
  /// is read: never held whole, and the parts of several files, parsed at once, still arrive
  /// in input order.
  @Test func wholeFilesArriveInPartsInInputOrder() throws {
    let t = TempFolder()
    var names: [String] = []
    for f in 0..<5 {
      let lines = (0..<700).map { k in
        record(
          time: "2021-11-01T0\(f):\(10 + k / 60 % 50):\(10 + k % 50)Z", src: "10.\(f).\(k % 9).1")
      }
      let plain = t.write("f\(f).json", lines.joined(separator: "\n") + "\n")
      let gz = Process()
      gz.executableURL = URL(fileURLWithPath: "/bin/sh")
      gz.arguments = ["-c", "gzip '\(plain)'"]
      try gz.run()
      gz.waitUntilExit()
      #expect(gz.terminationStatus == 0)
      names.append("f\(f).json.gz")
    }
    var loader = RecordLoader(threads: 3)
    loader.handOnRows = 64
    var set = InputSet()
    set.sources = names.map { .file(t.path + "/" + $0) }
    var streamed: [ConnectionRecord] = []
    var largest = 0
    var chunks = 0
    let report = loader.stream(set) { chunk in
      chunks += 1
      largest = max(largest, chunk.count)
      streamed += chunk.records()
    }
    let whole = try load(t, names, threads: 1)
    #expect(whole.records.count == 3500)
    #expect(chunks >= 5 * (700 / 64))
    #expect(largest <= 64)
    #expect(streamed == whole.records)
    #expect(report == whole.report)
  }
}
