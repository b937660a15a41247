import BeaconCore

#if canImport(Glibc)
  import Glibc
#endif

/// Extracts the hunt fields from one JSON-lines record without building the whole object.
///
/// Export records carry 50–150 fields, of which a hunt reads eleven, so the scanner walks the
/// object once, validating it as JSON (strings, escapes, numbers, literals, nesting) and keeping
/// only the byte ranges of the wanted top-level keys. Values are decoded only for those keys.
///
/// Invariants: every index stays within `0..<count`; recursion is bounded by `maxDepth`, so hostile
/// nesting fails cleanly instead of exhausting the stack.
struct JSONLineScanner {
  static let maxDepth = 512

  /// What a wanted key's value was.
  enum Kind: UInt8 { case absent, null, string, number, boolean, container }

  struct Slot {
    var kind: Kind = .absent
    var start = 0
    var end = 0
    var escaped = false
  }

  /// A JSON syntax error at a byte offset of the line.
  struct SyntaxError: Error {
    var offset: Int
    var message: String
  }

  /// Scans one line, or counts and locates it as skipped: every JSON-lines reader (the export,
  /// Zeek JSON) reports a line that does not parse the same way. False when skipped.
  mutating func scan(
    _ p: UnsafePointer<UInt8>, _ n: Int, line: Int, terminated: Bool, file: String,
    report: inout InputReport
  ) -> Bool {
    do {
      try scan(p, n)
      return true
    } catch {
      // A last line without its newline that does not parse was cut short, not malformed.
      let reason: SkipReason = terminated ? .notJSON : .truncated
      report.skip(
        reason,
        InputProblem(
          file: file, line: line,
          message: "\(reason.rawValue): \(error.message) at column \(error.offset + 1)"))
      return false
    }
  }

  /// The top-level keys to capture, as UTF-8; `slots` is indexed like it.
  let names: [[UInt8]]
  private let minLength: Int
  private let maxLength: Int
  /// The indices of `names` of each length, and each name's `head`.
  private let candidates: [[Int]]
  private let heads: [UInt64]
  var slots: [Slot]
  /// Scratch for decoding escaped strings.
  var scratch: [UInt8] = []

  /// The CommonSecurityLog fields, in `CSLField.allCases` order.
  static let cslNames: [[UInt8]] = CSLField.allCases.map { Array($0.rawValue.utf8) }

  init(names: [[UInt8]] = cslNames) {
    self.names = names
    minLength = names.map(\.count).min() ?? 0
    maxLength = names.map(\.count).max() ?? 0
    var byLength = [[Int]](repeating: [], count: maxLength + 1)
    for (k, n) in names.enumerated() { byLength[n.count].append(k) }
    candidates = byLength
    heads = names.map { n in n.withUnsafeBufferPointer { Self.head($0.baseAddress!, n.count) } }
    slots = [Slot](repeating: Slot(), count: names.count)
  }

