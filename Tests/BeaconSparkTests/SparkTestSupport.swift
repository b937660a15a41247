import BeaconArrow
import BeaconCore
import BeaconEngine
import BeaconExport
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconSpark

/// Where the Spark tests find a real Spark Connect server: `SPARK_REMOTE` (set by `.ci/run`, which
/// starts one from PyPI's pyspark). Without it the suites are skipped locally, with that reason;
/// with `CI=true` they run anyway and fail, so CI can never pass without Spark.
enum SparkTest {
  static let url = ProcessInfo.processInfo.environment["SPARK_REMOTE"].flatMap {
    $0.isEmpty ? nil : $0
  }
  static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
  static let enabled = url != nil || inCI

  static func remote() throws -> SparkRemote {
    guard let url else {
      throw SetupError("SPARK_REMOTE is not set: CI must start Spark Connect (see .ci/run)")
    }
    return try SparkRemote(parsing: url)
  }

  /// Runs a spec on both engines.
  static func both(_ spec: HuntSpec) async throws -> (native: HuntResult, spark: HuntResult) {
    let native = try NativeEngine().runSynchronously(spec)
    let spark = try await SparkEngine(remote: try remote()).run(spec, progress: NoProgress())
    return (native, spark)
  }

  /// The engines agree: byte-identical findings in every format, the same steps and the same input counts.
  static func expectSame(
    _ r: (native: HuntResult, spark: HuntResult), sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let now = Timestamp(seconds: 1_800_000_000)  // the same TimeGenerated for `sentinel`
    for format in OutputFormat.allCases {
      #expect(
        format.render(r.spark.findings, generatedAt: now)
          == format.render(r.native.findings, generatedAt: now), "\(format)",
        sourceLocation: sourceLocation)
    }
    #expect(r.spark.summary.steps == r.native.summary.steps, sourceLocation: sourceLocation)
    let (n, s) = (r.native.summary.input, r.spark.summary.input)
    #expect(s.rows == n.rows, sourceLocation: sourceLocation)
    #expect(s.blankLines == n.blankLines, sourceLocation: sourceLocation)
    #expect(s.skipped == n.skipped, sourceLocation: sourceLocation)
    // Spark queries the examples only when its counts say a line was skipped: as many as the
    // native engine keeps (the first `InputReport.exampleLimit`), and none from a clean input.
    #expect(
      s.skippedExamples.count == n.skippedExamples.count, sourceLocation: sourceLocation)
    #expect(s.nulledFields == n.nulledFields, sourceLocation: sourceLocation)
  }

  /// Runs one SQL statement over the text lines of `files`, with the loading rules' parameters
  /// and every vendor kept (what the prepare CTEs need).
  static func query(_ sql: String, lines files: [String]) async throws -> ArrowTable {
    let client = SparkConnectClient(remote: try remote(), timeout: 300, progress: NoProgress())
    return try await client.withService { service in
      try await client.execute(
        SparkPlan.query(
          sql, lines: files,
          parameters: SparkEngine.loadParameters(HuntSpec(input: .paths(files))).merging(
            SparkEngine.vendorParameters(HuntSpec(input: .paths(files)))
          ) { $1 }), service: service)
    }
  }
}

@Suite struct SparkEnvironmentTests {
  @Test func ciAlwaysProvidesSpark() {
    #expect(
      !SparkTest.inCI || SparkTest.url != nil,
      "CI=true but SPARK_REMOTE is unset: .ci/run must start Spark Connect")
  }
}

/// A test's own setup failed (a server did not start, a variable is missing).
struct SetupError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
