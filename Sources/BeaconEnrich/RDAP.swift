import BeaconCore
import BeaconNet
import Foundation

/// Who holds an address block, from RDAP (RFC 9082/9083): the registry's network record.
public struct RDAPInfo: Codable, Sendable, Equatable {
  public var handle: String?
  public var name: String?
  public var country: String?
  public var registrant: String?
  public var abuseEmail: String?
  /// nil when found; otherwise why not (`not found`, an HTTP status).
  public var error: String?

  public static let columns =
    ([.destinationNetworkName, .destinationRegistrant, .destinationAbuseEmail, .rdapError]
    as [FindingColumn]).map(\.name)

  /// The most entities walked in one answer: registrations have a handful; a hostile answer with
  /// hundreds of thousands must not cost seconds and gigabytes.
  public static let maxEntities = 1_000

  /// True when the lookup failed (as opposed to an answer, or "not found").
  public var failed: Bool { error != nil && error != "not found" }

  public var cells: [Cell] {
    [
      ([handle, name].compactMap { $0 }.joined(separator: " ")).nonEmpty.map(Cell.string) ?? .null,
      registrant.map(Cell.string) ?? .null, abuseEmail.map(Cell.string) ?? .null,
      error.map(Cell.string) ?? .null,
    ]
  }

  /// Reads an RDAP `ip network` object.
  public init(json: [String: Any]) {
    handle = json["handle"] as? String
    name = json["name"] as? String
    country = json["country"] as? String
    func fn(_ entity: [String: Any]) -> (String?, String?) {
      guard let card = entity["vcardArray"] as? [Any], card.count == 2,
        let props = card[1] as? [[Any]]
      else { return (nil, nil) }
      var name: String? = nil
      var email: String? = nil
      for p in props where p.count >= 4 {
        if p[0] as? String == "fn" { name = p[3] as? String }
        if p[0] as? String == "email" { email = p[3] as? String }
      }
      return (name, email)
    }
    // Entities nest (an abuse contact inside the registrant); walk them all, first match wins.
    var queue = (json["entities"] as? [[String: Any]]) ?? []
    var next = 0
    while next < queue.count, next < Self.maxEntities {
      let e = queue[next]
      next += 1
      let roles = (e["roles"] as? [String]) ?? []
      let (n, mail) = fn(e)
      if registrant == nil, roles.contains("registrant") {
        registrant = n ?? e["handle"] as? String
      }
      if abuseEmail == nil, roles.contains("abuse") { abuseEmail = mail }
      if queue.count < Self.maxEntities { queue += (e["entities"] as? [[String: Any]]) ?? [] }
    }
  }

  public init(error: String) { self.error = error }
}

extension String {
  fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// RDAP lookups over HTTPS, found through the IANA bootstrap registry (RFC 9224), with a
/// timeout, a cache file and a polite pace (one request per server per `interval`).
///
/// Only used with `--rdap`: without it BeaconHunt never opens a connection. Plain HTTP is
/// accepted for loopback servers only (tests, local mirrors).
public final class RDAPClient: @unchecked Sendable {
  // @unchecked: used from one task at a time (lookups are sequential by design, for the pace).
  public let bootstrapBase: URL
  public let cachePath: String?
  public let timeout: TimeInterval
  public let interval: TimeInterval
  /// The largest answer read; a longer one fails its lookup.
  public let maxBodyBytes: Int
  /// 1 MiB: registries' answers for an address are 5–50 KB; a larger one is refused before it can
  /// cost memory (parsing JSON takes many times its size).
  public static let defaultMaxBodyBytes = 1 << 20
  /// What went wrong that is not one finding's (the cache could not be written), for the summary.
  public private(set) var warnings: [String] = []
  /// How long a cached answer is used (30 days: registrations change slowly).
  public let maxAge: TimeInterval = 30 * 86_400

  struct CacheEntry: Codable {
    var fetched: Date
    var info: RDAPInfo
  }

