import BeaconCore
import BeaconNet

/// The names Zeek's `http.log`, `ssl.log` and `dns.log` give connections, joined to `conn.log`.
///
/// Rules (the README's "Host names" section says the same):
/// - By `uid`: an HTTP `CONNECT` target (`host:port`) or an absolute request URI is the
///   request target (the proxy is a hop, and `CONNECT`'s port is the destination port); TLS
///   `server_name` (SNI), else the HTTP `Host` header, is the destination's name. The first
///   value of each kind in input order wins.
/// - By DNS, for a connection no uid names: the name that the same source last resolved to the
///   destination address, at or before the connection and within the answer's TTL (held at least
///   `dnsMinHold` and at most `dnsMaxHold` seconds, as resolvers and clients keep answers).
/// - The table holds at most `InputLimits.maxJoinNames` entries; the rest are counted
///   (`NameJoinReport.overflow`), and the connections they would name keep their address.
struct ZeekNames: Sendable {
  enum Kind: String, Sendable, CaseIterable {
    case http, ssl, dns
  }

  struct Entry: Sendable {
    var request: String?
    var connectPort: Int32?
    var serverName: String?
    var hostHeader: String?
  }

  struct AnswerKey: Hashable, Sendable {
    var source: ExactString
    var address: ExactString
  }

  struct Answer: Sendable {
    var ticks: Int64
    var until: Int64
    var name: String
  }

  static let dnsMinHold = 300.0
  static let dnsMaxHold = 86_400.0

  var byUID: [ExactString: Entry] = [:]
  var answers: [AnswerKey: [Answer]] = [:]
  var entries = 0
  var overflow = 0
  let cap: Int

  init(cap: Int) { self.cap = cap }

  /// Adds what one http or ssl line says about its connection.
  mutating func add(uid: String, _ update: (inout Entry) -> Void) {
    let key = ExactString(uid)
    if var e = byUID[key] {
      update(&e)
      byUID[key] = e
      return
    }
    guard entries < cap else {
      overflow += 1
      return
    }
    var e = Entry()
    update(&e)
    byUID[key] = e
    entries += 1
  }

  /// Adds one DNS answer (an address) for `source`.
  mutating func addAnswer(source: String, address: String, ticks: Int64, ttl: Double?, name: String)
  {
    guard entries < cap else {
      overflow += 1
      return
    }
    let hold = min(Self.dnsMaxHold, max(Self.dnsMinHold, ttl ?? 0))
    let until = ticks &+ Int64(hold * Double(Timestamp.ticksPerSecond))
    answers[AnswerKey(source: ExactString(source), address: ExactString(address)), default: []]
      .append(Answer(ticks: ticks, until: until, name: name))
    entries += 1
  }

  /// Appends a later file's table: earlier values win, and the cap holds over the whole load.
  mutating func append(_ other: ZeekNames) {
    overflow += other.overflow
    for (uid, e) in other.byUID {
      if var mine = byUID[uid] {
        mine.request = mine.request ?? e.request
        mine.connectPort = mine.connectPort ?? e.connectPort
        mine.serverName = mine.serverName ?? e.serverName
        mine.hostHeader = mine.hostHeader ?? e.hostHeader
        byUID[uid] = mine
      } else if entries < cap {
        byUID[uid] = e
        entries += 1
      } else {
        overflow += 1
      }
    }
    for (key, list) in other.answers {
      let room = max(0, cap - entries)
      answers[key, default: []] += list.prefix(room)
      entries += min(room, list.count)
      overflow += list.count - min(room, list.count)
    }
  }

  /// An address in a DNS answer (the others are names: CNAMEs, PTR targets), by the parser the
  /// hunt validates every address with.
  static func isAddress(_ s: String) -> Bool { IPAddress(s) != nil }

  /// `host:port` of a CONNECT target: the port, when it is one.
  static func connectPort(_ target: String) -> Int32? {
    guard let colon = target.utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
    let digits = target.utf8[target.utf8.index(after: colon)...]
    guard (1...5).contains(digits.count), digits.allSatisfy({ $0 &- 0x30 < 10 }),
      let v = Int32(String(decoding: digits, as: UTF8.self)), v <= 65535
    else { return nil }
    return v
  }
}

/// The finished table, read by every conn-log parser at once.
final class ZeekJoin: Sendable {
  let byUID: [ExactString: ZeekNames.Entry]
  /// Sorted by time within each key.
  let answers: [ZeekNames.AnswerKey: [ZeekNames.Answer]]

  init(_ names: ZeekNames) {
    byUID = names.byUID
    answers = names.answers.mapValues { list in
      list.enumerated().sorted {
        ($0.element.ticks, $0.offset) < ($1.element.ticks, $1.offset)
      }.map(\.element)
    }
  }

  /// Names `r` (its uid `uid`) and says where the name came from; nil when nothing names it.
  func name(_ r: inout ConnectionRecord, uid: String?) -> ZeekNames.Kind? {
    if let uid, let e = byUID[ExactString(uid)] {
      if let request = e.request {
        r.requestURL = request
        if let port = e.connectPort { r.destinationPort = port }
      }
      r.destinationHostName = e.serverName ?? e.hostHeader
      if e.request != nil || (e.serverName == nil && e.hostHeader != nil) { return .http }
      if e.serverName != nil { return .ssl }
    }
    guard let src = r.sourceIP, let dst = r.destinationIP,
      let list = answers[
        ZeekNames.AnswerKey(source: ExactString(src), address: ExactString(dst))]
    else { return nil }
    let t = r.time.ticks
    // The last answer at or before the connection.
    var lo = 0
    var hi = list.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if list[mid].ticks <= t { lo = mid + 1 } else { hi = mid }
    }
    guard lo > 0, t <= list[lo - 1].until else { return nil }
    r.destinationHostName = list[lo - 1].name
    return .dns
  }
}
