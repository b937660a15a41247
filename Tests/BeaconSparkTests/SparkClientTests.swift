import BeaconArrow
import BeaconCore
import BeaconPeriodicity
import BeaconSimulate
import BeaconSpec
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconSpark

@Suite struct SparkRemoteTests {
  @Test func parsesTheConnectionStringForms() throws {
    let plain = try SparkRemote(parsing: "sc://localhost")
    #expect(plain.host == "localhost" && plain.port == 15002 && !plain.useTLS && plain.token == nil)
    let full = try SparkRemote(
      parsing: "sc://spark.example.com:443/;token=abc%3Bdef;user_id=alice;use_ssl=true")
    #expect(
      full.host == "spark.example.com" && full.port == 443 && full.useTLS && full.token == "abc;def"
        && full.userID == "alice")
    // A bearer token is only ever sent over TLS.
    #expect(try SparkRemote(parsing: "sc://h:1/;token=t").useTLS)
    let v6 = try SparkRemote(parsing: "sc://[::1]:15003")
    #expect(v6.host == "::1" && v6.port == 15003)
    #expect(!full.description.contains("abc"))
  }

  @Test(arguments: [
    "http://h:1", "sc://", "sc://h:99999", "sc://h:x", "sc://h/;token", "sc://h/;session_id=nope",
    "sc://[::1",
  ])
  func rejectsMalformedConnectionStrings(text: String) {
    let error = #expect(throws: SparkError.self) { try SparkRemote(parsing: text) }
    guard case .badRemote(text, _)? = error else {
      Issue.record("expected .badRemote for \(text), got \(String(describing: error))")
      return
    }
  }
}

