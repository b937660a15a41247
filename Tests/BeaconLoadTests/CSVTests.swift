import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconLoad

@Suite struct CSVInputTests {
  @Test func splitsRFC4180Fields() {
    #expect(
      CSVConnParser.split(#"a,"b,c","say ""hi""",,d"#) == ["a", "b,c", #"say "hi""#, "", "d"])
    #expect(CSVConnParser.split(#"a,"open"#) == nil)
  }

  @Test func readsThroughAMappingWithEpochAndISOTimes() throws {
    let t = TempFolder()
    t.write(
      "pcap.csv",
      """
      frame.time_epoch,ip.src,ip.dst,dstport,ip.proto,frame.len
      1707405399.842117000,147.32.80.37,141.193.213.21,443,6,74
      2024-02-08T15:16:41Z,147.32.80.37,141.193.213.21,x,6,74
      bad,147.32.80.37,141.193.213.21,443,6,74
      1707405402.0,147.32.80.37

      """)
    let rows = RecordLoader().load(
      [.file(t.path + "/pcap.csv")], format: .auto, csvMapping: ["sent": "frame.len"])
    #expect(rows.report.rows == 2)
    #expect(
      rows.records[0].time == Timestamp(ticks: 17_074_053_998_421_170)
        && rows.records[0].destinationPort == 443)
    #expect(
      rows.records[0].sentBytes == 74 && rows.records[0].protocol == "6"
        && rows.records[0].deviceVendor == "CSV")
    #expect(rows.records[1].destinationPort == nil && rows.report.nulledFields == ["dstport": 1])
    #expect(rows.report.skipped == [.badTime: 1, .notJSON: 1])
    #expect(rows.report.skippedExamples.map(\.line) == [4, 5])
  }

  @Test func aMappingToAMissingColumnIsAClearError() throws {
    let t = TempFolder()
    t.write("a.csv", "time,src,dst\n1,10.0.0.1,8.8.8.8\n")
    let rows = RecordLoader().load(
      [.file(t.path + "/a.csv")], format: .csv, csvMapping: ["dport": "port"])
    #expect(rows.records.isEmpty)
    #expect(
      rows.report.fileProblems.first?.description.contains("--map dport=port: no such column")
        == true)
  }
}
