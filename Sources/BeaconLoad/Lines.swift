#if canImport(Glibc)
  import Glibc
#endif

/// Calls `body` for each line that starts in `[start, end)` of `base[0..<total]` (a line that
/// starts before `end` is read to its newline even past it), with the line's bytes (without the
/// newline, or a CR before it) and whether a newline ended it. `body` returns false to stop.
///
/// Every reader (export JSON, Zeek, CSV, CEF) walks its bytes through this one loop, so line
/// numbering and CRLF handling are the same for all of them.
@inline(__always)
func forEachLine(
  _ base: UnsafePointer<UInt8>, total: Int, start: Int = 0, end: Int? = nil,
  _ body: (_ line: UnsafePointer<UInt8>, _ count: Int, _ terminated: Bool) -> Bool
) {
  let end = end ?? total
  var lineStart = start
  while lineStart < end {
    var lineEnd = total
    // memchr is vectorised; lines are ~1 KB, so this is where most bytes are passed over.
    if let nl = memchr(base + lineStart, 0x0A, total - lineStart) {
      lineEnd = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
    }
    var n = lineEnd - lineStart
    if n > 0, base[lineStart + n - 1] == 0x0D { n -= 1 }  // CRLF files
    guard body(base + lineStart, n, lineEnd < total) else { return }
    lineStart = lineEnd + 1
  }
}
