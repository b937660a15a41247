import BeaconCore
import BeaconNet
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconEnrich

/// RDAP against a real HTTP server on 127.0.0.1 (Python's `http.server` over a folder of
/// RDAP-shaped answers), never the internet.
@Suite(.serialized) struct RDAPTests {
  /// A folder served over HTTP; stopped when the test ends.
  final class LocalServer {
    let scratch = TempFolder()
    var folder: String { scratch.path }
    let process = Process()
    var port = 0

    init() throws {
      try FileManager.default.createDirectory(
        atPath: folder + "/rdap/ip", withIntermediateDirectories: true)
      try FileManager.default.createDirectory(
        atPath: folder + "/bootstrap", withIntermediateDirectories: true)
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [
        "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", folder,
      ]
      let out = Pipe()
      process.standardOutput = out
      process.standardError = FileHandle.nullDevice
      try process.run()
      // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
      var text = ""
      while !text.contains("port ") || !text.contains("(") {
        let chunk = out.fileHandleForReading.availableData
        guard !chunk.isEmpty else { break }
        text += String(decoding: chunk, as: UTF8.self)
      }
      let digits = text.split(separator: " ").drop { $0 != "port" }.dropFirst().first ?? ""
      port = Int(digits) ?? 0
      guard port > 0 else { throw SetupError("python3 http.server did not start: \(text)") }
    }

    func write(_ path: String, _ json: String) throws {
      try json.write(toFile: folder + "/" + path, atomically: true, encoding: .utf8)
    }

    /// Stops the server (waitpid, not `waitUntilExit`, which needs a run loop). Call it in a
    /// `defer`: that also keeps the server alive until the test's end.
    func stop() {
      kill(process.processIdentifier, SIGKILL)
      var status: Int32 = 0
      _ = waitpid(process.processIdentifier, &status, 0)
    }
  }

