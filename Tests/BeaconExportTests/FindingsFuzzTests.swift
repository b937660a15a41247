import BeaconCore
import BeaconExport
import BeaconTestSupport
import Foundation
import Testing

/// Findings files read back after mutation: a table or an error naming the file, never a trap.
@Suite struct FindingsFuzzTests {
  @Test func mutatedFindingsAreTablesOrErrors() throws {
    let text = Array(
      (#"{"SourceIP":"10.0.0.5","DestinationIP":"203.0.113.50","DestinationPort":443,"Score":0.98,"Connections":1440,"FirstSeen":"2021-11-01T00:00:00.5000000Z","Timeline":[1,2,3],"Reason":"beacon"}"#
        + "\n"
        + #"{"SourceIP":"10.0.0.6","DestinationIP":"2001:db8::1","DestinationPort":null,"Score":1,"Timedeltalist":[60,60]}"#
        + "\n").utf8)
    var mutator = Mutator(seed: 0xF1ED_0009)
    let scratch = TempFolder()
    let path = scratch.path("beaconhunt-findings-fuzz.jsonl")
    var tables = 0
    for round in 0..<2000 {
      var bytes = mutator.mutate(text)
      if round % 2 == 1 { bytes = Array("[".utf8) + bytes + Array("]".utf8) }
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      if let table = try? FindingsFile.read(path) {
        tables += 1
        _ = OutputFormat.csv.render(columns: table.columns, rows: table.rows)
      }
    }
    #expect(tables > 0)
  }
}
