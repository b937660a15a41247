/// Size limits on what one input may make the hunter hold or do, so that a hostile file (a
/// multi-gigabyte line, a decompression bomb) is counted and passed over in bounded memory.
public struct InputLimits: Sendable, Equatable {
  /// A longer line is skipped and counted (`SkipReason.tooLong`). Export records are 1–2 KB.
  public var maxLineBytes: Int = InputLimits.defaultMaxLineBytes
  /// One gzip member may inflate to this much; past it the rest of the file is skipped.
  public var maxMemberBytes: Int64 = InputLimits.defaultMaxMemberBytes
  /// One compressed file may inflate to this much in all; past it the rest is skipped.
  public var maxDecompressedBytes: Int64 = InputLimits.defaultMaxDecompressedBytes

  /// Zeek's http, ssl and dns logs are joined to conn logs through a table of at most this many
  /// entries (connection ids and DNS answers, about 150 bytes each); the rest are counted.
  public var maxJoinNames: Int = InputLimits.defaultMaxJoinNames

  public static let defaultMaxLineBytes = 4 << 20
  public static let defaultMaxJoinNames = 1_000_000
  public static let defaultMaxMemberBytes: Int64 = 4 << 30
  public static let defaultMaxDecompressedBytes: Int64 = 16 << 30

  public init() {}

  /// A byte count as the options write it: `4M`, `16G`, `512K`, or bytes.
  public static func text(_ bytes: Int64) -> String {
    for (suffix, shift) in [("G", 30), ("M", 20), ("K", 10)] as [(String, Int64)]
    where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
      return "\(bytes >> shift) \(suffix)iB"
    }
    return "\(bytes) bytes"
  }

  /// Parses `4M`, `16G`, `512K`, `1024` (binary multiples); nil unless a whole number of bytes
  /// from 1 to 2^62.
  public static func parseSize(_ text: String) -> Int64? {
    var digits = Substring(text)
    var shift: Int64 = 0
    switch digits.last?.uppercased() {
    case "K": shift = 10
    case "M": shift = 20
    case "G": shift = 30
    case "T": shift = 40
    default: break
    }
    if shift > 0 { digits = digits.dropLast() }
    if digits.last?.uppercased() == "I" { return nil }
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
      let v = Int64(digits), v > 0, v <= (Int64(1) << 62) >> shift
    else { return nil }
    return v << shift
  }
}
