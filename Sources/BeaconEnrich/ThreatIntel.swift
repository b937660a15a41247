import BeaconCore
import BeaconNet
import Foundation

/// One indicator from a local feed: an address or network, optionally with a port; or a domain
/// (a host name in `HostName`'s form), matched by the finding's destination name.
public struct Indicator: Sendable, Equatable {
  /// The network; nil for a domain indicator.
  public var network: IPNetwork?
  /// A host name: the indicator matches a finding whose `DestinationHostName` is exactly it.
  public var domain: String? = nil
  public var port: Int32?
  /// The feed it came from (`feodo-csv`, `stix`, …) and the file.
  public var feed: String
  public var file: String
  /// The indicator as the feed wrote it (`203.0.113.10:443`, `198.51.100.0/24`).
  public var value: String
  public var firstSeen: String?
  public var malware: String?
  /// STIX validity; a match needs the finding's activity to overlap it.
  public var validFrom: Timestamp?
  public var validUntil: Timestamp?
  /// From a MISP warning list: known benign, which lowers severity instead of raising it.
  public var benign = false
}

/// The feed formats BeaconHunt reads, detected from content.
public enum FeedFormat: String, Sendable, CaseIterable {
  case feodoCSV = "feodo-csv"
  case feodoJSON = "feodo-json"
  case threatFoxCSV = "threatfox-csv"
  case urlhausCSV = "urlhaus-csv"
  case mispWarningList = "misp-warninglist"
  case stix = "stix"
  /// One IP or CIDR a line, `#` comments (Feodo and Emerging Threats plain lists).
  case plainList = "ip-list"
}

/// Indicators from local feed files (`--ti FILE`, repeatable), matched by address, network and
/// port, and domains by the destination's exact name (a listed domain does not cover its
/// subdomains: feeds list the hosts they saw). Lookups probe one hash per prefix length in use,
/// as `NetworkSet` does.
public struct ThreatIntel: Sendable {
  public private(set) var indicators: [Indicator] = []
  /// Per file: its format, indicators read (of them, domains), and entries skipped (with why).
  public private(set) var files:
    [(path: String, format: FeedFormat, indicators: Int, domains: Int, skipped: [String: Int])] =
      []
  private var byLength: [Int: [IPAddress: [Int]]] = [:]
  private var byDomain: [String: [Int]] = [:]

  public init() {}

  public var isEmpty: Bool { indicators.isEmpty }

  mutating func add(_ i: Indicator) {
    if let d = i.domain {
      byDomain[d, default: []].append(indicators.count)
    } else if let n = i.network {
      byLength[n.bits, default: [:]][n.base, default: []].append(indicators.count)
    }
    indicators.append(i)
  }

  /// The domain indicators naming `name` (`HostName`'s lower-case form), active during
  /// `activity` when they carry a validity window.
  public func matches(name: String, activity: ClosedRange<Timestamp>? = nil) -> [Indicator] {
    (byDomain[name] ?? []).map { indicators[$0] }.filter { active($0, activity) }
      .sorted { ($0.file, $0.value) < ($1.file, $1.value) }
  }

  func active(_ i: Indicator, _ activity: ClosedRange<Timestamp>?) -> Bool {
    guard let activity else { return true }
    if let from = i.validFrom, activity.upperBound < from { return false }
    if let until = i.validUntil, activity.lowerBound > until { return false }
    return true
  }

  /// Reads a feed file, detecting its format from content.
  public mutating func load(_ path: String) throws {
    let data: [UInt8]
    do { data = try TextFile.read(path) } catch { throw EnrichError.file(.feed, error) }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw EnrichError.feed(path: path, line: nil, message: "not UTF-8 text")
    }
    let format = try Self.detect(text, path: path)
    var reader = FeedReader(path: path, format: format)
    let before = indicators.count
    for i in try reader.read(text) { add(i) }
    let domains = indicators[before...].filter { $0.domain != nil }.count
    files.append((path, format, indicators.count - before, domains, reader.skipped))
  }

  static func detect(_ text: String, path: String) throws -> FeedFormat {
    let trimmed = text.drop { $0.isWhitespace }
    if trimmed.first == "[" { return .feodoJSON }
    if trimmed.first == "{" {
      guard
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
      else { throw EnrichError.feed(path: path, line: nil, message: "not valid JSON") }
      if object["type"] as? String == "bundle" { return .stix }
      if object["list"] is [Any] { return .mispWarningList }
      throw EnrichError.feed(
        path: path, line: nil,
        message: "a JSON object that is neither a STIX bundle nor a MISP warning list")
    }
    for line in text.split(whereSeparator: \.isNewline).prefix(40) {
      let l = line.lowercased()
      if l.contains("\"dst_ip\"") || l.contains("dst_ip,") { return .feodoCSV }
      if l.contains("ioc_value") { return .threatFoxCSV }
      if l.contains("url_status") { return .urlhausCSV }
    }
    return .plainList
  }

  /// The indicators matching a destination (and port), active during `activity` when they carry
  /// a validity window.
  public func matches(
    _ address: IPAddress, port: Int32?, activity: ClosedRange<Timestamp>? = nil
  ) -> [Indicator] {
    var out: [Indicator] = []
    for (bits, bases) in byLength {
      let (mh, ml) = IPNetwork.mask(bits)
      guard let hits = bases[IPAddress(high: address.high & mh, low: address.low & ml)] else {
        continue
      }
      for k in hits {
        let i = indicators[k]
        if let p = i.port, p != port { continue }
        if !active(i, activity) { continue }
        out.append(i)
      }
    }
    return out.sorted { ($0.file, $0.value) < ($1.file, $1.value) }
  }
}
