import BeaconCore
import BeaconNet
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Who holds an address block, from RDAP (RFC 9082/9083): the registry's network record.
public struct RDAPInfo: Codable, Sendable, Equatable {
  public var handle: String?
  public var name: String?
  public var country: String?
  public var registrant: String?
  public var abuseEmail: String?
  /// nil when found; otherwise why not (`not found`, an HTTP status).
  public var error: String?

  public static let columns = [
    "DestinationNetworkName", "DestinationRegistrant", "DestinationAbuseEmail",
  ]

  public var cells: [Cell] {
    [
      ([handle, name].compactMap { $0 }.joined(separator: " ")).nonEmpty.map(Cell.string) ?? .null,
      registrant.map(Cell.string) ?? .null, abuseEmail.map(Cell.string) ?? .null,
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
    var stack = (json["entities"] as? [[String: Any]]) ?? []
    while !stack.isEmpty {
      let e = stack.removeFirst()
      let roles = (e["roles"] as? [String]) ?? []
      let (n, mail) = fn(e)
      if registrant == nil, roles.contains("registrant") {
        registrant = n ?? e["handle"] as? String
      }
      if abuseEmail == nil, roles.contains("abuse") { abuseEmail = mail }
      stack += (e["entities"] as? [[String: Any]]) ?? []
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
  /// How long a cached answer is used (30 days: registrations change slowly).
  public let maxAge: TimeInterval = 30 * 86_400

  struct CacheEntry: Codable {
    var fetched: Date
    var info: RDAPInfo
  }

  private var cache: [String: CacheEntry] = [:]
  private var services: [(network: IPNetwork, base: URL)]? = nil
  private var lastRequest: [String: Date] = [:]
  private let session: URLSession
  public private(set) var requests = 0
  public private(set) var cacheHits = 0

  public static let ianaBootstrap = URL(string: "https://data.iana.org/rdap/")!

  public init(
    bootstrap: URL = RDAPClient.ianaBootstrap, cachePath: String?, timeout: TimeInterval = 10,
    interval: TimeInterval = 1
  ) throws {
    bootstrapBase = bootstrap
    self.cachePath = cachePath
    self.timeout = timeout
    self.interval = interval
    let config = URLSessionConfiguration.ephemeral
    config.timeoutIntervalForRequest = timeout
    config.timeoutIntervalForResource = timeout * 2
    session = URLSession(configuration: config)
    try Self.checkScheme(bootstrap)
    if let cachePath, let data = FileManager.default.contents(atPath: cachePath) {
      guard let c = try? JSONDecoder().decode([String: CacheEntry].self, from: data) else {
        throw HuntError("--rdap-cache \(cachePath): not a BeaconHunt RDAP cache; move it away")
      }
      cache = c
    }
  }

  static func checkScheme(_ url: URL) throws {
    let host = url.host ?? ""
    let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
    guard url.scheme == "https" || (url.scheme == "http" && loopback) else {
      throw HuntError("RDAP: \(url.absoluteString) is not HTTPS (plain HTTP only for 127.0.0.1)")
    }
  }

  func get(_ url: URL) async throws -> (Int, Data) {
    try Self.checkScheme(url)
    let key = url.host ?? ""
    if let last = lastRequest[key] {
      let wait = interval - Date().timeIntervalSince(last)
      if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
    }
    lastRequest[key] = Date()
    requests += 1
    var request = URLRequest(url: url)
    request.setValue("application/rdap+json", forHTTPHeaderField: "Accept")
    // The completion-handler form: the async `data(for:)` of Linux Foundation is less reliable.
    return try await withCheckedThrowingContinuation { continuation in
      session.dataTask(with: request) { data, response, error in
        if let error {
          continuation.resume(throwing: error)
        } else {
          continuation.resume(
            returning: ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
        }
      }.resume()
    }
  }

  /// The bootstrap's services (RFC 9224: `[[ranges…], [base URLs…]]`), for IPv4 and IPv6.
  func loadServices() async throws -> [(network: IPNetwork, base: URL)] {
    if let services { return services }
    var out: [(IPNetwork, URL)] = []
    for file in ["ipv4.json", "ipv6.json"] {
      let url = bootstrapBase.appendingPathComponent(file)
      let (status, data) = try await get(url)
      guard status == 200,
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let entries = json["services"] as? [[[String]]]
      else {
        throw HuntError(
          "RDAP bootstrap \(url.absoluteString): HTTP \(status) or not a bootstrap file")
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
  public func lookup(_ address: IPAddress) async throws -> RDAPInfo {
    let key = address.description
    if let hit = cache[key], Date().timeIntervalSince(hit.fetched) < maxAge {
      cacheHits += 1
      return hit.info
    }
    let services = try await loadServices()
    guard let service = services.first(where: { $0.network.contains(address) }) else {
      return RDAPInfo(error: "no RDAP service in the bootstrap")
    }
    let url = service.base.appendingPathComponent("ip").appendingPathComponent(key)
    let info: RDAPInfo
    do {
      let (status, data) = try await get(url)
      if status == 200, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
        info = RDAPInfo(json: json)
      } else {
        info = RDAPInfo(error: status == 404 ? "not found" : "HTTP \(status)")
      }
    } catch let e as HuntError {
      throw e
    } catch {
      // A timeout or a refused connection: reported for this address, not cached.
      return RDAPInfo(error: "\(url.host ?? ""): \(error.localizedDescription)")
    }
    if info.error == nil || info.error == "not found" {
      cache[key] = CacheEntry(fetched: Date(), info: info)
    }
    return info
  }

  /// Writes the cache file (beside and rename, so a crash never leaves half a file).
  public func save() throws {
    guard let cachePath else { return }
    let data = try JSONEncoder().encode(cache)
    let dir = (cachePath as NSString).deletingLastPathComponent
    if !dir.isEmpty {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    let tmp = cachePath + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
    guard FileManager.default.createFile(atPath: tmp, contents: data) else {
      throw HuntError("--rdap-cache: cannot write \(tmp)")
    }
    _ = try? FileManager.default.removeItem(atPath: cachePath)
    try FileManager.default.moveItem(atPath: tmp, toPath: cachePath)
  }

  /// RDAP columns for each row's DestinationIP (each distinct address asked once).
  public func enrich(columns: [String], rows: [[Cell]]) async throws -> (
    columns: [String], rows: [[Cell]]
  ) {
    guard let dst = columns.firstIndex(of: "DestinationIP") else {
      throw HuntError("the findings have no DestinationIP column")
    }
    var known: [String: RDAPInfo] = [:]
    var out: [[Cell]] = []
    for row in rows {
      guard case .string(let ip) = row[dst], let address = IPAddress(ip) else {
        out.append(row + RDAPInfo(error: "not an IP").cells)
        continue
      }
      if known[ip] == nil { known[ip] = try await lookup(address) }
      out.append(row + known[ip]!.cells)
    }
    try save()
    return (columns + RDAPInfo.columns, out)
  }
}
