import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// One line handed to a reader's parser.
enum InputLine {
  /// The line's bytes (without its newline, or a CR before it) and whether a newline ended it.
  case text(UnsafePointer<UInt8>, Int, terminated: Bool)
  /// A line longer than the limit: passed over without being held, `bytes` long.
  case tooLong(bytes: Int, terminated: Bool)
}

/// Why reading a file stopped early: what was read before it still counts.
struct ReadFailure: Error {
  var message: String
}

/// Cuts a stream of bytes into lines with memory bounded by the line limit.
///
/// Every reader (export JSON, Zeek, CSV, CEF) walks its bytes through this one loop, so line
/// numbering, CRLF and CR-only files, a leading UTF-8 BOM and over-long lines are handled the same
/// way for all of them.
///
/// Invariants: unread bytes are `buffer[lo..<hi]`, `hi <= capacity`, and the buffer never grows
/// past `maxLine` plus one read block: a longer line is counted and passed over as it streams by.
struct LineReader: ~Copyable {
  static let block = 1 << 20

  let maxLine: Int
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var lo = 0
  private var hi = 0
  private var eof = false
  private var started = false
  /// The input offset of `buffer[0]`, for segment ends.
  private var bufferOffset: Int
  /// CR ends lines (old Mac files); nil: decided from the first block.
  private var crOnly: Bool?

  init(maxLine: Int, startOffset: Int = 0, crOnly: Bool? = nil) {
    self.maxLine = max(1, maxLine)
    capacity = Self.block * 2
    buffer = .allocate(capacity: capacity)
    bufferOffset = startOffset
    self.crOnly = crOnly
  }

  deinit { buffer.deallocate() }

  /// Fills the first block (if nothing was read yet) and returns the bytes available, for format
  /// detection. A leading UTF-8 BOM is passed over when `atFileStart`.
  mutating func prime(
    atFileStart: Bool, _ read: (UnsafeMutablePointer<UInt8>, Int) throws(ReadFailure) -> Int
  )
    throws(ReadFailure) -> UnsafeBufferPointer<UInt8>
  {
    if !started {
      started = true
      // Fill at least a few KB so a short first read from a pipe still shows a whole first line.
      while hi < 64 << 10, !eof {
        let n = try read(buffer + hi, min(capacity - hi, Self.block))
        if n == 0 { eof = true } else { take(n) }
      }
      if atFileStart, hi - lo >= 3, buffer[lo] == 0xEF, buffer[lo + 1] == 0xBB,
        buffer[lo + 2] == 0xBF
      {
        lo += 3
      }
    }
    return UnsafeBufferPointer(start: buffer + lo, count: hi - lo)
  }

  /// Counts new bytes at `buffer[hi..<hi+n]`, deciding (once) and applying the CR-only rule.
  private mutating func take(_ n: Int) {
    if crOnly == nil {
      let hasLF = memchr(buffer + hi, 0x0A, n) != nil
      crOnly = !hasLF && memchr(buffer + hi, 0x0D, n) != nil
    }
    if crOnly == true {
      for k in hi..<(hi + n) where buffer[k] == 0x0D { buffer[k] = 0x0A }
    }
    hi += n
  }

  /// Calls `body` for each line that starts before `end` (an input offset; nil: to the end), reading
  /// more with `read` (0 at the end of input). With `skipPartial`, the bytes up to the first
  /// newline belong to an earlier segment and are passed over. `body` returns false to stop.
  mutating func forEachLine(
    end: Int? = nil, skipPartial: Bool = false, atFileStart: Bool,
    _ read: (UnsafeMutablePointer<UInt8>, Int) throws(ReadFailure) -> Int,
    _ body: (InputLine) -> Bool
  ) throws(ReadFailure) {
    _ = try prime(atFileStart: atFileStart, read)
    var skipping = skipPartial
    var discarding = false
    var discarded = 0
    while true {
      while lo < hi {
        if !skipping, !discarding, let end, bufferOffset + lo >= end { return }
        guard let nl = memchr(buffer + lo, 0x0A, hi - lo) else { break }
        let e = UnsafeMutablePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - buffer
        defer { lo = e + 1 }
        if skipping {
          skipping = false
          continue
        }
        if discarding {
          discarding = false
          if !body(.tooLong(bytes: discarded + e - lo, terminated: true)) {
            lo = e + 1
            return
          }
          continue
        }
        var n = e - lo
        if n > 0, buffer[lo + n - 1] == 0x0D { n -= 1 }
        let line: InputLine =
          n > maxLine
          ? .tooLong(bytes: n, terminated: true) : .text(buffer + lo, n, terminated: true)
        if !body(line) {
          lo = e + 1
          return
        }
      }
      if eof {
        let n = hi - lo
        if n > 0, !skipping {
          if discarding {
            _ = body(.tooLong(bytes: discarded + n, terminated: false))
          } else if let end, bufferOffset + lo >= end {
            return
          } else if n > maxLine {
            _ = body(.tooLong(bytes: n, terminated: false))
          } else {
            _ = body(.text(buffer + lo, n, terminated: false))
          }
        }
        lo = hi
        return
      }
      // A partial line is left: keep it (up to the limit) and read more.
      let partial = hi - lo
      if skipping || discarding || partial > maxLine {
        if !skipping, !discarding {
          if let end, bufferOffset + lo >= end { return }
          discarding = true
          discarded = 0
        }
        if discarding { discarded += partial }
        bufferOffset += hi
        lo = 0
        hi = 0
      } else {
        if lo > 0 {
          memmove(buffer, buffer + lo, partial)
          bufferOffset += lo
          lo = 0
          hi = partial
        }
        if capacity - hi < Self.block {
          let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
          grown.update(from: buffer, count: hi)
          buffer.deallocate()
          buffer = grown
          capacity *= 2
        }
      }
      let n = try read(buffer + hi, min(capacity - hi, Self.block))
      if n == 0 { eof = true } else { take(n) }
    }
  }
}
