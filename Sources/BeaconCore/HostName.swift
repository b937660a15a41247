/// The destination host name of a connection, from the fields logs carry for it.
///
/// One rule for every input and both engines (`HostName+SQL.swift` is the same on Spark):
/// - The request's target comes first: `RequestURL` (a proxy's or web filter's URL, a Zeek
///   `CONNECT` target `host:port` or absolute URI). Its host makes the connection *proxied*: the
///   name is the destination and the address the connection went to is a hop (the proxy).
/// - Otherwise `DestinationHostName` (TLS SNI, an HTTP `Host` header, a resolved name).
/// - A host is the text after an optional `scheme://` and `userinfo@`, up to the first `/`,
///   `?`, `#` or `:` (so a port is dropped); one trailing `.` is dropped; it is a name when it
///   is dot-separated labels of ASCII letters, digits, `-` and `_`, at most 253 bytes, not all
///   digits and dots (an IPv4 literal) and not a bracketed IPv6 literal. Names are lower-cased.
/// - Anything else present is an invalid name: counted, and the connection keeps its address.
///
/// Names are compared as these exact bytes, and a flow keyed by a name is never keyed by an
/// address as well: an IP-literal "name" is the address, never a second key.
public enum HostName {
  /// The longest name DNS allows, in bytes.
  public static let maxLength = 253

  /// What one field yields.
  public enum Parsed: Equatable, Sendable {
    case name(String)
    /// An IP literal: the field names an address, not a host.
    case address
    /// Present, but not a host name (hostile or garbled text).
    case invalid
  }

  /// A connection's destination name, and whether it came from a request (a proxy's target).
  public struct Destination: Equatable, Sendable {
    public init(name: String?, proxied: Bool, invalid: Bool) {
      self.name = name
      self.proxied = proxied
      self.invalid = invalid
    }

    public var name: String?
    public var proxied: Bool
    /// A field was present but held no usable name (and no other field gave one).
    public var invalid: Bool
  }

  /// The destination of a connection with these fields.
  public static func destination(requestURL: String?, hostName: String?) -> Destination {
    let request = requestURL.flatMap(parse)
    if case .name(let n) = request { return Destination(name: n, proxied: true, invalid: false) }
    let host = hostName.flatMap(parse)
    if case .name(let n) = host { return Destination(name: n, proxied: false, invalid: false) }
    return Destination(name: nil, proxied: false, invalid: request == .invalid || host == .invalid)
  }

  /// The host of a URL, authority or host field, classified; nil when it has none (empty).
  public static func parse(_ text: String) -> Parsed? {
    let b = Array(host(of: text).utf8)
    guard !b.isEmpty else { return nil }
    if b[0] == UInt8(ascii: "[") { return .address }
    var h = b[...]
    if h.last == UInt8(ascii: ".") { h = h.dropLast() }
    guard !h.isEmpty else { return nil }
    if h.allSatisfy({ $0 == UInt8(ascii: ".") || isDigit($0) }) { return .address }
    guard h.count <= maxLength, isLabels(h) else { return .invalid }
    return .name(String(decoding: h.map { isUpper($0) ? $0 | 0x20 : $0 }, as: UTF8.self))
  }

  /// Whether `text` starts with `scheme://` (an absolute URL, as a proxy is sent).
  public static func isAbsoluteURL(_ text: String) -> Bool {
    guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")), colon != text.utf8.startIndex
    else { return false }
    let scheme = text.utf8[text.utf8.startIndex..<colon]
    return isLetter(scheme.first!) && scheme.allSatisfy(isSchemeByte)
      && text.utf8[colon...].starts(with: "://".utf8)
  }

  /// The host part of `text`, as the SQL's `hostPattern` extracts it.
  static func host(of text: String) -> Substring {
    var s = Substring(text)
    // `scheme://`: a letter, then letters, digits, `+`, `.`, `-`.
    if isAbsoluteURL(text), let colon = s.utf8.firstIndex(of: UInt8(ascii: ":")) {
      s = Substring(s.utf8[s.utf8.index(colon, offsetBy: 3)...])
    }
    // `userinfo@`: only when `@` comes before any `/`, `?` or `#`.
    if let stop = s.utf8.firstIndex(where: { $0 == 0x40 || $0 == 0x2F || $0 == 0x3F || $0 == 0x23 }
    ), s.utf8[stop] == 0x40 {
      s = Substring(s.utf8[s.utf8.index(after: stop)...])
    }
    let end =
      s.utf8.firstIndex(where: { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 || $0 == 0x3A })
      ?? s.utf8.endIndex
    return Substring(s.utf8[s.utf8.startIndex..<end])
  }

  static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
  static func isUpper(_ c: UInt8) -> Bool { c &- 0x41 < 26 }
  static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
  static func isLabelByte(_ c: UInt8) -> Bool {
    isLetter(c) || isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
  }
  static func isSchemeByte(_ c: UInt8) -> Bool {
    isLetter(c) || isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
      || c == UInt8(ascii: "-")
  }

  /// Non-empty labels of label bytes, separated by single dots.
  static func isLabels(_ h: ArraySlice<UInt8>) -> Bool {
    var previousDot = true
    for c in h {
      if c == UInt8(ascii: ".") {
        if previousDot { return false }
        previousDot = true
      } else {
        guard isLabelByte(c) else { return false }
        previousDot = false
      }
    }
    return !previousDot
  }

  /// Whether `name` is listed: exactly, or under a `*.suffix` entry (which covers the suffix's
  /// subdomains, not the suffix itself). Entries are lower case, as names are.
  public static func matches(_ name: String, exact: Set<String>, suffixes: [String]) -> Bool {
    if exact.contains(name) { return true }
    return suffixes.contains { name.utf8.count > $0.utf8.count && name.hasSuffix("." + $0) }
  }
}
