import Testing

@testable import BeaconArrow
@testable import BeaconSpark

/// The one statement of a notebook hunt on Spark, taken apart offline: the counts row rides on
/// every finding's row, and a hunt without findings still brings its counts.
@Suite struct HuntStatementTests {
  func table(_ names: [String], _ rows: [[ArrowValue]]) -> ArrowTable {
    var t = ArrowTable()
    t.fields = names.map {
      ArrowField(name: $0, nullable: true, type: .int(bitWidth: 64, signed: true))
    }
    t.rows = rows
    return t
  }

  let names = ["rows", "groups", HuntStatement.findingMarker, "Score", "Port"]

  @Test func findingsAndTheirCountsComeApart() throws {
    let (counts, findings) = try HuntStatement.split(
      table(
        names,
        [
          [.int(9), .int(2), .int(1), .int(7), .int(443)],
          [.int(9), .int(2), .int(1), .int(5), .int(80)],
        ]))
    #expect(counts.fields.map(\.name) == ["rows", "groups"])
    #expect(counts.rows == [[.int(9), .int(2)]])
    #expect(findings.fields.map(\.name) == ["Score", "Port"])
    #expect(findings.rows == [[.int(7), .int(443)], [.int(5), .int(80)]])
  }

  @Test func aHuntWithoutFindingsStillHasItsCounts() throws {
    let (counts, findings) = try HuntStatement.split(
      table(names, [[.int(9), .int(0), .null, .null, .null]]))
    #expect(counts.rows == [[.int(9), .int(0)]])
    #expect(findings.fields.map(\.name) == ["Score", "Port"])
    #expect(findings.rows.isEmpty)
  }

  @Test func anythingElseIsAProtocolError() {
    // No marker column, no row at all, two different counts rows, an empty row among findings.
    #expect(throws: SparkError.self) {
      try HuntStatement.split(table(["rows", "Score"], [[.int(1), .int(2)]]))
    }
    #expect(throws: SparkError.self) { try HuntStatement.split(table(names, [])) }
    #expect(throws: SparkError.self) {
      try HuntStatement.split(
        table(
          names,
          [
            [.int(9), .int(2), .int(1), .int(7), .int(443)],
            [.int(8), .int(2), .int(1), .int(5), .int(80)],
          ]))
    }
    #expect(throws: SparkError.self) {
      try HuntStatement.split(
        table(
          names,
          [
            [.int(9), .int(2), .int(1), .int(7), .int(443)],
            [.int(9), .int(2), .null, .null, .null],
          ]
        ))
    }
  }

  /// The statement ends in the counts row left-joined to the findings, in the report order.
  @Test func theNotebookStatementJoinsCountsToOrderedFindings() {
    let sql = NotebookHuntSQL.statement
    #expect(sql.contains("SELECT c.*, f.* FROM bh_counts_row c LEFT JOIN bh_found f ON TRUE"))
    #expect(
      sql.hasSuffix(
        "ORDER BY f.Percentbeacon DESC, f.SourceIP, f.DestinationIP, f.DestinationPort, f.Timedelta, f.Protocol, f.DeviceVendor"
      ))
    #expect(sql.components(separatedBy: "WITH ").count == 2)  // one WITH: the CTEs are shared
  }
}
