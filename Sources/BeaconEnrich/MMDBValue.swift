/// A value of a MaxMind DB data section (the format's ten data types, decoded).
public enum MMDBValue: Sendable, Equatable {
  case string(String)
  case double(Double)
  case float(Float)
  case bytes([UInt8])
  /// uint16, uint32 and uint64.
  case unsigned(UInt64)
  /// uint128, as its high and low 64 bits.
  case uint128(high: UInt64, low: UInt64)
  case int32(Int32)
  case bool(Bool)
  /// Pairs in file order (keys are unique in valid databases).
  case map([(String, MMDBValue)])
  case array([MMDBValue])

  public static func == (a: MMDBValue, b: MMDBValue) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): x == y
    case (.double(let x), .double(let y)): x == y
    case (.float(let x), .float(let y)): x == y
    case (.bytes(let x), .bytes(let y)): x == y
    case (.unsigned(let x), .unsigned(let y)): x == y
    case (.uint128(let h1, let l1), .uint128(let h2, let l2)): h1 == h2 && l1 == l2
    case (.int32(let x), .int32(let y)): x == y
    case (.bool(let x), .bool(let y)): x == y
    case (.map(let x), .map(let y)):
      x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    case (.array(let x), .array(let y)): x == y
    default: false
    }
  }

  /// The value under `key`, for maps.
  public subscript(key: String) -> MMDBValue? {
    guard case .map(let pairs) = self else { return nil }
    return pairs.first { $0.0 == key }?.1
  }

  public var string: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// Unsigned and signed integers as `Int64` (nil when out of range).
  public var integer: Int64? {
    switch self {
    case .unsigned(let v): return v <= UInt64(Int64.max) ? Int64(v) : nil
    case .int32(let v): return Int64(v)
    default: return nil
    }
  }

  /// Doubles and floats as `Double`.
  public var number: Double? {
    switch self {
    case .double(let v): return v
    case .float(let v): return Double(v)
    default: return nil
    }
  }
}

/// One step of a path into a record: a map key or an array index.
public enum MMDBPathStep: Sendable, Hashable, ExpressibleByStringLiteral,
  ExpressibleByIntegerLiteral
{
  case key(String)
  case index(Int)

  public init(stringLiteral value: String) { self = .key(value) }
  public init(integerLiteral value: Int) { self = .index(value) }
}
