import BeaconArrow
import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconSpark

/// Arrow IPC streams as Spark 4.3.0 sent them (`ArrowBatch.data`, in arrival order), kept in
/// `Fixtures/arrow/NAME.arrows`: each stream a little-endian 64-bit length and its bytes. The
/// decoder is tested on them without a server; `theFixturesAreWhatSparkSendsToday` checks them
/// against the live server in CI, and rewrites them when `BEACONHUNT_RECORD_ARROW=1`.
enum ArrowFixtures {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/arrow")

  /// The recorded statements.
  static let statements: [(name: String, sql: String)] = [
    (
      "every-type",
      """
      SELECT * FROM VALUES
        (1, 10000000000L, 1.5D, 'café ☕', array(1L, 2L, 3L), true, CAST(NULL AS STRING), CAST(7 AS TINYINT), CAST(-2 AS SMALLINT), array('a', NULL)),
        (NULL, -1L, CAST('NaN' AS DOUBLE), '', array(), false, 'x', NULL, NULL, array()),
        (-5, NULL, NULL, NULL, NULL, NULL, NULL, CAST(-128 AS TINYINT), CAST(32767 AS SMALLINT), NULL)
      AS t(i, l, d, s, a, b, n, ti, si, sa)
      """
    ),
    // More rows than one batch holds (Spark's default is 10,000), over four partitions.
    ("batches", "SELECT id, concat('row ', id) AS s FROM range(0, 25000, 1, 4)"),
    ("empty", "SELECT CAST(1 AS BIGINT) AS id, 'x' AS s FROM range(0)"),
  ]

  static func read(_ name: String) throws -> [[UInt8]] {
    let data = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name + ".arrows")))
    var streams: [[UInt8]] = []
    var at = 0
    while at < data.count {
      var length = 0
      for k in 0..<8 { length |= Int(data[at + k]) << (8 * k) }
      at += 8
      streams.append(Array(data[at..<(at + length)]))
      at += length
    }
    return streams
  }

  static func write(_ name: String, _ streams: [[UInt8]]) throws {
    var data: [UInt8] = []
    for s in streams {
      for k in 0..<8 { data.append(UInt8(truncatingIfNeeded: s.count >> (8 * k))) }
      data += s
    }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(data).write(to: folder.appendingPathComponent(name + ".arrows"))
  }

  static func decode(_ streams: [[UInt8]]) throws -> ArrowTable {
    var decoder = ArrowStreamDecoder()
    for s in streams { try decoder.decode(s) }
    return decoder.table
  }
}

/// The decoder on what Spark really sends, offline.
@Suite struct ArrowFixtureTests {
  @Test func everyColumnTypeAHuntReadsDecodes() throws {
    let t = try ArrowFixtures.decode(ArrowFixtures.read("every-type"))
    #expect(t.fields.map(\.name) == ["i", "l", "d", "s", "a", "b", "n", "ti", "si", "sa"])
    #expect(t.fields[0].type == .int(bitWidth: 32, signed: true))
    #expect(t.fields[1].type == .int(bitWidth: 64, signed: true))
    #expect(t.fields[2].type == .floatingPoint(precision: 2))
    #expect(t.fields[3].type == .utf8)
    #expect(t.rows.count == 3)
    #expect(
      t.rows[0][..<6]
        == [
          .int(1), .int(10_000_000_000), .double(1.5), .string("café ☕"),
          .list([.int(1), .int(2), .int(3)]), .bool(true),
        ])
    #expect(t.rows[0][6...] == [.null, .int(7), .int(-2), .list([.string("a"), .null])])
    #expect(t.rows[1][0] == .null && t.rows[1][3] == .string("") && t.rows[1][4] == .list([]))
    guard case .double(let nan) = t.rows[1][2] else {
      Issue.record("NaN did not decode: \(t.rows[1][2])")
      return
    }
    #expect(nan.isNaN)
    #expect(
      t.rows[2] == [
        .int(-5), .null, .null, .null, .null, .null, .null, .int(-128), .int(32767), .null,
      ])
  }

  @Test func batchesArriveWholeAndInOrder() throws {
    let streams = try ArrowFixtures.read("batches")
    #expect(streams.count > 1)
    let t = try ArrowFixtures.decode(streams)
    #expect(t.rows.count == 25_000)
    for (k, row) in t.rows.enumerated() where k % 997 == 0 || k == 24_999 {
      #expect(row == [.int(Int64(k)), .string("row \(k)")])
    }
  }

  @Test func anEmptyResultHasItsSchemaAndNoRows() throws {
    let t = try ArrowFixtures.decode(ArrowFixtures.read("empty"))
    #expect(t.fields.map(\.name) == ["id", "s"])
    #expect(t.rows.isEmpty)
  }

  /// A stream cut anywhere, or mutated (seeded, so a failure reproduces), is an error or a table
  /// of whole rows: never a crash.
  @Test func damagedStreamsFailCleanly() throws {
    let stream = try ArrowFixtures.read("every-type").flatMap { $0 }
    for cut in stride(from: 0, to: stream.count, by: 7) {
      var d = ArrowStreamDecoder()
      do { try d.decode(Array(stream[..<cut])) } catch {}
      #expect(d.table.rows.count <= 3)
    }
    var mutator = Mutator(seed: 12)
    for _ in 0..<500 {
      var d = ArrowStreamDecoder()
      do { try d.decode(mutator.mutate(stream)) } catch {}
      #expect(d.table.rows.allSatisfy { $0.count == d.table.fields.count })
    }
  }
}

/// The fixtures against the live server: they are what Spark sends today.
@Suite(
  .serialized,
  .enabled(if: SparkTest.enabled, "set SPARK_REMOTE=sc://127.0.0.1:15002 (see .ci/run)"))
struct ArrowFixtureCaptureTests {
  @Test func theFixturesAreWhatSparkSendsToday() async throws {
    let client = SparkConnectClient(remote: try SparkTest.remote(), progress: NoProgress())
    let record = ProcessInfo.processInfo.environment["BEACONHUNT_RECORD_ARROW"] == "1"
    for (name, sql) in ArrowFixtures.statements {
      let streams = try await client.withService { service in
        try await client.rawArrow(SparkPlan.statement(sql), service: service)
      }
      if record { try ArrowFixtures.write(name, streams) }
      // Compared as text: a NaN is never equal to itself.
      #expect(
        "\(try ArrowFixtures.decode(streams))"
          == "\(try ArrowFixtures.decode(ArrowFixtures.read(name)))",
        "\(name): rerun with BEACONHUNT_RECORD_ARROW=1 if Spark's answer changed on purpose")
    }
  }
}
