import BeaconCore

/// A Spark Connect endpoint as Spark's own clients spell it:
/// `sc://host[:port][/;param=value;…]` with `token`, `use_ssl`, `user_id`, `user_agent` and
/// `session_id` parameters (also read from the `SPARK_REMOTE` environment variable).
public struct SparkRemote: Sendable, Equatable, CustomStringConvertible {
  public static let defaultPort = 15002

  public var host: String
  public var port: Int
  public var useTLS: Bool
  public var token: String?
  public var userID: String
  public var userAgent: String
  /// A session to join; by default a new UUID per hunt.
  public var sessionID: String?

  public init(
    host: String, port: Int = SparkRemote.defaultPort, useTLS: Bool = false, token: String? = nil,
    userID: String = "beaconhunt"
  ) {
    self.host = host
    self.port = port
    self.useTLS = useTLS
    self.token = token
    self.userID = userID
    self.userAgent = "beaconhunt"
    self.sessionID = nil
  }

  /// Parses a connection string; errors name what is wrong.
  public init(parsing text: String) throws(SparkError) {
    guard text.hasPrefix("sc://") else {
      throw .badRemote(
        text: text, reason: "expected sc://HOST[:PORT][/;token=…;use_ssl=true;user_id=…]")
    }
    var rest = Substring(text.dropFirst(5))
    var params: Substring = ""
    if let slash = rest.firstIndex(of: "/") {
      params = rest[rest.index(after: slash)...]
      rest = rest[..<slash]
    }
    var host = String(rest)
    var port = Self.defaultPort
    if host.hasPrefix("[") {  // [::1]:15002
      guard let close = host.firstIndex(of: "]") else {
        throw .badRemote(text: text, reason: "unclosed IPv6 address")
      }
      let after = host[host.index(after: close)...]
      if after.hasPrefix(":") {
        guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
          throw .badRemote(text: text, reason: "bad port")
        }
        port = p
      } else if !after.isEmpty {
        throw .badRemote(text: text, reason: "unexpected text after the address")
      }
      host = String(host[host.index(after: host.startIndex)..<close])
    } else if let colon = host.lastIndex(of: ":") {
      guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
        throw .badRemote(text: text, reason: "bad port")
      }
      port = p
      host = String(host[..<colon])
    }
    guard !host.isEmpty else { throw .badRemote(text: text, reason: "no host") }
    self.init(host: host, port: port)
    for pair in params.split(separator: ";") where !pair.isEmpty {
      let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else {
        throw .badRemote(text: text, reason: "parameter \(pair) has no value")
      }
      let value = kv[1].removingPercentEncoding
      switch kv[0] {
      case "token":
        token = value
        useTLS = true  // as Spark's clients do: a bearer token is only sent over TLS
      case "use_ssl":
        guard value == "true" || value == "false" else {
          throw .badRemote(text: text, reason: "use_ssl is true or false")
        }
        useTLS = value == "true" || token != nil
      case "user_id": userID = value
      case "user_agent": userAgent = value
      case "session_id":
        guard UUIDText.isValid(value) else {
          throw .badRemote(text: text, reason: "session_id must be a UUID")
        }
        sessionID = value.lowercased()
      default: break  // other parameters are the cluster's business (e.g. grpc_max_message_size)
      }
    }
  }

  /// The endpoint without secrets, for messages.
  public var description: String {
    "sc://\(host.contains(":") ? "[\(host)]" : host):\(port)" + (useTLS ? " (TLS)" : "")
  }
}

extension String {
  /// `%XX` decoding of a connection-string parameter.
  fileprivate var removingPercentEncoding: String {
    var bytes: [UInt8] = []
    var it = Array(utf8)[...]
    while let b = it.popFirst() {
      if b == UInt8(ascii: "%"), it.count >= 2,
        let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16)
      {
        bytes.append(v)
        it = it.dropFirst(2)
      } else {
        bytes.append(b)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// UUID strings in the lower-case form Spark Connect expects.
enum UUIDText {
  static func make() -> String {
    var g = SystemRandomNumberGenerator()
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    bytes[6] = bytes[6] & 0x0F | 0x40
    bytes[8] = bytes[8] & 0x3F | 0x80
    let hex = bytes.map { b in
      String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16)
    }.joined()
    let h = Array(hex)
    return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-"
      + String(h[16..<20]) + "-" + String(h[20..<32])
  }

  static func isValid(_ s: String) -> Bool {
    let parts = s.split(separator: "-", omittingEmptySubsequences: false)
    return parts.map(\.count) == [8, 4, 4, 4, 12]
      && parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
  }
}