  private var cache: [String: CacheEntry] = [:]
  private var services: [(network: IPNetwork, base: URL)]? = nil
  private var lastRequest: [String: Date] = [:]
  public private(set) var requests = 0
  public private(set) var cacheHits = 0

  public static let ianaBootstrap = URL(string: "https://data.iana.org/rdap/")!

  public init(
    bootstrap: URL = RDAPClient.ianaBootstrap, cachePath: String?, timeout: TimeInterval = 10,
    interval: TimeInterval = 1, maxBodyBytes: Int = RDAPClient.defaultMaxBodyBytes
  ) throws(EnrichError) {
    bootstrapBase = bootstrap
    self.cachePath = cachePath
    self.timeout = timeout
    self.interval = interval
    self.maxBodyBytes = maxBodyBytes
    guard Self.allowed(bootstrap) else { throw .rdapNotHTTPS(url: bootstrap.absoluteString) }
    if let cachePath {
      do {
        let data = try TextFile.read(cachePath)
        guard let c = try? JSONDecoder().decode([String: CacheEntry].self, from: Data(data)) else {
          throw EnrichError.rdapCache(path: cachePath, reason: "not a BeaconHunt RDAP cache")
        }
        cache = c
      } catch let e as EnrichError {
        throw e
      } catch TextFileError.notFound {
        // No cache yet.
      } catch let e as TextFileError {
        throw .file(.rdapCache, e)
      } catch {
        throw .rdapCache(path: cachePath, reason: "\(error)")
      }
    }
  }

  /// HTTPS, or plain HTTP to a loopback server (tests, local mirrors).
  static func allowed(_ url: URL) -> Bool {
    let host = url.host ?? ""
    let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
    return url.scheme == "https" || (url.scheme == "http" && loopback)
  }

  /// One request: its status and body, or why it failed, in one line. The whole request (connect,
  /// redirects, every byte of the body) has one deadline, `timeout`; the body is capped at
  /// `maxBodyBytes`; each redirect is followed only to a URL `allowed` accepts.
  func get(_ url: URL) async -> Result<(Int, Data), RDAPFailure> {
    guard Self.allowed(url) else {
      return .failure(RDAPFailure("\(url.absoluteString) is not HTTPS"))
    }
    let key = url.host ?? ""
    if let last = lastRequest[key] {
      let wait = interval - Date().timeIntervalSince(last)
      if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
    }
    lastRequest[key] = Date()
    requests += 1
    let deadline = Date().addingTimeInterval(timeout)
    var current = url
    for _ in 0..<RDAPTransfer.maxRedirects + 1 {
      let left = deadline.timeIntervalSinceNow
      guard left > 0 else {
        return .failure(RDAPFailure("no complete answer within \(RDAPTransfer.seconds(timeout))"))
      }
      let target = current
      let limit = maxBodyBytes
      let total = timeout
      let step = await withCheckedContinuation { c in
        DispatchQueue.global().async {
          c.resume(returning: RDAPTransfer.fetch(target, seconds: left, total: total, limit: limit))
        }
      }
      switch step {
      case .answer(let status, let body): return .success((status, body))
      case .failed(let message): return .failure(RDAPFailure(message))
      case .redirect(let next):
        guard Self.allowed(next) else {
          return .failure(RDAPFailure("redirect to \(next.absoluteString) refused: not HTTPS"))
        }
        current = next
      }
    }
    return .failure(RDAPFailure("more than \(RDAPTransfer.maxRedirects) redirects"))
  }

