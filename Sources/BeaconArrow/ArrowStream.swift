/// Errors from decoding an Arrow IPC stream.
public enum ArrowError: Error, CustomStringConvertible, Equatable {
  case malformed(String)
  case unsupported(String)

  public var description: String {
    switch self {
    case .malformed(let m): "malformed Arrow data: \(m)"
    case .unsupported(let m): "unsupported Arrow data: \(m)"
    }
  }
}

/// An Arrow value, as the columns BeaconHunt reads need them.
public enum ArrowValue: Equatable, Sendable {
  case null
  case int(Int64)
  case double(Double)
  case string(String)
  case bool(Bool)
  case list([ArrowValue])
}

/// The logical type of a column.
public indirect enum ArrowType: Equatable, Sendable {
  case null
  case int(bitWidth: Int, signed: Bool)
  case floatingPoint(precision: Int)  // 0 half, 1 single, 2 double
  case utf8
  case largeUtf8
  case bool
  case list(ArrowField)
  case largeList(ArrowField)
}

public struct ArrowField: Equatable, Sendable {
  public var name: String
  public var nullable: Bool
  public var type: ArrowType
}

/// A decoded table: the schema and the rows of every record batch, in order.
public struct ArrowTable: Equatable, Sendable {
  public var fields: [ArrowField] = []
  /// Row-major values, one array per row in field order.
  public var rows: [[ArrowValue]] = []

  public init() {}
}

/// Decodes Arrow IPC **streams** (as Spark Connect's `ArrowBatch.data` carries them): a schema
/// message, then record batches; dictionary and compressed batches are refused with a clear error.
///
/// Supported column types are those a hunt's results use: null, signed and unsigned integers,
/// float and double, UTF-8 and large UTF-8 strings, booleans, and (large) lists of those.
public struct ArrowStreamDecoder {
  public private(set) var table = ArrowTable()
  private var haveSchema = false

  public init() {}

  /// Decodes one stream (one `ArrowBatch.data`); a stream may repeat the schema of earlier ones.
  public mutating func decode(_ data: [UInt8]) throws(ArrowError) {
    var at = 0
    while at < data.count {
      guard at + 4 <= data.count else { throw .malformed("truncated message length") }
      var length = Int(Int32(bitPattern: le32(data, at)))
      at += 4
      if length == -1 {  // continuation marker, then the real length
        guard at + 4 <= data.count else { throw .malformed("truncated message length") }
        length = Int(Int32(bitPattern: le32(data, at)))
        at += 4
      }
      if length == 0 { return }  // end of stream
      guard length > 0, at + length <= data.count else {
        throw .malformed("message length \(length) out of bounds")
      }
      let fb = FlatBuffer(bytes: Array(data[at..<(at + length)]))
      at += length
      let message = try fb.root()
      let headerType = try message.uint8(1)
      let bodyLength = Int(try message.int64(3))
      // Compared by subtraction: a hostile length near Int.max must not overflow.
      guard bodyLength >= 0, bodyLength <= data.count - at else {
        throw .malformed("body length out of bounds")
      }
      let body = Array(data[at..<(at + bodyLength)])
      at += bodyLength
      guard let header = try message.table(2) else { throw .malformed("message without header") }
      switch headerType {
      case 1:
        let fields = try header.tables(1).map { (t: FlatBuffer.Table) throws(ArrowError) in
          try Self.field(t)
        }
        if haveSchema, fields != table.fields {
          throw .malformed("schema changed within the result")
        }
        table.fields = fields
        haveSchema = true
      case 3:
        guard haveSchema else { throw .malformed("record batch before schema") }
        try readBatch(header, body: body)
      case 2: throw .unsupported("dictionary-encoded columns")
      default: throw .unsupported("message type \(headerType)")
      }
    }
  }

