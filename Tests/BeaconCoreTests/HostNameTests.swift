import BeaconCore
import Testing

/// `HostName`: what each field form yields, hostile text included. `SparkHostNameTests` holds
/// the SQL form to the same answers.
@Suite struct HostNameTests {
  static let cases: [(String, HostName.Parsed?)] = [
    ("www.Example.COM", .name("www.example.com")),
    ("example.com.", .name("example.com")),
    ("https://c2.example.net/api/v2?id=1", .name("c2.example.net")),
    ("HTTP://user:pw@Proxy-Target.example.org:8080/x", .name("proxy-target.example.org")),
    ("www.honestimnotevil.com:443", .name("www.honestimnotevil.com")),
    ("_dmarc.example.com", .name("_dmarc.example.com")),
    ("localhost", .name("localhost")),
    ("203.0.113.7", .address),
    ("203.0.113.7:443", .address),
    ("http://198.51.100.2/x", .address),
    ("[2001:db8::1]:443", .address),
    ("999.1", .address),
    ("", nil),
    (".", nil),
    ("http://", nil),
    ("/relative/path", nil),
    ("a..b", .invalid),
    (".leading.dot", .invalid),
    ("bad name.com", .invalid),
    ("evil\u{1B}[31m.com", .invalid),
    ("new\nline.com", .invalid),
    ("caf\u{E9}.example", .invalid),
    ("\u{212A}ey.example", .invalid),  // the Kelvin sign lower-cases to "k" in Unicode
    ("'; DROP TABLE x; --", .invalid),
    ("a@b@c.com", .invalid),
    (String(repeating: "a", count: 254), .invalid),
    (String(repeating: "a", count: 253), .name(String(repeating: "a", count: 253))),
  ]

  @Test func fieldsParseAsDocumented() {
    for (text, expected) in Self.cases {
      #expect(HostName.parse(text) == expected, "\(text.debugDescription)")
    }
  }

  @Test func theRequestComesFirstAndMakesTheConnectionProxied() {
    let proxied = HostName.destination(
      requestURL: "c2.example.net:443", hostName: "front.cdn.example")
    #expect(proxied == .init(name: "c2.example.net", proxied: true, invalid: false))
    let sni = HostName.destination(requestURL: nil, hostName: "Front.CDN.example")
    #expect(sni == .init(name: "front.cdn.example", proxied: false, invalid: false))
    // An unusable request falls back to the host name, and counts as invalid only with no name.
    let fallback = HostName.destination(requestURL: "bad name", hostName: "ok.example")
    #expect(fallback == .init(name: "ok.example", proxied: false, invalid: false))
    let none = HostName.destination(requestURL: "bad name", hostName: "198.51.100.1")
    #expect(none == .init(name: nil, proxied: false, invalid: true))
    #expect(
      HostName.destination(requestURL: nil, hostName: nil)
        == .init(name: nil, proxied: false, invalid: false))
  }

  @Test func suffixEntriesCoverSubdomainsOnly() {
    let exact: Set<String> = ["updates.example.com"]
    let suffixes = ["cdn.example"]
    #expect(HostName.matches("updates.example.com", exact: exact, suffixes: suffixes))
    #expect(HostName.matches("a.b.cdn.example", exact: exact, suffixes: suffixes))
    #expect(!HostName.matches("cdn.example", exact: exact, suffixes: suffixes))
    #expect(!HostName.matches("evilcdn.example", exact: exact, suffixes: suffixes))
    #expect(!HostName.matches("x.updates.example.com", exact: exact, suffixes: suffixes))
  }
}
