/// A bounds-checked reader of FlatBuffers tables, enough for Arrow's IPC metadata.
///
/// Every read checks its offset against the buffer, so a truncated or hostile message gives an
/// `ArrowError` instead of reading past the end.
struct FlatBuffer {
  let bytes: [UInt8]

  func u8(_ at: Int) throws(ArrowError) -> UInt8 {
    guard at >= 0, at < bytes.count else { throw .malformed("flatbuffer read out of bounds") }
    return bytes[at]
  }

  func u16(_ at: Int) throws(ArrowError) -> UInt16 {
    UInt16(try u8(at)) | UInt16(try u8(at + 1)) << 8
  }

  func u32(_ at: Int) throws(ArrowError) -> UInt32 {
    var v: UInt32 = 0
    for k in 0..<4 { v |= UInt32(try u8(at + k)) << (8 * k) }
    return v
  }

  func i32(_ at: Int) throws(ArrowError) -> Int32 { Int32(bitPattern: try u32(at)) }

  func i64(_ at: Int) throws(ArrowError) -> Int64 {
    var v: UInt64 = 0
    for k in 0..<8 { v |= UInt64(try u8(at + k)) << (8 * k) }
    return Int64(bitPattern: v)
  }

  /// The root table's position.
  func root() throws(ArrowError) -> Table {
    Table(fb: self, position: Int(try u32(0)))
  }

  struct Table {
    let fb: FlatBuffer
    let position: Int

    /// The absolute position of field `index`'s value, or nil when absent.
    func field(_ index: Int) throws(ArrowError) -> Int? {
      let vtable = position - Int(try fb.i32(position))
      let vtableSize = Int(try fb.u16(vtable))
      let slot = 4 + 2 * index
      guard slot + 2 <= vtableSize else { return nil }
      let offset = Int(try fb.u16(vtable + slot))
      return offset == 0 ? nil : position + offset
    }

    func int16(_ index: Int, default d: Int16 = 0) throws(ArrowError) -> Int16 {
      guard let p = try field(index) else { return d }
      return Int16(bitPattern: try fb.u16(p))
    }

    func uint8(_ index: Int, default d: UInt8 = 0) throws(ArrowError) -> UInt8 {
      guard let p = try field(index) else { return d }
      return try fb.u8(p)
    }

    func bool(_ index: Int) throws(ArrowError) -> Bool { try uint8(index) != 0 }

    func int32(_ index: Int, default d: Int32 = 0) throws(ArrowError) -> Int32 {
      guard let p = try field(index) else { return d }
      return try fb.i32(p)
    }

    func int64(_ index: Int, default d: Int64 = 0) throws(ArrowError) -> Int64 {
      guard let p = try field(index) else { return d }
      return try fb.i64(p)
    }

    /// Follows a reference field (table, vector or string) to its target.
    func indirect(_ index: Int) throws(ArrowError) -> Int? {
      guard let p = try field(index) else { return nil }
      return p + Int(try fb.u32(p))
    }

    func table(_ index: Int) throws(ArrowError) -> Table? {
      try indirect(index).map { Table(fb: fb, position: $0) }
    }

    func string(_ index: Int) throws(ArrowError) -> String? {
      guard let p = try indirect(index) else { return nil }
      let n = Int(try fb.u32(p))
      guard n >= 0, p + 4 + n <= fb.bytes.count else { throw .malformed("string out of bounds") }
      return String(decoding: fb.bytes[(p + 4)..<(p + 4 + n)], as: UTF8.self)
    }

    /// A vector's element count and the position of its first element.
    func vector(_ index: Int) throws(ArrowError) -> (count: Int, start: Int)? {
      guard let p = try indirect(index) else { return nil }
      let n = Int(try fb.u32(p))
      guard n <= fb.bytes.count else { throw .malformed("vector length out of bounds") }
      return (n, p + 4)
    }

    /// The tables of a vector of tables.
    func tables(_ index: Int) throws(ArrowError) -> [Table] {
      guard let (n, start) = try vector(index) else { return [] }
      var out: [Table] = []
      for k in 0..<n {
        let p = start + 4 * k
        out.append(Table(fb: fb, position: p + Int(try fb.u32(p))))
      }
      return out
    }
  }
}
