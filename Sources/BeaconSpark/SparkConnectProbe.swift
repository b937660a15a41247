#if canImport(Glibc)
  import Glibc
#endif

/// Checks, before any query, that a Spark Connect address speaks HTTP/2 at all: it connects, sends
/// the HTTP/2 client preface and an empty SETTINGS frame (RFC 9113, 3.4) and waits up to `seconds`
/// for the server's first frame, which a gRPC server sends at once (its SETTINGS). A port that
/// accepts connections and says nothing, or answers in another protocol, fails here in seconds;
/// how long Spark then takes to open a session is left to the query timeout.
///
/// TLS addresses are only connected to: their first bytes come after a handshake that the gRPC
/// transport does itself.
enum SparkConnectProbe {
  enum Outcome: Equatable {
    case speaksHTTP2
    case unreachable(String)
    case silent
    case otherProtocol
  }

  static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
  /// An empty SETTINGS frame: length 0, type 0x4, no flags, stream 0.
  static let settings: [UInt8] = [0, 0, 0, 0x4, 0, 0, 0, 0, 0]

  static func probe(host: String, port: Int, tls: Bool, seconds: Double) -> Outcome {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
      return .unreachable("cannot resolve \(host)")
    }
    defer { freeaddrinfo(list) }
    let deadline = now() + seconds
    var lastError = "connection refused"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let a = entry {
      defer { entry = a.pointee.ai_next }
      let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue), 0)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      if connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) != 0 {
        guard errno == EINPROGRESS, wait(fd, Int16(POLLOUT), until: deadline) else {
          lastError =
            errno == EINPROGRESS ? "no answer to connect" : String(cString: strerror(errno))
          continue
        }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
        guard failure == 0 else {
          lastError = String(cString: strerror(failure))
          continue
        }
      }
      if tls { return .speaksHTTP2 }
      let hello = preface + settings
      guard send(fd, hello, hello.count, Int32(MSG_NOSIGNAL)) == hello.count else {
        lastError = String(cString: strerror(errno))
        continue
      }
      var header = [UInt8](repeating: 0, count: 9)
      var got = 0
      while got < 9 {
        guard wait(fd, Int16(POLLIN), until: deadline) else { return .silent }
        let n = header.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, 9 - got, 0) }
        if n < 0, errno == EAGAIN || errno == EINTR { continue }
        guard n > 0 else { return got == 0 ? .silent : .otherProtocol }
        got += n
      }
      // The server's first frame: SETTINGS (type 0x4) on stream 0.
      return header[3] == 0x4 && header[5...8].allSatisfy { $0 == 0 }
        ? .speaksHTTP2 : .otherProtocol
    }
    return .unreachable(lastError)
  }

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// Waits for `events` on `fd` until `deadline`; false when it passed first.
  static func wait(_ fd: Int32, _ events: Int16, until deadline: Double) -> Bool {
    while true {
      let left = deadline - now()
      guard left > 0 else { return false }
      var p = pollfd(fd: fd, events: events, revents: 0)
      let r = poll(&p, 1, Int32(min(left * 1000, 60_000).rounded(.up)))
      if r > 0 { return true }
      if r < 0, errno == EINTR { continue }
      if r == 0, deadline - now() <= 0 { return false }
    }
  }
}
