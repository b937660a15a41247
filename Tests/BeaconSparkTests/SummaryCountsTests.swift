import Testing

@testable import BeaconArrow
@testable import BeaconSpark

/// The counts row Spark sends back is read by alias, strictly: what the statement was asked for
/// must all be there, and a count is never null (offline: no Spark needed).
@Suite struct SummaryCountsTests {
  /// A one-row table of the input's columns and `Column`'s, each an integer, with overrides.
  func row<Column: CountColumn>(
    _: Column.Type, leaving out: String? = nil, setting values: [String: ArrowValue] = [:]
  ) -> ArrowTable {
    var t = ArrowTable()
    var cells: [ArrowValue] = []
    for (k, alias) in (InputCounts.aliases + Column.allCases.map(\.alias)).enumerated()
    where alias != out {
      t.fields.append(
        ArrowField(name: alias, nullable: true, type: .int(bitWidth: 64, signed: true)))
      cells.append(values[alias] ?? .int(Int64(k)))
    }
    t.rows = [cells]
    return t
  }

  @Test func everyAliasIsReadBack() throws {
    let counts = try CountsRow(row(PeriodicityCount.self), PeriodicityCount.self)
    let offset = InputCounts.aliases.count
    for (k, c) in PeriodicityCount.allCases.enumerated() { #expect(counts[c] == offset + k) }
    #expect(counts[InputCounts.files] == 0)
  }

  @Test(arguments: PeriodicityCount.allCases.map(\.alias) + InputCounts.aliases)
  func aMissingAliasIsAProtocolError(alias: String) {
    #expect(throws: SparkError.self) {
      _ = try CountsRow(row(PeriodicityCount.self, leaving: alias), PeriodicityCount.self)
    }
  }

  @Test(arguments: NotebookCount.allCases)
  func aNullCountIsAProtocolError(column: NotebookCount) {
    #expect(throws: SparkError.self) {
      _ = try CountsRow(row(NotebookCount.self, setting: [column.alias: .null]), NotebookCount.self)
    }
  }

  @Test func onlyTheNullableColumnsMayBeNull() throws {
    let nullable = PeriodicityCount.allCases.filter(\.nullable)
    #expect(Set(nullable) == [.outsideExample, .firstDay, .lastDay])
    let counts = try CountsRow(
      row(
        PeriodicityCount.self,
        setting: Dictionary(uniqueKeysWithValues: nullable.map { ($0.alias, .null) })),
      PeriodicityCount.self)
    for c in nullable { #expect(counts[c] == nil) }
    #expect(counts[PeriodicityCount.flows] != nil)
  }

  @Test func aCountsRowIsOneRow() {
    var t = row(NotebookCount.self)
    t.rows.append(t.rows[0])
    #expect(throws: SparkError.self) { _ = try CountsRow(t, NotebookCount.self) }
  }
}
