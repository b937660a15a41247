import Foundation

/// Reads values from one section of a MaxMind DB (the data section, or the metadata), with every
/// offset and length checked against the section's end.
///
/// Invariants: `bytes` is the whole section, and pointers are offsets from its start. Nesting
/// (maps, arrays and pointers together) is bounded by `maxDepth`, so a cyclic pointer chain or a
/// hostile nesting ends in an error, never in a stack overflow or a hang. A map or array may not
/// claim more entries than bytes remain, so a corrupt count cannot force a huge allocation.
struct MMDBDecoder {
  let bytes: UnsafeRawBufferPointer
  /// What the errors call this section (`data section`, `metadata`).
  let section: String

  static let maxDepth = 512

  enum Kind: Int {
    case pointer = 1
    case string, double, bytes, uint16, uint32, map, int32, uint64, uint128, array,
      container, endMarker, boolean, float
  }

  func fail(_ message: String, at offset: Int) -> MMDBError {
    MMDBError("\(section) offset \(offset): \(message)")
  }

  /// The control byte at `o`: the type, the size (for pointers: the target), the payload start.
  func control(at o: Int) throws -> (kind: Kind, size: Int, payload: Int) {
    guard o >= 0, o < bytes.count else { throw fail("beyond the end of the section", at: o) }
    let c = Int(bytes[o])
    var p = o + 1
    var type = c >> 5
    if type == Kind.pointer.rawValue {
      let n = ((c >> 3) & 0x3) + 1
      guard p + n <= bytes.count else { throw fail("pointer runs past the end", at: o) }
      var v = n == 4 ? 0 : c & 0x7
      for k in 0..<n { v = v << 8 | Int(bytes[p + k]) }
      let bias = [0, 2048, 526_336, 0][n - 1]
      return (.pointer, v + bias, p + n)
    }
    if type == 0 {
      guard p < bytes.count else { throw fail("extended type runs past the end", at: o) }
      type = 7 + Int(bytes[p])
      p += 1
      guard type >= 8 else { throw fail("invalid extended type \(type)", at: o) }
    }
    guard let kind = Kind(rawValue: type) else { throw fail("unknown data type \(type)", at: o) }
    var size = c & 0x1F
    if size >= 29 {
      let n = size - 28
      guard p + n <= bytes.count else { throw fail("size runs past the end", at: o) }
      var v = 0
      for k in 0..<n { v = v << 8 | Int(bytes[p + k]) }
      size = [29, 285, 65_821][n - 1] + v
      p += n
    }
    return (kind, size, p)
  }

  /// Follows one pointer (a pointer to a pointer is invalid); returns where the value is and
  /// where reading continues.
  func resolve(_ o: Int) throws -> (value: Int, next: Int?) {
    let c = try control(at: o)
    guard c.kind == .pointer else { return (o, nil) }
    guard c.size < bytes.count else {
      throw fail("pointer to \(c.size) is outside the section", at: o)
    }
    if try control(at: c.size).kind == .pointer { throw fail("pointer to a pointer", at: o) }
    return (c.size, c.payload)
  }

  func payload(_ p: Int, _ size: Int, at o: Int) throws -> UnsafeRawBufferPointer {
    guard size <= bytes.count - p else { throw fail("\(size) bytes run past the end", at: o) }
    return UnsafeRawBufferPointer(rebasing: bytes[p..<(p + size)])
  }

  func unsigned(_ p: Int, _ size: Int, max: Int, at o: Int) throws -> UInt64 {
    guard size <= max else { throw fail("integer of \(size) bytes (at most \(max))", at: o) }
    var v: UInt64 = 0
    for b in try payload(p, size, at: o) { v = v << 8 | UInt64(b) }
    return v
  }

