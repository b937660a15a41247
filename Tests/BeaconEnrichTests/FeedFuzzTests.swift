import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconEnrich

/// Mutated real feed samples of every format: indicators or an error naming the file, never a trap.
@Suite struct FeedFuzzTests {
  static let samples: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path + "/shared/enrichment/threatintel-samples"
  }()

  @Test func mutatedFeedsAreIndicatorsOrErrors() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.samples).filter {
      !$0.hasSuffix(".md")
    }
    #expect(names.count >= 8)
    var mutator = Mutator(seed: 0xFEED_0009)
    let scratch = TempFolder()
    let path = scratch.path("beaconhunt-feed-fuzz")
    var loaded = 0
    var refused = 0
    for name in names {
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.samples + "/" + name)))
      for _ in 0..<150 {
        try Data(mutator.mutate(bytes)).write(to: URL(fileURLWithPath: path))
        var ti = ThreatIntel()
        do {
          try ti.load(path)
          loaded += 1
        } catch is EnrichError {
          refused += 1
        }
      }
    }
    // Both outcomes happen, and every refusal is the typed error that names the file.
    #expect(loaded > 0 && refused > 0 && loaded + refused == names.count * 150)
  }
}