@Suite struct SQLQuotingTests {
  @Test(arguments: [
    "plain", "it's", #"say "hi""#, #"back\slash"#, "`tick`", "line\nbreak", "'; DROP TABLE x; --",
    "\u{0}\u{1B}",
  ])
  func stringLiteralsAreClosedAndEscaped(value: String) {
    let lit = SQLText.stringLiteral(value)
    #expect(lit.hasPrefix("'") && lit.hasSuffix("'"))
    let inner = lit.dropFirst().dropLast()
    // No unescaped quote can end the literal early, and no raw control character remains.
    var escaped = false
    for ch in inner.unicodeScalars {
      if escaped {
        escaped = false
        continue
      }
      if ch == "\\" { escaped = true } else { #expect(ch != "'") }
      #expect(ch.value >= 0x20)
    }
    #expect(!escaped)
  }

  @Test func noValueFromTheUserIsInTheSQLText() {
    // The statements are constant: vendors and thresholds travel as named parameters.
    let sql = NotebookHuntSQL.statement
    for p in NotebookSQLParameter.allCases { #expect(sql.contains(p.marker)) }
    for p in VendorSQLParameter.allCases { #expect(sql.contains(p.marker)) }
    #expect(!sql.contains("Fortinet"))
  }

  /// Each `:name` marker of every statement a hunt sends is bound by the engine: the binding is
  /// an exhaustive switch per parameter enum, and this holds the statements to it.
  @Test func everyMarkerInTheStatementsIsBound() throws {
    func markers(_ sql: String) -> Set<String> {
      let b = Array(sql.utf8)
      var out: Set<String> = []
      for i in b.indices where b[i] == UInt8(ascii: ":") && i + 1 < b.count {
        let before = i > 0 ? b[i - 1] : 0x20
        guard !(before == UInt8(ascii: ":") || before.isWordByte) else { continue }
        var j = i + 1
        while j < b.count, b[j] == UInt8(ascii: "_") || (b[j] >= 0x61 && b[j] <= 0x7A) { j += 1 }
        if j > i + 1 { out.insert(String(decoding: b[(i + 1)..<j], as: UTF8.self)) }
      }
      return out
    }
    // The engine merges the enums' bindings into one map: no name may be in two of them.
    let names =
      LoadSQLParameter.allCases.map(\.rawValue) + VendorSQLParameter.allCases.map(\.rawValue)
      + NotebookSQLParameter.allCases.map(\.rawValue)
      + PeriodicitySQLParameter.allCases.map(\.rawValue)
    #expect(Set(names).count == names.count)
    let spec = HuntSpec(input: .paths(["/x"]))
    let notebook = Set(SparkEngine.parameters(spec).keys)
    for sql in [NotebookHuntSQL.statement] {
      #expect(!markers(sql).isEmpty)
      #expect(markers(sql).isSubset(of: notebook), "unbound: \(markers(sql).subtracting(notebook))")
    }
    let p = PeriodicityParameters()
    let periodicity = PeriodicityHuntSQL(
      internalNetworks: try PeriodicityPrepare.internalNetworks(p), allowNetworks: [],
      allow: try PeriodicityPrepare.allowlist(p), history: true, window: .huntedDay)
    let bound = Set(SparkEngine.periodicityParameters(spec).keys)
    for sql in [periodicity.statement] {
      #expect(!markers(sql).isEmpty)
      #expect(markers(sql).isSubset(of: bound), "unbound: \(markers(sql).subtracting(bound))")
    }
  }
}

extension UInt8 {
  fileprivate var isWordByte: Bool {
    (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A)
      || (self >= 0x61 && self <= 0x7A)
      || self == UInt8(ascii: "_")
  }
}

/// The client against a real Spark: types through Arrow, and each failure a user can meet.
@Suite(
  .serialized,
  .enabled(if: SparkTest.enabled, "set SPARK_REMOTE=sc://127.0.0.1:15002 (see .ci/run)"))
struct SparkClientTests {
  func run(_ sql: String, remote: SparkRemote? = nil) async throws -> ArrowTable {
    let client = SparkConnectClient(
      remote: try remote ?? SparkTest.remote(), progress: NoProgress())
    var plan = Spark_Connect_Plan()
    plan.root.sql.query = sql
    plan.root.common.planID = 1
    let p = plan
    return try await client.withService { service in try await client.execute(p, service: service) }
  }

  @Test func arrowColumnsOfEveryTypeUsedDecodeFromRealSpark() async throws {
    let t = try await run(
      """
      SELECT * FROM VALUES
        (1, 10000000000L, 1.5D, 'café ☕', array(1L, 2L, 3L), true, CAST(NULL AS STRING), CAST(7 AS TINYINT), CAST(-2 AS SMALLINT)),
        (NULL, -1L, CAST('NaN' AS DOUBLE), '', array(), false, 'x', NULL, NULL),
        (-5, NULL, NULL, NULL, NULL, NULL, NULL, CAST(-128 AS TINYINT), CAST(32767 AS SMALLINT))
      AS t(i, l, d, s, a, b, n, ti, si)
      """)
    #expect(t.fields.map(\.name) == ["i", "l", "d", "s", "a", "b", "n", "ti", "si"])
    #expect(t.rows.count == 3)
    #expect(
      t.rows[0][0] == .int(1) && t.rows[0][1] == .int(10_000_000_000)
        && t.rows[0][2] == .double(1.5))
    #expect(
      t.rows[0][3] == .string("café ☕") && t.rows[0][4] == .list([.int(1), .int(2), .int(3)]))
    #expect(
      t.rows[0][5] == .bool(true) && t.rows[0][6] == .null && t.rows[0][7] == .int(7)
        && t.rows[0][8] == .int(-2))
    #expect(t.rows[1][0] == .null && t.rows[1][3] == .string("") && t.rows[1][4] == .list([]))
    if case .double(let nan) = t.rows[1][2] {
      #expect(nan.isNaN)
    } else {
      Issue.record("NaN did not decode")
    }
    #expect(
      t.rows[2][0] == .int(-5) && t.rows[2][4] == .null && t.rows[2][7] == .int(-128)
        && t.rows[2][8] == .int(32767))
  }

  @Test func manyBatchesArriveInOrder() async throws {
    let t = try await run("SELECT id, concat('row ', id) AS s FROM range(0, 200000, 1, 4)")
    #expect(t.rows.count == 200_000)
    #expect(
      t.rows.first == [.int(0), .string("row 0")]
        && t.rows.last == [.int(199_999), .string("row 199999")])
  }

  @Test func sparkSQLErrorsReachTheUserAsSparkWroteThem() async throws {
    let error = await #expect(throws: SparkError.self) {
      try await run("SELECT no_such_column FROM range(1)")
    }
    guard case .query(let message)? = error else {
      Issue.record("expected Spark's own error, got \(String(describing: error))")
      return
    }
    #expect(message.contains("UNRESOLVED_COLUMN"))
  }

  @Test func missingInputFoldersAreSparkErrors() async throws {
    let spec = HuntSpec(input: .paths(["/nonexistent/beaconhunt/input"]))
    let error = await #expect(throws: SparkError.self) {
      try await SparkEngine(remote: try SparkTest.remote()).run(spec, progress: NoProgress())
    }
    guard case .query(let message)? = error else {
      Issue.record("expected Spark's own error, got \(String(describing: error))")
      return
    }
    #expect(message.contains("PATH_NOT_FOUND"))
  }

  @Test func theTimeoutReachesTheQuery() async throws {
    var engine = SparkEngine(remote: try SparkTest.remote())
    engine.timeout = 0.05
    let scratch = TempFolder()
    let folder = scratch.path
    try (EdgeCaseData.lines.joined(separator: "\n") + "\n").write(
      toFile: folder + "/a.json", atomically: true, encoding: .utf8)
    let error = await #expect(throws: SparkError.self) {
      try await engine.run(HuntSpec(input: .paths([folder])), progress: NoProgress())
    }
    #expect(error == .timedOut(remote: try SparkTest.remote().description, seconds: 0.05))
  }

  @Test func nothingListeningIsAClearError() async throws {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let error = await #expect(throws: SparkError.self) {
      try await run("SELECT 1", remote: SparkRemote(host: "127.0.0.1", port: 9))
    }
    guard case .unreachable(let remote, _)? = error else {
      Issue.record("expected .unreachable, got \(String(describing: error))")
      return
    }
    #expect(remote == "sc://127.0.0.1:9")
  }

  @Test func aTokenAgainstAPlaintextServerFailsClearly() async throws {
    var remote = try SparkTest.remote()
    remote.token = "secret-token"
    remote.useTLS = true
    let error = await #expect(throws: SparkError.self) { try await run("SELECT 1", remote: remote) }
    #expect(error != nil)
    #expect(!String(describing: error).contains("secret-token"))
  }

  @Test func truncatedOrCorruptArrowIsAnErrorNotACrash() async throws {
    // Capture a real stream through the decoder's input, then damage it every way we can cheaply.
    let client = SparkConnectClient(remote: try SparkTest.remote(), progress: NoProgress())
    var plan = Spark_Connect_Plan()
    plan.root.sql.query = "SELECT id, concat('x', id) AS s, array(id) AS a FROM range(50)"
    let p = plan
    let raw = try await client.withService { service in
      try await client.rawArrow(p, service: service)
    }
    var decoder = ArrowStreamDecoder()
    for chunk in raw { try decoder.decode(chunk) }
    #expect(decoder.table.rows.count == 50)
    let stream = try #require(raw.first)
    // Seeded, so a failure reproduces: random bytes, and runs of 0xFF / 0x7F that make lengths
    // and offsets huge (which found an overflow once).
    var rng = SimRandom(seed: 0xB3AC_0411)
    for cut in stride(from: 0, to: stream.count, by: max(1, stream.count / 97)) {
      var d = ArrowStreamDecoder()
      _ = try? d.decode(Array(stream.prefix(cut)))
    }
    for round in 0..<3000 {
      var damaged = stream
      if round % 3 == 0 {
        let at = Int.random(in: 0..<(damaged.count - 8), using: &rng)
        let fill: UInt8 = round % 2 == 0 ? 0xFF : 0x7F
        for k in 0..<Int.random(in: 1...8, using: &rng) { damaged[at + k] = fill }
      } else {
        for _ in 0..<4 {
          damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(
            in: 0...255, using: &rng)
        }
      }
      var d = ArrowStreamDecoder()
      _ = try? d.decode(damaged)
    }
  }
}

/// A port that accepts TCP and never speaks: the hunt fails after the short connect timeout, not
/// after `--spark-timeout`. Needs no Spark: the listener is the test's own, on 127.0.0.1.
@Suite struct SilentPortTests {
  @Test func aPortThatNeverSpeaksSparkConnectFailsWithinTheConnectTimeout() async throws {
    let listener = SilentListener()
    let port = Int(listener.port)
    // The kernel completes the handshake from the backlog; nothing is ever written back.
    var engine = SparkEngine(remote: SparkRemote(host: "127.0.0.1", port: port))
    engine.connectTimeout = 1.5
    let error = await #expect(throws: SparkError.self) {
      try await engine.run(HuntSpec(input: .paths(["/nonexistent"])), progress: NoProgress())
    }
    #expect(error == .notSparkConnect(remote: "sc://127.0.0.1:\(port)", seconds: 1.5))
    // The time is checked on the binary (FailureBehaviourTests): in this process the test pool's
    // threads are shared with blocking suites, so wall time here says little.
  }
}