  static func field(_ t: FlatBuffer.Table) throws(ArrowError) -> ArrowField {
    let name = try t.string(0) ?? ""
    let nullable = try t.bool(1)
    let typeType = try t.uint8(2)
    let typeTable = try t.table(3)
    if try t.table(4) != nil { throw .unsupported("dictionary-encoded column \(name)") }
    let children = try t.tables(5)
    let type: ArrowType
    switch typeType {
    case 1: type = .null
    case 2:
      guard let tt = typeTable else { throw .malformed("Int without parameters") }
      type = .int(bitWidth: Int(try tt.int32(0)), signed: try tt.bool(1))
    case 3: type = .floatingPoint(precision: Int(try typeTable?.int16(0) ?? 0))
    case 5: type = .utf8
    case 20: type = .largeUtf8
    case 6: type = .bool
    case 12, 21:
      guard children.count == 1 else { throw .malformed("list \(name) without one child") }
      let child = try field(children[0])
      type = typeType == 12 ? .list(child) : .largeList(child)
    default: throw .unsupported("column \(name) of Arrow type \(typeType)")
    }
    return ArrowField(name: name, nullable: nullable, type: type)
  }

  private struct BatchCursor {
    var nodes: [(length: Int, nulls: Int)]
    var buffers: [(offset: Int, length: Int)]
    var node = 0
    var buffer = 0
    let body: [UInt8]

    mutating func nextNode() throws(ArrowError) -> (length: Int, nulls: Int) {
      guard node < nodes.count else { throw .malformed("too few field nodes") }
      defer { node += 1 }
      return nodes[node]
    }

    mutating func nextBuffer() throws(ArrowError) -> ArraySlice<UInt8> {
      guard buffer < buffers.count else { throw .malformed("too few buffers") }
      let b = buffers[buffer]
      buffer += 1
      guard b.offset >= 0, b.length >= 0, b.offset <= body.count, b.length <= body.count - b.offset
      else {
        throw .malformed("buffer out of bounds")
      }
      return body[b.offset..<(b.offset + b.length)]
    }
  }

  /// Rows a single record batch may claim: far above what Spark sends (thousands), low enough
  /// that a corrupt length cannot make the decoder allocate without bound.
  public static let maxBatchRows = 1 << 24

  private mutating func readBatch(_ batch: FlatBuffer.Table, body: [UInt8]) throws(ArrowError) {
    let length = Int(try batch.int64(0))
    guard length >= 0, length <= Self.maxBatchRows else {
      throw .malformed("record batch length \(length)")
    }
    if try batch.table(3) != nil { throw .unsupported("compressed record batches") }
    var nodes: [(Int, Int)] = []
    if let (n, start) = try batch.vector(1) {
      for k in 0..<n {
        nodes.append(
          (Int(try batch.fb.i64(start + 16 * k)), Int(try batch.fb.i64(start + 16 * k + 8))))
      }
    }
    var buffers: [(Int, Int)] = []
    if let (n, start) = try batch.vector(2) {
      for k in 0..<n {
        buffers.append(
          (Int(try batch.fb.i64(start + 16 * k)), Int(try batch.fb.i64(start + 16 * k + 8))))
      }
    }
    var cursor = BatchCursor(nodes: nodes, buffers: buffers, body: body)
    var columns: [[ArrowValue]] = []
    for f in table.fields {
      // Every top-level column has the batch's length; checking it first bounds every allocation.
      guard cursor.node < cursor.nodes.count, cursor.nodes[cursor.node].length == length else {
        throw .malformed("column \(f.name) length differs from the batch")
      }
      columns.append(try Self.column(f.type, &cursor))
    }
    guard columns.allSatisfy({ $0.count == length }) else {
      throw .malformed("column lengths differ from the batch")
    }
    for r in 0..<length { table.rows.append(columns.map { $0[r] }) }
  }