  /// The bootstrap's services (RFC 9224: `[[ranges…], [base URLs…]]`), for IPv4 and IPv6.
  func loadServices() async throws -> [(network: IPNetwork, base: URL)] {
    if let services { return services }
    var out: [(IPNetwork, URL)] = []
    for file in ["ipv4.json", "ipv6.json"] {
      let url = bootstrapBase.appendingPathComponent(file)
      let (status, data): (Int, Data)
      switch await get(url) {
      case .success(let answer): (status, data) = answer
      case .failure(let f): throw RDAPFailure("bootstrap \(url.absoluteString): \(f.message)")
      }
      guard status == 200,
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let entries = json["services"] as? [[[String]]]
      else {
        throw RDAPFailure(
          "bootstrap \(url.absoluteString): "
            + (status == 200 ? "not a bootstrap file" : "HTTP \(status)"))
      }
      for entry in entries where entry.count == 2 {
        // Prefer an HTTPS base URL, as RFC 9224 asks.
        guard let base = entry[1].first(where: { $0.hasPrefix("https://") }) ?? entry[1].first,
          let baseURL = URL(string: base)
        else { continue }
        for range in entry[0] { if let n = IPNetwork(range) { out.append((n, baseURL)) } }
      }
    }
    // Most specific first.
    services = out.sorted { $0.0.bits > $1.0.bits }
    return services!
  }

  /// The network record of `address`, from the cache or the registry.
  public func lookup(_ address: IPAddress) async -> RDAPInfo {
    let key = address.description
    if let hit = cache[key], Date().timeIntervalSince(hit.fetched) < maxAge {
      cacheHits += 1
      return hit.info
    }
    let services: [(network: IPNetwork, base: URL)]
    do { services = try await loadServices() } catch let f as RDAPFailure {
      return RDAPInfo(error: f.message)
    } catch {
      return RDAPInfo(error: "bootstrap: \(error)")
    }
    guard let service = services.first(where: { $0.network.contains(address) }) else {
      return RDAPInfo(error: "no RDAP service in the bootstrap")
    }
    let url = service.base.appendingPathComponent("ip").appendingPathComponent(key)
    let info: RDAPInfo
    switch await get(url) {
    case .success(let (status, data)):
      if status == 200, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
        info = RDAPInfo(json: json)
      } else if status == 200 {
        info = RDAPInfo(error: "\(url.host ?? ""): not an RDAP answer")
      } else {
        info = RDAPInfo(error: status == 404 ? "not found" : "\(url.host ?? ""): HTTP \(status)")
      }
    case .failure(let f):
      // A timeout, a refused connection, an answer too large: reported for this address, not cached.
      return RDAPInfo(error: "\(url.host ?? ""): \(f.message)")
    }
    if info.error == nil || info.error == "not found" {
      cache[key] = CacheEntry(fetched: Date(), info: info)
    }
    return info
  }

  /// Writes the cache file (beside and rename, so a crash never leaves half a file).
  /// Only a regular file is ever replaced (`OutputFile`'s rules).
  public func save() throws(EnrichError) {
    guard let cachePath else { return }
    do {
      let data = try JSONEncoder().encode(cache)
      let dir = OutputFile.parent(of: cachePath)
      if !dir.isEmpty {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      }
      try OutputFile.write(String(decoding: data, as: UTF8.self), to: cachePath, force: true)
    } catch let e as OutputError {
      throw .rdapCache(path: cachePath, reason: "\(e)")
    } catch {
      throw .rdapCache(path: cachePath, reason: "\(error)")
    }
  }

  /// RDAP columns for each row's DestinationIP (each distinct address asked once).
  /// Lookups that fail are written in each row's `RDAPError`; the cache not being written is a
  /// warning. Neither stops the findings from being written.
  public func enrich(columns: [String], rows: [[Cell]]) async throws(EnrichError) -> (
    columns: [String], rows: [[Cell]]
  ) {
    guard let dst = columns.firstIndex(of: .destinationIP) else { throw .noDestinationColumn }
    var known: [String: RDAPInfo] = [:]
    var out: [[Cell]] = []
    for row in rows {
      guard case .string(let ip) = row[dst], let address = IPAddress(ip) else {
        out.append(row + RDAPInfo(error: "not an IP").cells)
        continue
      }
      if known[ip] == nil { known[ip] = await lookup(address) }
      out.append(row + known[ip]!.cells)
    }
    do { try save() } catch { warnings.append("\(error)") }
    return (columns + RDAPInfo.columns, out)
  }
}

