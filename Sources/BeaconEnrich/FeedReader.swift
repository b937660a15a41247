import BeaconCore
import BeaconNet
import Foundation

/// Parses one feed file of a known format into indicators: addresses and networks, and domains
/// (ThreatFox `domain` and `url` hosts, URLhaus URL hosts, STIX `domain-name:value`). Entries
/// that are neither (unusable names, unsupported STIX patterns, revoked indicators) are counted
/// by reason in `skipped`, never dropped silently; a line that is malformed for its format is an
/// error naming the file and line.
struct FeedReader {
  let path: String
  let format: FeedFormat
  var skipped: [String: Int] = [:]

  init(path: String, format: FeedFormat) {
    self.path = path
    self.format = format
  }

  func indicator(
    _ network: IPNetwork?, port: Int32? = nil, value: String, firstSeen: String? = nil,
    malware: String? = nil
  ) -> Indicator {
    Indicator(
      network: network, port: port, feed: format.rawValue, file: path, value: value,
      firstSeen: firstSeen.flatMap { $0.isEmpty ? nil : $0 },
      malware: malware.flatMap { $0.isEmpty || $0 == "None" ? nil : $0 })
  }

  /// A domain indicator for `text` (a name or a URL), or nil when it holds no usable name.
  func domainIndicator(
    _ text: String, value: String, firstSeen: String? = nil, malware: String? = nil
  ) -> Indicator? {
    guard case .name(let name) = HostName.parse(text) else { return nil }
    var i = indicator(nil, value: value, firstSeen: firstSeen, malware: malware)
    i.domain = name
    return i
  }

  func error(_ line: Int, _ message: String) -> EnrichError {
    .feed(path: path, line: line, message: message)
  }

  mutating func skip(_ reason: String) { skipped[reason, default: 0] += 1 }

  mutating func read(_ text: String) throws -> [Indicator] {
    switch format {
    case .plainList: return try plainList(text)
    case .feodoCSV, .threatFoxCSV, .urlhausCSV: return try csv(text)
    case .feodoJSON: return try feodoJSON(text)
    case .mispWarningList: return try misp(text)
    case .stix: return try stix(text)
    }
  }

  /// Lines with their 1-based numbers, comments (`#`) and blank lines dropped.
  static func contentLines(_ text: String) -> [(Int, String)] {
    text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
      .compactMap {
        k, raw in
        let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty || line.hasPrefix("#") ? nil : (k + 1, line)
      }
  }

  func plainList(_ text: String) throws -> [Indicator] {
    try Self.contentLines(text).map { number, line in
      guard let n = IPNetwork(line) else {
        throw error(number, "\(line.debugDescription) is not an IP or CIDR network")
      }
      return indicator(n, value: line)
    }
  }

