/// One CommonSecurityLog row reduced to the fields a hunt reads.
///
/// A missing field, a JSON `null` and a value of the wrong type are all `nil`, as the notebook
/// method's contract says; only `time` is required, since a row without one is bad input.
public struct ConnectionRecord: Hashable, Sendable {
  public var time: Timestamp
  public var sourceIP: String?
  public var destinationIP: String?
  public var sourcePort: Int32?
  public var destinationPort: Int32?
  public var `protocol`: String?
  public var receivedBytes: Int64?
  public var sentBytes: Int64?
  public var deviceVendor: String?
  /// The destination's name as logged (TLS SNI, HTTP `Host`, a resolved name), and a proxy's or
  /// web filter's request target; `HostName.destination` turns them into the flow's name.
  public var destinationHostName: String?
  public var requestURL: String?

  /// A flow's destination: the name, else the address. After `PeriodicityPrepare`,
  /// `destinationHostName` holds `HostName`'s normalised name (the SQL's `DestinationKey`).
  public var destinationKey: String? { destinationHostName ?? destinationIP }

  public init(
    time: Timestamp, sourceIP: String? = nil, destinationIP: String? = nil,
    sourcePort: Int32? = nil,
    destinationPort: Int32? = nil, protocol: String? = nil, receivedBytes: Int64? = nil,
    sentBytes: Int64? = nil, deviceVendor: String? = nil, destinationHostName: String? = nil,
    requestURL: String? = nil
  ) {
    self.time = time
    self.sourceIP = sourceIP
    self.destinationIP = destinationIP
    self.sourcePort = sourcePort
    self.destinationPort = destinationPort
    self.protocol = `protocol`
    self.receivedBytes = receivedBytes
    self.sentBytes = sentBytes
    self.deviceVendor = deviceVendor
    self.destinationHostName = destinationHostName
    self.requestURL = requestURL
  }
}

/// Byte-wise (UTF-8) ordering of strings, which is how Spark orders strings.
///
/// Swift's own `<` on `String` compares by Unicode canonical equivalence, which differs from
/// Spark's binary order outside ASCII; every ordering decision in a method uses this instead.
@inlinable
public func utf8Less(_ a: String, _ b: String) -> Bool {
  utf8Compare(a, b) < 0
}

/// Three-way byte-wise (UTF-8) comparison: -1, 0 or 1.
@inlinable
public func utf8Compare(_ a: String, _ b: String) -> Int {
  var a = a
  var b = b
  return a.withUTF8 { x in
    b.withUTF8 { y in
      let n = min(x.count, y.count)
      for i in 0..<n where x[i] != y[i] { return x[i] < y[i] ? -1 : 1 }
      return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
    }
  }
}

/// Three-way comparison helpers for tie-break chains with "nulls first".
public enum Order {
  @inlinable
  public static func compare(_ a: String?, _ b: String?) -> Int {
    switch (a, b) {
    case (nil, nil): return 0
    case (nil, _): return -1
    case (_, nil): return 1
    case (let x?, let y?):
      return utf8Compare(x, y)
    }
  }

  @inlinable
  public static func compare<T: Comparable>(_ a: T?, _ b: T?) -> Int {
    switch (a, b) {
    case (nil, nil): return 0
    case (nil, _): return -1
    case (_, nil): return 1
    case (let x?, let y?): return x < y ? -1 : (x == y ? 0 : 1)
    }
  }
}

/// A string compared and hashed by its UTF-8 bytes, for grouping keys.
///
/// `String`'s own `==` and hash use Unicode canonical equivalence, so two different byte
/// sequences (`"é"` precomposed and decomposed) would share a group. Spark groups by bytes; so
/// must every engine, or the same hostile log line could group differently on each.
public struct ExactString: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
  public var string: String

  public init(_ string: String) { self.string = string }
  public init(stringLiteral value: String) { self.string = value }

  public static func == (a: ExactString, b: ExactString) -> Bool {
    utf8Compare(a.string, b.string) == 0
  }

  public func hash(into hasher: inout Hasher) {
    var s = string
    s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
  }

  public var description: String { string }
}
