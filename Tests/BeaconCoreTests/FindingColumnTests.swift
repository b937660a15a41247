import BeaconCore
import Testing

@Suite struct FindingColumnTests {
  /// A finding column named after an input field is that field, spelled the same: the notebook's
  /// output names its columns after the export's, and a report or enrichment that looks up
  /// `DestinationIP` must find it in either.
  @Test func columnsNamedAfterInputFieldsAreSpelledAlike() {
    let pairs: [(FindingColumn, CSLField)] = [
      (.sourceIP, .sourceIP), (.destinationIP, .destinationIP),
      (.destinationPort, .destinationPort), (.protocol, .protocol),
      (.deviceVendor, .deviceVendor), (.destinationHostName, .destinationHostName),
    ]
    for (column, field) in pairs { #expect(column.name == field.name) }
  }

  @Test func aColumnIsFoundByItsName() {
    let columns = ["SourceIP", "Score", "Severity"]
    #expect(columns.firstIndex(of: FindingColumn.score) == 1)
    #expect(columns.firstIndex(of: FindingColumn.percentBeacon) == nil)
  }
}