  /// abuse.ch CSV exports: the header is a line (Feodo) or a comment (ThreatFox, URLhaus); fields
  /// are double-quoted, ThreatFox separates them with `", "`.
  mutating func csv(_ text: String) throws -> [Indicator] {
    var header: [String]? = nil
    var out: [Indicator] = []
    for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty { continue }
      if line.hasPrefix("#") {
        line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
        let names = Self.fields(line)
        if header == nil, names.count > 3,
          names.contains(where: { ["ioc_value", "url", "dst_ip"].contains($0) })
        {
          header = names
        }
        continue
      }
      let values = Self.fields(line)
      if header == nil, values.contains("dst_ip") {
        header = values
        continue
      }
      guard let header else { throw error(k + 1, "a row before the header line") }
      guard values.count == header.count else {
        throw error(k + 1, "\(values.count) fields, the header has \(header.count)")
      }
      let row = Dictionary(zip(header, values), uniquingKeysWith: { a, _ in a })
      switch format {
      case .feodoCSV:
        guard let ip = row["dst_ip"], let n = IPNetwork(ip) else {
          throw error(k + 1, "dst_ip is not an IP")
        }
        let port = row["dst_port"].flatMap { Int32($0) }
        out.append(
          indicator(
            n, port: port, value: ip + (port.map { ":\($0)" } ?? ""),
            firstSeen: row["first_seen_utc"], malware: row["malware"]))
      case .threatFoxCSV:
        let value = row["ioc_value"] ?? ""
        let type = row["ioc_type"] ?? ""
        let malware = row["malware_printable"]
        if type == "ip:port", let (n, port) = Self.ipPort(value) {
          out.append(
            indicator(
              n, port: port, value: value, firstSeen: row["first_seen_utc"], malware: malware))
        } else if let n = IPNetwork(value) {
          out.append(indicator(n, value: value, firstSeen: row["first_seen_utc"], malware: malware))
        } else if type == "domain" || type == "url",
          let i = domainIndicator(
            value, value: value, firstSeen: row["first_seen_utc"], malware: malware)
        {
          out.append(i)
        } else {
          skip("\(type.isEmpty ? "unknown" : type) indicators (neither an IP nor a host name)")
        }
      default:  // URLhaus: the URL's host, an IP or a name
        let url = row["url"] ?? ""
        let tags = row["tags"].map { $0.split(separator: ",").map(String.init) } ?? []
        let malware = tags.last ?? row["threat"]
        if let (n, _) = Self.urlHost(url) {
          out.append(indicator(n, value: url, firstSeen: row["dateadded"], malware: malware))
        } else if let i = domainIndicator(
          url, value: url, firstSeen: row["dateadded"], malware: malware)
        {
          out.append(i)
        } else {
          skip("URLs without a usable host")
        }
      }
    }
    return out
  }

  /// The fields of a CSV line with double-quoted values (`""` is a quote), trimmed.
  static func fields(_ line: String) -> [String] {
    var out: [String] = []
    var current = ""
    var quoted = false
    var chars = Array(line)
    chars.append(",")
    var k = 0
    while k < chars.count {
      let c = chars[k]
      if quoted {
        if c == "\"" {
          if k + 1 < chars.count - 1, chars[k + 1] == "\"" {
            current.append("\"")
            k += 1
          } else {
            quoted = false
          }
        } else {
          current.append(c)
        }
      } else if c == "\"" {
        quoted = true
      } else if c == "," {
        out.append(current.trimmingCharacters(in: .whitespaces))
        current = ""
      } else {
        current.append(c)
      }
      k += 1
    }
    return out
  }

  /// `1.2.3.4:443` or `[2001:db8::1]:443`.
  static func ipPort(_ s: String) -> (IPNetwork, Int32)? {
    guard let colon = s.lastIndex(of: ":"), let port = Int32(s[s.index(after: colon)...]) else {
      return nil
    }
    var host = String(s[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return IPNetwork(host).map { ($0, port) }
  }

  /// The host of `scheme://host[:port]/…` when it is an IP address.
  static func urlHost(_ url: String) -> (IPNetwork, Int32?)? {
    guard let scheme = url.range(of: "://") else { return nil }
    var rest = url[scheme.upperBound...]
    if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
      rest = rest[..<slash]
    }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else { return nil }
      let host = String(rest[rest.index(after: rest.startIndex)..<close])
      let port = Int32(rest[close...].dropFirst(2))
      return IPNetwork(host).map { ($0, port) }
    }
    if let (n, port) = ipPort(String(rest)) { return (n, port) }
    return IPNetwork(String(rest)).map { ($0, nil) }
  }

  mutating func feodoJSON(_ text: String) throws -> [Indicator] {
    guard let items = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
    else {
      throw EnrichError.feed(
        path: path, line: nil, message: "expected a JSON array of objects (Feodo Tracker JSON)")
    }
    return try items.enumerated().compactMap { k, item in
      guard let ip = item["ip_address"] as? String, let n = IPNetwork(ip) else {
        throw EnrichError.feed(
          path: path, line: nil, message: "entry \(k + 1): ip_address is missing or not an IP")
      }
      let port = (item["port"] as? NSNumber).map { Int32(truncatingIfNeeded: $0.int64Value) }
      return indicator(
        n, port: port, value: ip + (port.map { ":\($0)" } ?? ""),
        firstSeen: item["first_seen"] as? String,
        malware: item["malware"] as? String)
    }
  }

  mutating func misp(_ text: String) throws -> [Indicator] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
      let list = object["list"] as? [Any]
    else { throw EnrichError.feed(path: path, line: nil, message: "not a MISP warning list") }
    let name = object["name"] as? String
    var out: [Indicator] = []
    for entry in list {
      guard let s = entry as? String, let n = IPNetwork(s) else {
        skip("entries that are not an IP or CIDR")
        continue
      }
      var i = indicator(n, value: s, malware: nil)
      i.benign = true
      i.firstSeen = name
      out.append(i)
    }
    return out
  }

  mutating func stix(_ text: String) throws -> [Indicator] {
    guard let bundle = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
      let objects = bundle["objects"] as? [[String: Any]]
    else { throw EnrichError.feed(path: path, line: nil, message: "not a STIX 2.1 bundle") }
    var out: [Indicator] = []
    for o in objects where o["type"] as? String == "indicator" {
      if o["revoked"] as? Bool == true {
        skip("revoked indicators")
        continue
      }
      guard o["pattern_type"] as? String ?? "stix" == "stix", let pattern = o["pattern"] as? String
      else {
        skip("indicators without a STIX pattern")
        continue
      }
      let found = STIXPattern.addresses(pattern)
      let domains = STIXPattern.domains(pattern)
      if found.isEmpty, domains.isEmpty {
        skip("patterns without an IP address or domain name")
        continue
      }
      let name = o["name"] as? String
      let labels = (o["labels"] as? [String])?.joined(separator: ", ")
      for d in domains {
        guard
          var i = domainIndicator(
            d, value: d, firstSeen: o["valid_from"] as? String, malware: name ?? labels)
        else {
          skip("domain names that are not host names")
          continue
        }
        i.validFrom = (o["valid_from"] as? String).flatMap { Timestamp(iso: $0) }
        i.validUntil = (o["valid_until"] as? String).flatMap { Timestamp(iso: $0) }
        out.append(i)
      }
      for (n, port, value) in found {
        var i = indicator(
          n, port: port, value: value, firstSeen: o["valid_from"] as? String,
          malware: name ?? labels)
        i.validFrom = (o["valid_from"] as? String).flatMap { Timestamp(iso: $0) }
        i.validUntil = (o["valid_until"] as? String).flatMap { Timestamp(iso: $0) }
        out.append(i)
      }
    }
    return out
  }
}

