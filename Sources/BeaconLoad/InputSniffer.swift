import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// Detects a file's log format from its first non-blank line.
enum InputSniffer {
  static func detect<C: Collection>(_ head: C) -> InputFormat where C.Element == UInt8 {
    var bytes = Array(head)
    while let f = bytes.first, f == 0x20 || f == 0x09 || f == 0x0A || f == 0x0D {
      bytes.removeFirst()
    }
    let firstLine = bytes.prefix { $0 != 0x0A }
    let text = String(decoding: firstLine, as: UTF8.self)
    // Zeek TSV starts with its header; a file cut before it starts with an epoch and tabs.
    if text.hasPrefix("#separator") || text.hasPrefix("#fields") { return .zeek }
    // Byte searches: a head is read for every file, and Foundation's `contains` is slow.
    let line = Array(firstLine)
    if line.contains(bytes: "CEF:") && line.contains(UInt8(ascii: "|")) { return .cef }
    if text.hasPrefix("{") {
      return line.contains(bytes: "\"id.orig_h\"") || line.contains(bytes: "\"id.resp_h\"")
        ? .zeek : .csl
    }
    // CSV: a header row naming a time column among its comma-separated fields.
    let csvNames = Set(text.split(separator: ",").map { $0.trimmingCharacters() })
    if csvNames.count >= 3, !csvNames.isDisjoint(with: CSVConnParser.keys[0].defaults) {
      return .csv
    }
    let tabs = firstLine.filter { $0 == 0x09 }.count
    if tabs >= 6, let first = text.split(separator: "\t").first, Double(first) != nil {
      return .zeek
    }
    return .csl
  }
}

extension Substring {
  fileprivate func trimmingCharacters() -> String {
    var s = self
    while let f = s.first, f == " " || f == "\"" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\"" || l == "\r" { s.removeLast() }
    return String(s)
  }
}

extension [UInt8] {
  /// Whether `needle`'s UTF-8 bytes occur in these bytes.
  fileprivate func contains(bytes needle: String) -> Bool {
    let n = Array(needle.utf8)
    guard n.count <= count else { return false }
    return withUnsafeBufferPointer { b in
      var i = 0
      while i + n.count <= b.count {
        guard let hit = memchr(b.baseAddress! + i, Int32(n[0]), b.count - n.count + 1 - i) else {
          return false
        }
        let at = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - b.baseAddress!
        if b[at..<(at + n.count)].elementsEqual(n) { return true }
        i = at + 1
      }
      return false
    }
  }
}
