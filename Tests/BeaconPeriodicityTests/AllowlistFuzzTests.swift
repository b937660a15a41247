import BeaconPeriodicity
import BeaconTestSupport
import Foundation
import Testing

/// Mutated allowlists: an error naming file and line, or a list, never a trap.
@Suite struct AllowlistFuzzTests {
  @Test func mutatedAllowlistsAreListsOrErrors() throws {
    let text = Array(
      "# cleared\n10.0.0.0/8\n8.8.8.8\n2001:db8::/32\nupdate.example.com\n*.cdn.example.net\n::ffff:1.2.3.4\n"
        .utf8)
    var mutator = Mutator(seed: 0xA110_0009)
    let scratch = TempFolder()
    let path = scratch.path("beaconhunt-allow-fuzz.txt")
    var lists = 0
    var errors = 0
    for _ in 0..<2000 {
      try Data(mutator.mutate(text)).write(to: URL(fileURLWithPath: path))
      var a = Allowlist()
      do {
        try a.load(path)
        lists += 1
      } catch {
        errors += 1
      }
    }
    #expect(lists > 0 && errors > 0)
  }
}