/// The part of the STIX 2.1 pattern language that names addresses: `ipv4-addr:value` and
/// `ipv6-addr:value` compared with `=` or `ISSUBSET`, and `network-traffic:dst_ref.value` with an
/// optional `network-traffic:dst_port = N` in the same observation. Observations joined by `OR`
/// give one indicator each.
enum STIXPattern {
  static func addresses(_ pattern: String) -> [(IPNetwork, Int32?, String)] {
    var out: [(IPNetwork, Int32?, String)] = []
    // Observations: the text between top-level brackets (quotes may hold brackets).
    var observations: [String] = []
    var depth = 0
    var inQuote = false
    var current = ""
    for c in pattern {
      if c == "'" { inQuote.toggle() }
      if !inQuote, c == "[" {
        depth += 1
        if depth == 1 {
          current = ""
          continue
        }
      }
      if !inQuote, c == "]" {
        depth -= 1
        if depth == 0 {
          observations.append(current)
          continue
        }
      }
      if depth > 0 { current.append(c) }
    }
    for obs in observations {
      var ips: [(IPNetwork, String)] = []
      var port: Int32? = nil
      // Comparisons: path, operator, value ('quoted' or a number), joined by AND / OR.
      let scanner = obs.replacingOccurrences(of: "\t", with: " ")
      var rest = Substring(scanner)
      while let m = nextComparison(&rest) {
        let (path, op, value) = m
        switch path {
        case "ipv4-addr:value", "ipv6-addr:value", "network-traffic:dst_ref.value":
          if op == "=" || op.uppercased() == "ISSUBSET", let n = IPNetwork(value) {
            ips.append((n, value))
          }
        case "network-traffic:dst_port":
          if op == "=" { port = Int32(value) }
        default: break
        }
      }
      for (n, v) in ips { out.append((n, port, port.map { v + ":\($0)" } ?? v)) }
    }
    return out
  }

  /// `domain-name:value = '…'` values of a pattern.
  static func domains(_ pattern: String) -> [String] {
    var out: [String] = []
    var rest = Substring(pattern.replacingOccurrences(of: "\t", with: " "))
    while let open = rest.firstIndex(of: "[") {
      rest = rest[rest.index(after: open)...]
      let obs = rest.prefix { $0 != "]" }
      var s = Substring(obs)
      while let (path, op, value) = nextComparison(&s) {
        if path == "domain-name:value", op == "=" { out.append(value) }
      }
    }
    return out
  }

  /// The next `path op value` in `s`, consuming it.
  static func nextComparison(_ s: inout Substring) -> (String, String, String)? {
    while true {
      s = s.drop { $0 == " " }
      guard !s.isEmpty else { return nil }
      let path = s.prefix { $0 != " " && $0 != "=" }
      s = s.dropFirst(path.count).drop { $0 == " " }
      let op = s.first == "=" ? "=" : String(s.prefix { $0 != " " })
      s = s.dropFirst(op.count).drop { $0 == " " }
      var value = ""
      if s.first == "'" {
        s = s.dropFirst()
        value = String(s.prefix { $0 != "'" })
        s = s.dropFirst(value.count + 1)
      } else {
        value = String(s.prefix { $0 != " " })
        s = s.dropFirst(value.count)
      }
      s = s.drop { $0 == " " }
      // The connective (AND / OR) if any.
      let word = s.prefix { $0 != " " }
      if word.uppercased() == "AND" || word.uppercased() == "OR" { s = s.dropFirst(word.count) }
      if !path.isEmpty, !op.isEmpty { return (String(path), op, value) }
    }
  }
}
