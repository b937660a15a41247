import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconLoad

/// The real captures in ../shared/data/real (see its README), read through the Zeek reader.
let realData = SharedData.realCaptures

func loadReal(_ paths: [String], format: InputFormat = .auto) throws -> LoadedRows {
  RecordLoader().load(try InputFiles.expand(paths.map { realData + "/" + $0 }), format: format)
}

@Suite struct ZeekTests {
  @Test func ritaProxyConnLogReadsEveryConnection() throws {
    let rows = try loadReal(["rita-proxy/conn.log"])
    #expect(rows.report.rows == 463 && !rows.report.hasSkips)
    #expect(
      rows.records.first
        == ConnectionRecord(
          time: Timestamp(ticks: 16_728_430_569_131_190), sourceIP: "10.136.0.18",
          destinationIP: "10.136.0.16",
          sourcePort: 55548, destinationPort: 3128, protocol: "tcp", receivedBytes: 20275,
          sentBytes: 1030,
          deviceVendor: "Zeek"))
    // The documented beacon: 10.136.0.18 → the proxy 10.136.0.16:3128, 407 connections.
    #expect(
      rows.records.filter {
        $0.sourceIP == "10.136.0.18" && $0.destinationIP == "10.136.0.16"
          && $0.destinationPort == 3128
      }.count == 407)
  }

  @Test func labelledStratosphereFilesRead() throws {
    #expect(try loadReal(["strato-008-normal40/conn.log.labeled"]).report.rows == 5663)
    #expect(try loadReal(["strato-010-normal42/conn.log.labeled"]).report.rows == 5347)
    let remcos = try loadReal(["slips-test18-remcos/zeek-labeled/conn.log.labeled"])
    #expect(remcos.report.rows == 766)
    #expect(
      remcos.records.filter { $0.destinationIP == "66.63.168.35" && $0.destinationPort == 5888 }
        .count >= 719)
  }

  @Test func rotatedGzipFoldersReadConnLogsAndReportTheOthers() throws {
    let rows = try loadReal(["rita-proxy_rolling"])
    #expect(rows.report.rows == 7550)  // zcat conn.*.gz | grep -vc '^#'
    // The other logs are recognised by their #path and counted by kind, not as problems; the
    // dns, http and ssl logs are read for host names.
    #expect(rows.report.fileProblems.isEmpty && !rows.report.hasSkips)
    #expect(
      rows.report.otherLogs == ["capture_loss": 2, "known_certs": 1, "stats": 2, "x509": 2])
    #expect(rows.report.names.logs == ["dns": 2, "http": 2, "ssl": 2])
    #expect(rows.report.names.overflow == 0 && rows.report.names.entries > 0)
    #expect(
      rows.records.filter { $0.sourceIP == "10.0.0.238" && $0.destinationIP == "75.75.75.75" }.count
        > 1000)
  }

  @Test func parserEdgeCasesKeepValidRowsAndLocateTheRest() throws {
    let truncated = try loadReal(["rita-parser-edge-cases/truncated/conn.log"])
    #expect(truncated.report.rows == 58)
    #expect(truncated.report.skipped == [.truncated: 1])
    #expect(truncated.report.skippedExamples.first?.line == 67)  // 66 newlines, then the cut line
    let top = try loadReal(["rita-parser-edge-cases/truncated/conn_top.log"])  // header cut off
    #expect(top.report.rows == 58 && top.report.skipped == [.truncated: 1])
    let json = try loadReal(["rita-parser-edge-cases/truncated/conn_json.log"])
    #expect(json.report.rows == 3 && json.report.skipped == [.truncated: 1])
    let all = try loadReal(["rita-parser-edge-cases/json_with_all_fields/conn.log"])
    #expect(all.report.rows == 29 && !all.report.hasSkips)
    let text = try loadReal(["rita-parser-edge-cases/text_file/conn.log"])
    #expect(text.report.rows == 0 && text.report.skippedLines > 0)
    #expect(text.report.skippedLines + text.report.blankLines == 9)
  }

  @Test func stratosphereTripleSpaceLabelsAndUnsetFields() throws {
    let t = TempFolder()
    let header =
      "#separator \\x09\n#unset_field\t-\n#path\tconn\n#fields\t"
      + ZeekConnParser.defaultFields.joined(separator: "\t") + "\tlabel\tdetailed-label\n"
    let line1 =
      "1655071198.444458\tC1\t147.32.81.167\t62771\t40.74.108.123\t443\ttcp\tssl\t1.1\t1596\t4039\tSF\tT\tF\t0\tShAD\t14\t1016\t16\t1226\t(empty)   Benign   Microsoft"
    let line2 =
      "1655071199\tC2\t147.32.81.167\t-\t40.74.108.123\t-\ticmp\t-\t-\t-\t-\tOTH\tT\tF\t0\t-\t1\t84\t0\t0\t(empty)\tBenign\t-"
    t.write("conn.log.labeled", header + line1 + "\n" + line2 + "\n")
    let rows = try load(t, ["conn.log.labeled"])
    #expect(rows.report.rows == 2 && !rows.report.hasSkips)
    #expect(rows.records[0].sentBytes == 1596 && rows.records[0].receivedBytes == 4039)
    #expect(rows.records[1].time == Timestamp(seconds: 1_655_071_199))
    #expect(
      rows.records[1].sourcePort == nil && rows.records[1].destinationPort == nil
        && rows.records[1].sentBytes == nil)
  }

  @Test func formatIsDetectedFromContent() {
    #expect(InputSniffer.detect(Array("#separator \\x09\n".utf8)) == .zeek)
    #expect(InputSniffer.detect(Array(#"{"ts":1.5,"id.orig_h":"10.0.0.1"}"#.utf8)) == .zeek)
    #expect(InputSniffer.detect(Array(#"{"TimeGenerated":"2021-11-01T00:00:00Z"}"#.utf8)) == .csl)
    #expect(
      InputSniffer.detect(Array("1517336042.09\tC\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\n".utf8))
        == .zeek)
    #expect(InputSniffer.detect(Array("Lorem ipsum".utf8)) == .csl)
  }
}