  /// Decodes the value at `o`; returns it and the offset after it.
  func decode(at o: Int, depth: Int = 0) throws -> (MMDBValue, Int) {
    guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)", at: o) }
    let c = try control(at: o)
    let p = c.payload
    switch c.kind {
    case .pointer:
      let (target, next) = try resolve(o)
      return (try decode(at: target, depth: depth + 1).0, next!)
    case .string:
      let raw = try payload(p, c.size, at: o)
      guard let s = String(validating: raw, as: UTF8.self) else {
        throw fail("string is not valid UTF-8", at: o)
      }
      return (.string(s), p + c.size)
    case .double:
      guard c.size == 8 else { throw fail("double of \(c.size) bytes (must be 8)", at: o) }
      return (.double(Double(bitPattern: try unsigned(p, 8, max: 8, at: o))), p + 8)
    case .float:
      guard c.size == 4 else { throw fail("float of \(c.size) bytes (must be 4)", at: o) }
      return (.float(Float(bitPattern: UInt32(try unsigned(p, 4, max: 4, at: o)))), p + 4)
    case .bytes:
      return (.bytes(Array(try payload(p, c.size, at: o))), p + c.size)
    case .uint16: return (.unsigned(try unsigned(p, c.size, max: 2, at: o)), p + c.size)
    case .uint32: return (.unsigned(try unsigned(p, c.size, max: 4, at: o)), p + c.size)
    case .uint64: return (.unsigned(try unsigned(p, c.size, max: 8, at: o)), p + c.size)
    case .int32:
      let v = try unsigned(p, c.size, max: 4, at: o)
      return (.int32(Int32(bitPattern: UInt32(v))), p + c.size)
    case .uint128:
      guard c.size <= 16 else { throw fail("uint128 of \(c.size) bytes", at: o) }
      let low = min(c.size, 8)
      let high = try unsigned(p, c.size - low, max: 8, at: o)
      return (
        .uint128(high: high, low: try unsigned(p + c.size - low, low, max: 8, at: o)), p + c.size
      )
    case .boolean:
      guard c.size <= 1 else { throw fail("boolean of size \(c.size)", at: o) }
      return (.bool(c.size == 1), p)
    case .map:
      guard c.size <= (bytes.count - p) / 2 else {
        throw fail("map of \(c.size) pairs runs past the end", at: o)
      }
      var pairs: [(String, MMDBValue)] = []
      pairs.reserveCapacity(c.size)
      var q = p
      for _ in 0..<c.size {
        let (key, afterKey) = try decode(at: q, depth: depth + 1)
        guard case .string(let k) = key else { throw fail("map key is not a string", at: q) }
        let (value, next) = try decode(at: afterKey, depth: depth + 1)
        pairs.append((k, value))
        q = next
      }
      return (.map(pairs), q)
    case .array:
      guard c.size <= bytes.count - p else {
        throw fail("array of \(c.size) entries runs past the end", at: o)
      }
      var items: [MMDBValue] = []
      items.reserveCapacity(c.size)
      var q = p
      for _ in 0..<c.size {
        let (v, next) = try decode(at: q, depth: depth + 1)
        items.append(v)
        q = next
      }
      return (.array(items), q)
    case .container, .endMarker:
      throw fail("data type \(c.kind.rawValue) is not allowed here", at: o)
    }
  }

  /// The offset after the value at `o`, without building it.
  func skip(at o: Int, depth: Int = 0) throws -> Int {
    guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)", at: o) }
    let c = try control(at: o)
    switch c.kind {
    case .pointer: return c.payload
    case .boolean: return c.payload
    case .map:
      guard c.size <= (bytes.count - c.payload) / 2 else {
        throw fail("map runs past the end", at: o)
      }
      var q = c.payload
      for _ in 0..<(2 * c.size) { q = try skip(at: q, depth: depth + 1) }
      return q
    case .array:
      guard c.size <= bytes.count - c.payload else { throw fail("array runs past the end", at: o) }
      var q = c.payload
      for _ in 0..<c.size { q = try skip(at: q, depth: depth + 1) }
      return q
    case .container, .endMarker:
      throw fail("data type \(c.kind.rawValue) is not allowed here", at: o)
    default:
      _ = try payload(c.payload, c.size, at: o)
      return c.payload + c.size
    }
  }

  /// Whether the string at `o` (possibly behind a pointer) has exactly the bytes of `key`.
  func keyEquals(at o: Int, _ key: String) throws -> Bool {
    let (at, _) = try resolve(o)
    let c = try control(at: at)
    guard c.kind == .string else { throw fail("map key is not a string", at: at) }
    let raw = try payload(c.payload, c.size, at: at)
    var key = key
    return key.withUTF8 {
      $0.count == raw.count && memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0
    }
  }

  /// The value at `path` below the value at `o`, decoding only what the path reaches.
  func value(at o: Int, path: ArraySlice<MMDBPathStep>, depth: Int = 0) throws -> MMDBValue? {
    guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)", at: o) }
    let (at, _) = try resolve(o)
    guard let step = path.first else { return try decode(at: at, depth: depth).0 }
    let c = try control(at: at)
    switch (c.kind, step) {
    case (.map, .key(let key)):
      guard c.size <= (bytes.count - c.payload) / 2 else {
        throw fail("map runs past the end", at: at)
      }
      var q = c.payload
      for _ in 0..<c.size {
        let matches = try keyEquals(at: q, key)
        q = try skip(at: q, depth: depth + 1)
        if matches { return try value(at: q, path: path.dropFirst(), depth: depth + 1) }
        q = try skip(at: q, depth: depth + 1)
      }
      return nil
    case (.array, .index(let index)):
      guard c.size <= bytes.count - c.payload else { throw fail("array runs past the end", at: at) }
      guard index >= 0, index < c.size else { return nil }
      var q = c.payload
      for _ in 0..<index { q = try skip(at: q, depth: depth + 1) }
      return try value(at: q, path: path.dropFirst(), depth: depth + 1)
    default:
      return nil
    }
  }
}

/// A MaxMind DB file that cannot be read, with where and why.
public struct MMDBError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}