  /// Scans one line (without its newline). On success, `slots` describes the wanted fields.
  mutating func scan(_ p: UnsafePointer<UInt8>, _ n: Int) throws(SyntaxError) {
    for k in slots.indices { slots[k] = Slot() }
    var i = skipWhitespace(p, 0, n)
    guard i < n, p[i] == UInt8(ascii: "{") else {
      throw SyntaxError(offset: i, message: i < n ? "expected '{'" : "empty record")
    }
    i += 1
    i = skipWhitespace(p, i, n)
    if i < n, p[i] == UInt8(ascii: "}") {
      i += 1
    } else {
      while true {
        guard i < n, p[i] == UInt8(ascii: "\"") else {
          throw SyntaxError(offset: i, message: "expected a key")
        }
        let keyStart = i + 1
        var escaped = false
        i = try scanString(p, keyStart, n, &escaped)
        let field = match(p, keyStart, i - 1, escaped)
        i = skipWhitespace(p, i, n)
        guard i < n, p[i] == UInt8(ascii: ":") else {
          throw SyntaxError(offset: i, message: "expected ':'")
        }
        i = skipWhitespace(p, i + 1, n)
        guard i < n else { throw SyntaxError(offset: i, message: "expected a value") }
        let valueStart = i
        let c = p[i]
        var slot = Slot()
        if c == UInt8(ascii: "\"") {
          var esc = false
          i = try scanString(p, i + 1, n, &esc)
          slot = Slot(kind: .string, start: valueStart + 1, end: i - 1, escaped: esc)
        } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
          i = try skipContainer(p, i, n, depth: 1)
          slot = Slot(kind: .container, start: valueStart, end: i, escaped: false)
        } else if c == UInt8(ascii: "t") || c == UInt8(ascii: "f") || c == UInt8(ascii: "n") {
          i = try scanLiteral(p, i, n)
          slot = Slot(
            kind: c == UInt8(ascii: "n") ? .null : .boolean, start: valueStart, end: i,
            escaped: false)
        } else {
          i = try scanNumber(p, i, n)
          slot = Slot(kind: .number, start: valueStart, end: i, escaped: false)
        }
        // Duplicate keys: the last one wins, as in Spark's JSON reader.
        if let field { slots[field] = slot }
        i = skipWhitespace(p, i, n)
        guard i < n else { throw SyntaxError(offset: i, message: "unterminated object") }
        if p[i] == UInt8(ascii: ",") {
          i = skipWhitespace(p, i + 1, n)
          continue
        }
        guard p[i] == UInt8(ascii: "}") else {
          throw SyntaxError(offset: i, message: "expected ',' or '}'")
        }
        i += 1
        break
      }
    }
    i = skipWhitespace(p, i, n)
    guard i == n else { throw SyntaxError(offset: i, message: "unexpected data after the record") }
  }

  @inline(__always)
  func skipWhitespace(_ p: UnsafePointer<UInt8>, _ i0: Int, _ n: Int) -> Int {
    var i = i0
    while i < n {
      let c = p[i]
      guard c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A else { break }
      i += 1
    }
    return i
  }

  /// Scans a string body starting after its opening quote; returns the index after the closing quote.
  @inline(__always)
  func scanString(_ p: UnsafePointer<UInt8>, _ i0: Int, _ n: Int, _ escaped: inout Bool)
    throws(SyntaxError) -> Int
  {
    var i = i0
    // Eight bytes at a time to the first byte that needs a look (a quote, a backslash or a
    // control character); most string bytes are none of these.
    let raw = UnsafeRawPointer(p)
    while true {
      while i + 8 <= n {
        let special = Self.specialBytes(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        if special != 0 {
          i += special.trailingZeroBitCount >> 3
          break
        }
        i += 8
      }
      guard i < n else { break }
      let c = p[i]
      if c == 0x22 { return i + 1 }
      if c == 0x5C {
        escaped = true
        guard i + 1 < n else { break }
        switch p[i + 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
        case 0x75:
          guard i + 6 <= n, isHex(p[i + 2]), isHex(p[i + 3]), isHex(p[i + 4]), isHex(p[i + 5])
          else {
            throw SyntaxError(offset: i, message: "bad \\u escape")
          }
          i += 6
        default: throw SyntaxError(offset: i, message: "bad escape")
        }
      } else if c < 0x20 {
        throw SyntaxError(offset: i, message: "control character in a string")
      } else {
        i += 1
      }
    }
    throw SyntaxError(offset: n, message: "unterminated string")
  }

  /// The high bit set in each byte of `x` (read little-endian) that is `"`, `\` or below 0x20,
  /// exactly for the lowest such byte (the bits above it may be spurious, which is why only
  /// `trailingZeroBitCount` is read).
  @inline(__always)
  static func specialBytes(_ x: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    let q = x ^ (ones &* 0x22)
    let b = x ^ (ones &* 0x5C)
    let zeroQ = (q &- ones) & ~q
    let zeroB = (b &- ones) & ~b
    let control = (x &- ones &* 0x20) & ~x
    return (zeroQ | zeroB | control) & high
  }

  @inline(__always)
  func isHex(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66)
  }

  func scanLiteral(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) throws(SyntaxError) -> Int {
    for word in ["true", "false", "null"] {
      let w = Array(word.utf8)
      if i + w.count <= n, (0..<w.count).allSatisfy({ p[i + $0] == w[$0] }) { return i + w.count }
    }
    throw SyntaxError(offset: i, message: "unexpected character")
  }

  /// Scans a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
  func scanNumber(_ p: UnsafePointer<UInt8>, _ i0: Int, _ n: Int) throws(SyntaxError) -> Int {
    var i = i0
    @inline(__always) func isDigit(_ k: Int) -> Bool { k < n && p[k] &- 0x30 < 10 }
    if i < n, p[i] == UInt8(ascii: "-") { i += 1 }
    guard isDigit(i) else { throw SyntaxError(offset: i0, message: "unexpected character") }
    if p[i] == UInt8(ascii: "0") {
      i += 1
    } else {
      while isDigit(i) { i += 1 }
    }
    if i < n, p[i] == UInt8(ascii: ".") {
      i += 1
      guard isDigit(i) else { throw SyntaxError(offset: i, message: "bad number") }
      while isDigit(i) { i += 1 }
    }
    if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
      i += 1
      if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
      guard isDigit(i) else { throw SyntaxError(offset: i, message: "bad number") }
      while isDigit(i) { i += 1 }
    }
    return i
  }

  /// Skips an object or array (validating it); returns the index after its closing bracket.
  func skipContainer(_ p: UnsafePointer<UInt8>, _ i0: Int, _ n: Int, depth: Int) throws(SyntaxError)
    -> Int
  {
    guard depth <= Self.maxDepth else { throw SyntaxError(offset: i0, message: "nesting too deep") }
    let isObject = p[i0] == UInt8(ascii: "{")
    let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
    var i = skipWhitespace(p, i0 + 1, n)
    if i < n, p[i] == close { return i + 1 }
    while true {
      if isObject {
        guard i < n, p[i] == 0x22 else { throw SyntaxError(offset: i, message: "expected a key") }
        var esc = false
        i = try scanString(p, i + 1, n, &esc)
        i = skipWhitespace(p, i, n)
        guard i < n, p[i] == UInt8(ascii: ":") else {
          throw SyntaxError(offset: i, message: "expected ':'")
        }
        i = skipWhitespace(p, i + 1, n)
      }
      guard i < n else { throw SyntaxError(offset: i, message: "expected a value") }
      switch p[i] {
      case 0x22:
        var esc = false
        i = try scanString(p, i + 1, n, &esc)
      case UInt8(ascii: "{"), UInt8(ascii: "["): i = try skipContainer(p, i, n, depth: depth + 1)
      case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): i = try scanLiteral(p, i, n)
      default: i = try scanNumber(p, i, n)
      }
      i = skipWhitespace(p, i, n)
      guard i < n else {
        throw SyntaxError(offset: i, message: "unterminated \(isObject ? "object" : "array")")
      }
      if p[i] == UInt8(ascii: ",") {
        i = skipWhitespace(p, i + 1, n)
        continue
      }
      guard p[i] == close else {
        throw SyntaxError(
          offset: i, message: "expected ',' or '\(Character(UnicodeScalar(close)))'")
      }
      return i + 1
    }
  }

  /// The wanted field a key names, if any (exact, case-sensitive match).
  @inline(__always)
  mutating func match(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ escaped: Bool) -> Int?
  {
    let len = end - start
    // Most keys are rejected on length alone (the CSL names are 8 to 19 bytes long).
    guard len >= minLength, len <= maxLength || escaped else { return nil }
    if escaped {
      decode(p, start, end)
      return scratch.withUnsafeBufferPointer { b in
        names.firstIndex { $0.count == b.count && $0.elementsEqual(b) }
      }
    }
    // Candidates of this length, told apart by their first eight bytes, then the rest.
    let head = Self.head(p + start, len)
    for k in candidates[len] where heads[k] == head {
      if len <= 8 { return k }
      let ok = names[k].withUnsafeBufferPointer { name in
        memcmp(name.baseAddress! + 8, p + start + 8, len - 8) == 0
      }
      if ok { return k }
    }
    return nil
  }

  /// Up to the first eight bytes of a key, as one integer (zero-padded).
  @inline(__always)
  static func head(_ p: UnsafePointer<UInt8>, _ len: Int) -> UInt64 {
    if len >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) }
    var v: UInt64 = 0
    for j in 0..<len { v |= UInt64(p[j]) << (8 * UInt64(j)) }
    return v
  }

  /// Decodes a string body with escapes into `scratch` as UTF-8. Lone surrogates become U+FFFD.
  mutating func decode(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
    scratch.removeAll(keepingCapacity: true)
    var i = start
    func hex4(_ k: Int) -> UInt32 {
      var v: UInt32 = 0
      for j in k..<(k + 4) {
        let c = p[j]
        let d: UInt8 = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10
        v = v << 4 | UInt32(d)
      }
      return v
    }
    while i < end {
      let c = p[i]
      guard c == 0x5C else {
        scratch.append(c)
        i += 1
        continue
      }
      let e = p[i + 1]
      i += 2
      switch e {
      case 0x62: scratch.append(0x08)
      case 0x66: scratch.append(0x0C)
      case 0x6E: scratch.append(0x0A)
      case 0x72: scratch.append(0x0D)
      case 0x74: scratch.append(0x09)
      case 0x75:
        var scalar = hex4(i)
        i += 4
        if scalar >= 0xD800, scalar <= 0xDBFF {
          if i + 6 <= end, p[i] == 0x5C, p[i + 1] == 0x75 {
            let low = hex4(i + 2)
            if low >= 0xDC00, low <= 0xDFFF {
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
              i += 6
            } else {
              scalar = 0xFFFD
            }
          } else {
            scalar = 0xFFFD
          }
        } else if scalar >= 0xDC00, scalar <= 0xDFFF {
          scalar = 0xFFFD
        }
        appendUTF8(scalar)
      default: scratch.append(e)  // \" \\ \/
      }
    }
  }

  mutating func appendUTF8(_ v: UInt32) {
    switch v {
    case 0..<0x80: scratch.append(UInt8(v))
    case 0x80..<0x800:
      scratch.append(UInt8(0xC0 | v >> 6))
      scratch.append(UInt8(0x80 | v & 0x3F))
    case 0x800..<0x10000:
      scratch.append(UInt8(0xE0 | v >> 12))
      scratch.append(UInt8(0x80 | v >> 6 & 0x3F))
      scratch.append(UInt8(0x80 | v & 0x3F))
    default:
      scratch.append(UInt8(0xF0 | v >> 18))
      scratch.append(UInt8(0x80 | v >> 12 & 0x3F))
      scratch.append(UInt8(0x80 | v >> 6 & 0x3F))
      scratch.append(UInt8(0x80 | v & 0x3F))
    }
  }
}