/// Why one RDAP request failed, in one line.
struct RDAPFailure: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

/// One HTTP request over libcurl, synchronous (run off the caller's task): the body goes through a
/// write callback that refuses the byte past the cap, which ends the transfer at once, so memory
/// stays at the cap whatever the server sends; redirects are returned, not followed, so each is
/// vetted.
enum RDAPTransfer {
  static let maxRedirects = 5

  enum Step {
    case answer(Int, Data)
    case redirect(URL)
    case failed(String)
  }

  /// What the write callback fills: the body so far, up to `limit`.
  final class Sink {
    var body = Data()
    let limit: Int
    var over = false
    init(limit: Int) { self.limit = limit }
  }

  static func seconds(_ s: TimeInterval) -> String {
    s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
  }

  static func fetch(_ url: URL, seconds: Double, total: Double, limit: Int) -> Step {
    guard let curl = Curl.shared else {
      return .failed("RDAP needs libcurl (libcurl.so.4, Debian's libcurl4), which was not found")
    }
    guard let handle = curl.easyInit() else { return .failed("libcurl could not start") }
    defer { curl.easyCleanup(handle) }
    let sink = Sink(limit: limit)
    let box = Unmanaged.passRetained(sink)
    defer { box.release() }
    let headers = curl.slistAppend(nil, "Accept: application/rdap+json")
    defer { curl.slistFreeAll(headers) }
    let milliseconds = max(1, Int((seconds * 1000).rounded(.up)))
    // libcurl copies the strings it is given, so passing temporaries is safe.
    curl.set(handle, .url, url.absoluteString)
    curl.set(handle, .protocolsString, "http,https")
    curl.set(handle, .followLocation, 0)
    curl.set(handle, .noSignal, 1)
    curl.set(handle, .timeoutMS, milliseconds)
    curl.set(handle, .connectTimeoutMS, milliseconds)
    curl.set(handle, .userAgent, "beaconhunt")
    curl.set(handle, .httpHeader, UnsafeRawPointer(headers))
    curl.set(handle, .writeData, UnsafeRawPointer(box.toOpaque()))
    let write: Curl.WriteCallback = { data, size, count, user in
      guard let user, let data else { return 0 }
      let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
      let n = size * count
      guard sink.body.count + n <= sink.limit else {
        sink.over = true
        return 0  // a short count: libcurl ends the transfer (CURLE_WRITE_ERROR)
      }
      data.withMemoryRebound(to: UInt8.self, capacity: n) { sink.body.append($0, count: n) }
      return n
    }
    curl.set(handle, .writeFunction, write)
    let code = curl.easyPerform(handle)
    if sink.over { return .failed("answer larger than \(limit) bytes") }
    guard code == Curl.Code.ok else {
      switch code {
      case Curl.Code.operationTimedOut:
        return .failed("no complete answer within \(Self.seconds(total))")
      case Curl.Code.couldNotConnect: return .failed("connection refused")
      case Curl.Code.couldNotResolveHost: return .failed("host not found")
      case Curl.Code.sslConnectError, Curl.Code.peerFailedVerification,
        Curl.Code.sslCertificateProblem:
        return .failed("TLS failed (certificate or handshake)")
      default:
        return .failed(curl.easyStrerror(code).map { String(cString: $0) } ?? "error \(code)")
      }
    }
    let status = curl.long(handle, .responseCode)
    if (300..<400).contains(status) {
      guard let location = curl.string(handle, .redirectURL), let next = URL(string: location)
      else {
        return .failed("HTTP \(status) without a usable Location")
      }
      return .redirect(next)
    }
    return .answer(status, sink.body)
  }
}
