import BeaconCore
import CZlib

/// Inflates a gzip stream (all members, as `gzip -d` does) block by block, so a file of any size
/// is read in bounded memory, and stops at the size limits so that a small file cannot make
/// gigabytes of work (a decompression bomb).
final class GzipInflater {
  // z_stream points back at itself inside zlib, so it lives at a fixed heap address.
  private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
  private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 20)
  private let inputCapacity = 1 << 20
  private let limits: InputLimits
  private var started = false
  private var finished = false
  private var memberBytes: Int64 = 0
  private var totalBytes: Int64 = 0

  init(limits: InputLimits) {
    self.limits = limits
    stream.initialize(to: z_stream())
  }

  deinit {
    if started { inflateEnd(stream) }
    stream.deinitialize(count: 1)
    stream.deallocate()
    input.deallocate()
  }

  /// Reads up to `count` inflated bytes into `out`, taking compressed bytes from `source`
  /// (0 at its end). Returns 0 at the end of the last member.
  func read(
    into out: UnsafeMutablePointer<UInt8>, count: Int,
    source: (UnsafeMutablePointer<UInt8>, Int) throws(ReadFailure) -> Int
  ) throws(ReadFailure) -> Int {
    if !started {
      started = true
      // 15 window bits + 16: expect a gzip header.
      guard inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
      else { throw ReadFailure(message: "zlib could not start") }
    }
    if finished { return 0 }
    stream.pointee.next_out = out
    stream.pointee.avail_out = uInt(min(count, Int(UInt32.max)))
    let asked = Int(stream.pointee.avail_out)
    while stream.pointee.avail_out > 0 {
      if stream.pointee.avail_in == 0 {
        let n = try source(input, inputCapacity)
        if n == 0 {
          // Input ended: cleanly between members, or in the middle of one.
          let produced = asked - Int(stream.pointee.avail_out)
          if produced > 0 { return try counted(produced) }
          if !midMember {
            finished = true
            return 0
          }
          throw ReadFailure(message: "compressed data ends early (truncated .gz)")
        }
        stream.pointee.next_in = input
        stream.pointee.avail_in = uInt(n)
      }
      midMember = true
      let status = inflate(stream, Z_NO_FLUSH)
      switch status {
      case Z_OK, Z_BUF_ERROR:
        continue
      case Z_STREAM_END:
        midMember = false
        let produced = asked - Int(stream.pointee.avail_out)
        let result = try counted(produced)
        memberBytes = 0
        inflateReset(stream)  // another gzip member may follow
        return result > 0 ? result : try read(into: out, count: count, source: source)
      default:
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
        throw ReadFailure(message: "corrupt gzip data: \(message)")
      }
    }
    return try counted(asked)
  }

  /// True between a member's first byte and its end.
  private var midMember = false

  private func counted(_ produced: Int) throws(ReadFailure) -> Int {
    memberBytes += Int64(produced)
    totalBytes += Int64(produced)
    if memberBytes > limits.maxMemberBytes {
      throw ReadFailure(
        message:
          "a gzip member inflates past the limit of \(InputLimits.text(limits.maxMemberBytes)) (a decompression bomb?): rest of the file skipped"
      )
    }
    if totalBytes > limits.maxDecompressedBytes {
      throw ReadFailure(
        message:
          "inflates past the limit of \(InputLimits.text(limits.maxDecompressedBytes)) (a decompression bomb?): rest of the file skipped"
      )
    }
    return produced
  }
}
