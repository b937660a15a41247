#if canImport(Glibc)
  import Glibc
#endif

/// A TCP port on 127.0.0.1 that accepts connections (the kernel completes them from the backlog)
/// and never says a word: what a client meets at a port that does not speak its protocol.
public final class SilentListener {
  public let port: UInt16
  private let fd: Int32

  public init() {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    listen(fd, 8)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    self.fd = fd
    port = UInt16(bigEndian: address.sin_port)
  }

  deinit { close(fd) }
}
