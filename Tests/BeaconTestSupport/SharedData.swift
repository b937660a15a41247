import Foundation

/// The project's shared data beside its root (`../shared`, see its README).
public enum SharedData {
  /// `../shared`, found from this file's place in the checkout (tests run from any folder).
  public static let folder: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }  // SharedData.swift, support, Tests, root
    return url.appendingPathComponent("shared").path
  }()

  /// The real third-party captures with documented beacons.
  public static let realCaptures = folder + "/data/real"

  /// MaxMind's own MaxMind DB test databases and their expected values (see its PROVENANCE.md).
  public static let maxMindTestData = folder + "/enrichment/mmdb"

  /// One of MaxMind's test databases, e.g. `GeoLite2-City-Test.mmdb`.
  public static func maxMindTestDatabase(_ name: String) -> String {
    maxMindTestData + "/test-data/" + name
  }
}