  static func server() throws -> LocalServer {
    let s = try LocalServer()
    let base = "http://127.0.0.1:\(s.port)/rdap/"
    try s.write(
      "bootstrap/ipv4.json",
      #"{"version":"1.0","services":[[["198.51.100.0/24","203.0.113.0/24"],["\#(base)"]]]}"#)
    try s.write(
      "bootstrap/ipv6.json", #"{"version":"1.0","services":[[["2001:db8::/32"],["\#(base)"]]]}"#)
    try s.write(
      "rdap/ip/198.51.100.7",
      #"""
      {"objectClassName":"ip network","handle":"NET-198-51-100-0-1","name":"EXAMPLE-NET","country":"NL",
       "entities":[{"objectClassName":"entity","roles":["registrant"],
         "vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Example <script>alert(1)</script> B.V."]]],
         "entities":[{"roles":["abuse"],"vcardArray":["vcard",[["fn",{},"text","Abuse desk"],["email",{},"text","abuse@example.net"]]]}]}]}
      """#)
    try s.write("rdap/ip/2001:db8::1", #"{"handle":"EXAMPLE-V6","name":"V6-NET","entities":[]}"#)
    return s
  }

  @Test func looksUpThroughTheBootstrapAndCachesAnswers() async throws {
    let server = try Self.server()
    defer { server.stop() }
    let cache = server.folder + "/cache/rdap.json"
    let bootstrap = URL(string: "http://127.0.0.1:\(server.port)/bootstrap/")!
    let client = try RDAPClient(bootstrap: bootstrap, cachePath: cache, timeout: 5, interval: 0.05)
    let v4 = await client.lookup(IPAddress("198.51.100.7")!)
    #expect(v4.handle == "NET-198-51-100-0-1" && v4.name == "EXAMPLE-NET" && v4.country == "NL")
    #expect(v4.registrant == "Example <script>alert(1)</script> B.V.")
    #expect(v4.abuseEmail == "abuse@example.net")
    #expect(await client.lookup(IPAddress("2001:db8::1")!).name == "V6-NET")
    #expect(await client.lookup(IPAddress("203.0.113.9")!).error == "not found")
    #expect(
      await client.lookup(IPAddress("192.0.2.1")!).error == "no RDAP service in the bootstrap")
    #expect(client.requests == 5)  // two bootstrap files, three answers
    try client.save()
    // A second run answers from the cache without a request.
    let again = try RDAPClient(bootstrap: bootstrap, cachePath: cache, timeout: 5, interval: 0.05)
    #expect(await again.lookup(IPAddress("198.51.100.7")!) == v4)
    #expect(await again.lookup(IPAddress("203.0.113.9")!).error == "not found")
    #expect(again.requests == 0 && again.cacheHits == 2)
  }

  @Test func findingsGetTheRDAPColumns() async throws {
    let server = try Self.server()
    defer { server.stop() }
    let client = try RDAPClient(
      bootstrap: URL(string: "http://127.0.0.1:\(server.port)/bootstrap/")!, cachePath: nil,
      timeout: 5, interval: 0.05)
    let out = try await client.enrich(
      columns: ["SourceIP", "DestinationIP"],
      rows: [
        [.string("10.0.0.1"), .string("198.51.100.7")],
        [.string("10.0.0.2"), .string("198.51.100.7")],
      ])
    #expect(out.columns.suffix(4) == RDAPInfo.columns)
    #expect(
      out.rows[0].suffix(4) == [
        .string("NET-198-51-100-0-1 EXAMPLE-NET"),
        .string("Example <script>alert(1)</script> B.V."),
        .string("abuse@example.net"), .null,
      ])
    #expect(client.requests == 3)  // each address is asked once
  }

  @Test func onlyHTTPSLeavesTheMachineAndFailuresAreReported() async throws {
    #expect(throws: EnrichError.rdapNotHTTPS(url: "http://rdap.example.net/")) {
      try RDAPClient(bootstrap: URL(string: "http://rdap.example.net/")!, cachePath: nil)
    }
    // A registry that refuses connections: the address gets an error, the hunt goes on.
    let server = try LocalServer()
    defer { server.stop() }
    try server.write(
      "bootstrap/ipv4.json", #"{"services":[[["198.51.100.0/24"],["http://127.0.0.1:9/rdap/"]]]}"#)
    try server.write("bootstrap/ipv6.json", #"{"services":[]}"#)
    let client = try RDAPClient(
      bootstrap: URL(string: "http://127.0.0.1:\(server.port)/bootstrap/")!, cachePath: nil,
      timeout: 2, interval: 0)
    let info = await client.lookup(IPAddress("198.51.100.7")!)
    #expect(info.error == "127.0.0.1: connection refused")
  }

  static func client(_ server: HostileRDAPServer, _ mode: String, timeout: Double = 2) throws
    -> RDAPClient
  {
    try RDAPClient(
      bootstrap: URL(string: server.bootstrap(mode))!, cachePath: nil, timeout: timeout,
      interval: 0)
  }

  static func seconds(_ body: () async -> Void) async -> Double {
    let start = Date()
    await body()
    return Date().timeIntervalSince(start)
  }

  @Test func aServerThatTricklesBytesMeetsOneDeadline() async throws {
    let server = try HostileRDAPServer()
    defer { server.stop() }
    let client = try Self.client(server, "trickle", timeout: 1.5)
    var info = RDAPInfo(error: "")
    let took = await Self.seconds { info = await client.lookup(IPAddress("198.51.100.7")!) }
    #expect(info.error == "127.0.0.1: no complete answer within 1.5 s")
    #expect(took < 6, "took \(took) s for a 1.5 s deadline")
  }

  @Test func anEndlessBodyIsCutAtTheCap() async throws {
    let server = try HostileRDAPServer()
    defer { server.stop() }
    let client = try Self.client(server, "flood", timeout: 30)
    var info = RDAPInfo(error: "")
    let took = await Self.seconds { info = await client.lookup(IPAddress("198.51.100.7")!) }
    #expect(info.error == "127.0.0.1: answer larger than \(RDAPClient.defaultMaxBodyBytes) bytes")
    #expect(took < 20, "took \(took) s")
  }

  @Test func aRedirectToPlainHTTPElsewhereIsRefused() async throws {
    let server = try HostileRDAPServer()
    defer { server.stop() }
    let client = try Self.client(server, "redirect")
    let info = await client.lookup(IPAddress("198.51.100.7")!)
    #expect(
      info.error
        == "127.0.0.1: redirect to http://127.0.0.2:\(server.port)/plain/ip/198.51.100.7 refused: not HTTPS"
    )
    #expect(info.failed)
  }

  @Test func anAnswerWithManyEntitiesIsWalkedBoundedly() async throws {
    let server = try HostileRDAPServer()
    defer { server.stop() }
    let client = try Self.client(server, "entities", timeout: 10)
    var info = RDAPInfo(error: "")
    let took = await Self.seconds { info = await client.lookup(IPAddress("198.51.100.7")!) }
    #expect(info.handle == "NET-X" && info.error == nil)
    // The registrant sits after 20,000 other entities: past the walk's bound, so it is not read.
    #expect(info.registrant == nil)
    #expect(took < 5, "took \(took) s")
  }

  @Test func anUnreachableBootstrapFailsEachRowNotTheRun() async throws {
    let client = try RDAPClient(
      bootstrap: URL(string: "http://127.0.0.1:9/bootstrap/")!, cachePath: nil, timeout: 2,
      interval: 0)
    let out = try await client.enrich(
      columns: ["DestinationIP"], rows: [[.string("198.51.100.7")], [.string("198.51.100.8")]])
    #expect(out.rows.count == 2)
    #expect(
      out.rows.allSatisfy {
        $0.last == .string("bootstrap http://127.0.0.1:9/bootstrap/ipv4.json: connection refused")
      })
  }
}

/// A test's own setup failed (a server did not start, a variable is missing).
struct SetupError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