  private static func column(_ type: ArrowType, _ c: inout BatchCursor) throws(ArrowError)
    -> [ArrowValue]
  {
    let node = try c.nextNode()
    let n = node.length
    guard n >= 0, n <= maxBatchRows * 16 else { throw .malformed("column length \(n)") }
    if case .null = type {
      guard n <= maxBatchRows else { throw .malformed("null column length \(n)") }
      return Array(repeating: .null, count: n)
    }
    let validity = try c.nextBuffer()
    guard node.nulls == 0 || validity.count * 8 >= n else {
      throw .malformed("validity bitmap too short")
    }
    func isValid(_ i: Int) -> Bool {
      if node.nulls == 0 || validity.isEmpty { return true }
      let byte = validity.startIndex + i / 8
      return byte < validity.endIndex && validity[byte] & (1 << UInt8(i % 8)) != 0
    }
    // Reserve only once the buffers are known to hold `n` values (each case checks its sizes).
    var out: [ArrowValue] = []
    switch type {
    case .null: break
    case .int(let bits, let signed):
      let values = try c.nextBuffer()
      let width = bits / 8
      guard [1, 2, 4, 8].contains(width), values.count >= n * width else {
        throw .malformed("int buffer too short")
      }
      for i in 0..<n {
        guard isValid(i) else {
          out.append(.null)
          continue
        }
        var v: UInt64 = 0
        for k in 0..<width { v |= UInt64(values[values.startIndex + i * width + k]) << (8 * k) }
        if signed, width < 8, v & (1 << (UInt64(bits) - 1)) != 0 { v |= ~0 << UInt64(bits) }
        out.append(.int(Int64(bitPattern: v)))
      }
    case .floatingPoint(let precision):
      let values = try c.nextBuffer()
      let width = precision == 2 ? 8 : precision == 1 ? 4 : 2
      guard precision > 0, values.count >= n * width else {
        throw .malformed("float buffer too short or half precision")
      }
      for i in 0..<n {
        guard isValid(i) else {
          out.append(.null)
          continue
        }
        var v: UInt64 = 0
        for k in 0..<width { v |= UInt64(values[values.startIndex + i * width + k]) << (8 * k) }
        out.append(
          .double(width == 8 ? Double(bitPattern: v) : Double(Float(bitPattern: UInt32(v)))))
      }
    case .bool:
      let values = try c.nextBuffer()
      guard values.count * 8 >= n else { throw .malformed("bool buffer too short") }
      for i in 0..<n {
        out.append(
          isValid(i) ? .bool(values[values.startIndex + i / 8] & (1 << UInt8(i % 8)) != 0) : .null)
      }
    case .utf8, .largeUtf8:
      let wide = type == .largeUtf8
      let offsets = try c.nextBuffer()
      let data = try c.nextBuffer()
      let offs = try readOffsets(offsets, count: n + 1, wide: wide)
      out.reserveCapacity(n)
      for i in 0..<n {
        guard isValid(i) else {
          out.append(.null)
          continue
        }
        let (a, b) = (offs[i], offs[i + 1])
        guard a >= 0, a <= b, b <= data.count else {
          throw .malformed("string offsets out of bounds")
        }
        out.append(
          .string(
            String(decoding: data[(data.startIndex + a)..<(data.startIndex + b)], as: UTF8.self)))
      }
    case .list(let child), .largeList(let child):
      let wide: Bool
      if case .largeList = type { wide = true } else { wide = false }
      let offsets = try c.nextBuffer()
      let offs = try readOffsets(offsets, count: n + 1, wide: wide)
      // The child holds exactly the values the last offset points past.
      guard let last = offs.last, last >= 0, c.node < c.nodes.count, c.nodes[c.node].length == last
      else {
        throw .malformed("list child length differs from its offsets")
      }
      let values = try column(child.type, &c)
      out.reserveCapacity(n)
      for i in 0..<n {
        guard isValid(i) else {
          out.append(.null)
          continue
        }
        let (a, b) = (offs[i], offs[i + 1])
        guard a >= 0, a <= b, b <= values.count else {
          throw .malformed("list offsets out of bounds")
        }
        out.append(.list(Array(values[a..<b])))
      }
    }
    return out
  }

  private static func readOffsets(_ b: ArraySlice<UInt8>, count: Int, wide: Bool) throws(ArrowError)
    -> [Int]
  {
    let width = wide ? 8 : 4
    if count == 1, b.isEmpty { return [0] }
    guard count > 0, b.count / width >= count else { throw .malformed("offsets buffer too short") }
    var out: [Int] = []
    out.reserveCapacity(count)
    for i in 0..<count {
      var v: UInt64 = 0
      for k in 0..<width { v |= UInt64(b[b.startIndex + i * width + k]) << (8 * k) }
      out.append(wide ? Int(Int64(bitPattern: v)) : Int(Int32(bitPattern: UInt32(v))))
    }
    return out
  }
}

@inline(__always)
private func le32(_ d: [UInt8], _ at: Int) -> UInt32 {
  UInt32(d[at]) | UInt32(d[at + 1]) << 8 | UInt32(d[at + 2]) << 16 | UInt32(d[at + 3]) << 24
}
