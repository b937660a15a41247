import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// `Fixtures/hostile_rdap_server.py` on 127.0.0.1: RDAP answers that trickle, flood, redirect to
/// plain HTTP on another host, or hold 20,000 entities (each under its own path, with a bootstrap
/// that points at it). It stops itself after ten minutes; `stop()` ends it sooner.
public final class HostileRDAPServer {
  public struct NotStarted: Error, CustomStringConvertible {
    public var description: String
  }

  private let process = Process()
  public private(set) var port = 0

  public init() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/hostile_rdap_server.py").path
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-u", script]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    var text = ""
    while !text.contains("\n") {
      let chunk = out.fileHandleForReading.availableData
      guard !chunk.isEmpty else { break }
      text += String(decoding: chunk, as: UTF8.self)
    }
    port = Int(text.split(separator: " ").last?.split(separator: "\n").first ?? "") ?? 0
    guard port > 0 else { throw NotStarted(description: "hostile RDAP server: \(text)") }
  }

  /// The bootstrap base URL whose registry behaves as `mode` (trickle, flood, redirect, entities).
  public func bootstrap(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)/" }

  /// Stops the server (waitpid, not `waitUntilExit`, which needs a run loop).
  public func stop() {
    kill(process.processIdentifier, SIGKILL)
    var status: Int32 = 0
    _ = waitpid(process.processIdentifier, &status, 0)
  }
}
