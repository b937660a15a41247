import BeaconCore
import BeaconNotebook
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconExport

let hostile = NotebookFinding(
  destinationIP: "\"><img src=x onerror=alert(1)>", deviceVendor: "=HYPERLINK(\"http://evil\")",
  sourceIP: "10.0.0.1,\"x\"\r\nnext", destinationPort: 443, protocol: "\u{1B}[31mTCP\u{7}\u{2028}",
  timedelta: 60, timedeltaCount: 10, totalSentBytes: -5, totalReceivedBytes: 7, totalEvents: 10,
  degreeOfSourceIPs: 1, timedeltaList: [3, 7], timedeltaListCount: 10, totalEventCount: 10,
  percentBeacon: 83.22981366459628)

@Suite struct ExportTests {
  @Test func jsonLinesKeepTheContractOrderAndEscapeEverything() throws {
    let text = OutputFormat.jsonl.render(.notebook([hostile]))
    #expect(text.hasSuffix("}\n") && text.filter { $0 == "\n" }.count == 1)
    #expect(
      text.hasPrefix(
        #"{"DestinationIP":"\"><img src=x onerror=alert(1)>","DeviceVendor":"=HYPERLINK(\"http://evil\")","SourceIP":"10.0.0.1,\"x\"\r\nnext","DestinationPort":443,"Protocol":"\u001b[31mTCP\u0007\u2028","Timedelta":60,"#
      ))
    #expect(
      text.contains(
        #""Timedeltalist":[3,7],"Timedeltalistcount":10,"Totaleventcount":10,"Percentbeacon":83.22981366459628}"#
      ))
    // And it is valid JSON that reads back to the same strings.
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    #expect(object["Protocol"] as? String == hostile.protocol)
    #expect(object["SourceIP"] as? String == hostile.sourceIP)
  }

  @Test func jsonArrayAndEmptyOutputs() {
    #expect(OutputFormat.json.render(.notebook([])) == "[]\n")
    #expect(OutputFormat.jsonl.render(.notebook([])) == "")
    #expect(
      OutputFormat.csv.render(.notebook([])) == NotebookFinding.columns.joined(separator: ",")
        + "\r\n")
    let two = OutputFormat.json.render(.notebook([hostile, hostile]))
    #expect(two.hasPrefix("[\n{") && two.hasSuffix("}\n]\n") && two.contains("},\n{"))
  }

  @Test(arguments: ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
  func csvNeutralisesFormulaTriggers(value: String) {
    #expect(
      CSVText.cell(.string(value)).hasPrefix("'") || CSVText.cell(.string(value)).hasPrefix("\"'"))
  }

  @Test func csvQuotesPerRFC4180AndLeavesNumbersAlone() {
    #expect(CSVText.cell(.string("a,b")) == "\"a,b\"")
    #expect(CSVText.cell(.string("say \"hi\"")) == "\"say \"\"hi\"\"\"")
    #expect(CSVText.cell(.string("line\nbreak")) == "\"line\nbreak\"")
    #expect(CSVText.cell(.string("10.0.0.1")) == "10.0.0.1")
    #expect(CSVText.cell(.int(-5)) == "-5")
    #expect(CSVText.cell(.intList([1, 2])) == "\"[1,2]\"")
    let doc = OutputFormat.csv.render(.notebook([hostile]))
    let row = doc.components(separatedBy: "\r\n")[1]
    #expect(
      row.hasPrefix(
        #""""><img src=x onerror=alert(1)>","'=HYPERLINK(""http://evil"")","10.0.0.1,""x"""#))
  }

  @Test func tableShowsControlCharactersInsteadOfSendingThem() {
    let text = OutputFormat.table.render(.notebook([hostile]))
    #expect(!text.contains("\u{1B}") && !text.contains("\u{7}"))
    #expect(text.contains("\\u{1b}[31mTCP\\u{7}"))
    #expect(OutputFormat.table.render(.notebook([])) == "(no findings)\n")
  }

  @Test func summaryNumbersAreReadable() {
    #expect(SummaryText.group(1_234_567) == "1,234,567")
    #expect(SummaryText.fixed(0.0456, 3) == "0.046")
    #expect(SummaryText.megabytes(346_100_000) == "346.1 MB")
  }
}

@Suite struct FindingsFileTests {
  @Test(arguments: [OutputFormat.jsonl, .json])
  func findingsReadBackRenderByteForByte(format: OutputFormat) throws {
    let scratch = TempFolder()
    let path = scratch.path("beaconhunt-findings")
    var round = hostile
    round.percentBeacon = 100.0  // a whole double must stay a double
    let text = OutputFormat.jsonl.render(.notebook([hostile, round]))
    try format.render(.notebook([hostile, round])).write(
      toFile: path, atomically: true, encoding: .utf8)
    let table = try FindingsFile.read(path)
    #expect(table.columns == NotebookFinding.columns)
    #expect(OutputFormat.jsonl.render(columns: table.columns, rows: table.rows) == text)
  }

  @Test func aLineThatIsNotAnObjectIsAnErrorWithItsLine() throws {
    let scratch = TempFolder()
    let path = scratch.path("beaconhunt-findings")
    try "{\"DestinationIP\":\"1.2.3.4\"}\n\nnot json\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: FindingsFileError.notJSONObject(path: path, line: 3)) {
      try FindingsFile.read(path)
    }
  }
}

@Suite struct SentinelFormatTests {
  @Test func eachFindingGetsTheRunsTimeGeneratedFirst() {
    let text = OutputFormat.sentinel.render(
      .notebook([hostile]), generatedAt: Timestamp(seconds: 1_638_316_800))
    #expect(
      text.hasPrefix(
        #"[\#n{"TimeGenerated":"2021-12-01T00:00:00.0000000Z","DestinationIP":"\"><img src=x onerror=alert(1)>","#
      ))
    #expect(OutputFormat.sentinel.render(.notebook([])) == "[]\n")
    #expect(OutputFormat.sentinelTable == "network_beaconing_anomalies_CL")
  }
}
