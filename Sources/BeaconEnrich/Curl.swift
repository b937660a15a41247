import CCurl

#if canImport(Glibc)
  import Glibc
#endif

/// The part of libcurl's easy API that RDAP uses, loaded at run time from `libcurl.so.4` (the
/// library Foundation's networking already needs), so building needs no curl headers and a
/// machine without libcurl fails only `--rdap`, with a clear message.
///
/// Constants are libcurl's ABI (`curl/curl.h`, stable since 7.x): option and info numbers are
/// a type base plus an index.
struct Curl: @unchecked Sendable {
  // @unchecked: function pointers into a library that stays loaded; the handles they make are
  // used by one thread at a time.
  typealias Handle = UnsafeMutableRawPointer

  enum Option: Int32 {
    case writeData = 10_001  // CURLOPTTYPE_CBPOINT + 1
    case url = 10_002  // CURLOPTTYPE_STRINGPOINT + 2
    case writeFunction = 20_011  // CURLOPTTYPE_FUNCTIONPOINT + 11
    case userAgent = 10_018
    case httpHeader = 10_023  // CURLOPTTYPE_SLISTPOINT + 23
    case followLocation = 52  // CURLOPTTYPE_LONG + 52
    case noSignal = 99
    case timeoutMS = 155
    case connectTimeoutMS = 156
    case protocolsString = 10_318
  }

  enum Info: Int32 {
    case responseCode = 0x20_0002  // CURLINFO_LONG + 2
    case redirectURL = 0x10_001F  // CURLINFO_STRING + 31
  }

  /// CURLcode values BeaconHunt words itself.
  enum Code {
    static let ok: Int32 = 0
    static let couldNotResolveHost: Int32 = 6
    static let couldNotConnect: Int32 = 7
    static let operationTimedOut: Int32 = 28
    static let sslConnectError: Int32 = 35
    static let sslCertificateProblem: Int32 = 58
    static let peerFailedVerification: Int32 = 60
  }

  typealias WriteCallback =
    @convention(c) (
      UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?
    ) -> Int

  let easyInit: @convention(c) () -> Handle?
  let easyCleanup: @convention(c) (Handle?) -> Void
  let easyPerform: @convention(c) (Handle?) -> Int32
  let easyStrerror: @convention(c) (Int32) -> UnsafePointer<CChar>?
  let slistAppend:
    @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> UnsafeMutableRawPointer?
  let slistFreeAll: @convention(c) (UnsafeMutableRawPointer?) -> Void
  private let setopt: UnsafeMutableRawPointer
  private let getinfo: UnsafeMutableRawPointer

  /// libcurl, loaded and initialised once; nil when the machine has none.
  static let shared: Curl? = load()

  private static func load() -> Curl? {
    for name in ["libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"] {
      guard let lib = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
      func symbol(_ s: String) -> UnsafeMutableRawPointer? { dlsym(lib, s) }
      guard let i = symbol("curl_easy_init"), let c = symbol("curl_easy_cleanup"),
        let p = symbol("curl_easy_perform"), let e = symbol("curl_easy_strerror"),
        let a = symbol("curl_slist_append"), let f = symbol("curl_slist_free_all"),
        let so = symbol("curl_easy_setopt"), let gi = symbol("curl_easy_getinfo"),
        let g = symbol("curl_global_init")
      else { continue }
      let globalInit = unsafeBitCast(g, to: (@convention(c) (Int) -> Int32).self)
      guard globalInit(3) == Code.ok else { return nil }  // CURL_GLOBAL_DEFAULT
      return Curl(
        easyInit: unsafeBitCast(i, to: (@convention(c) () -> Handle?).self),
        easyCleanup: unsafeBitCast(c, to: (@convention(c) (Handle?) -> Void).self),
        easyPerform: unsafeBitCast(p, to: (@convention(c) (Handle?) -> Int32).self),
        easyStrerror: unsafeBitCast(
          e, to: (@convention(c) (Int32) -> UnsafePointer<CChar>?).self),
        slistAppend: unsafeBitCast(
          a,
          to: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?)
            -> UnsafeMutableRawPointer?).self),
        slistFreeAll: unsafeBitCast(
          f, to: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
        setopt: so, getinfo: gi)
    }
    return nil
  }

  @discardableResult
  func set(_ h: Handle, _ o: Option, _ v: Int) -> Int32 {
    bh_curl_call_long(setopt, h, o.rawValue, v)
  }

  @discardableResult
  func set(_ h: Handle, _ o: Option, _ v: UnsafeRawPointer?) -> Int32 {
    bh_curl_call_pointer(setopt, h, o.rawValue, v)
  }

  @discardableResult
  func set(_ h: Handle, _ o: Option, _ v: String) -> Int32 {
    v.withCString { bh_curl_call_pointer(setopt, h, o.rawValue, $0) }
  }

  @discardableResult
  func set(_ h: Handle, _ o: Option, _ callback: WriteCallback) -> Int32 {
    bh_curl_call_pointer(setopt, h, o.rawValue, unsafeBitCast(callback, to: UnsafeRawPointer.self))
  }

  func long(_ h: Handle, _ i: Info) -> Int {
    var v = 0
    _ = withUnsafeMutablePointer(to: &v) { bh_curl_call_pointer(getinfo, h, i.rawValue, $0) }
    return v
  }

  func string(_ h: Handle, _ i: Info) -> String? {
    var p: UnsafePointer<CChar>? = nil
    _ = withUnsafeMutablePointer(to: &p) { bh_curl_call_pointer(getinfo, h, i.rawValue, $0) }
    return p.map { String(cString: $0) }
  }
}
