import BeaconNet
import Foundation

/// A MaxMind DB file (GeoIP2/GeoLite2 City, Country and ASN, DB-IP Lite: all the same format),
/// memory-mapped and read in place.
///
/// Opening checks the metadata and that the search tree and data section fit the file; every read
/// after that is bounds-checked, so a corrupt or hostile file gives an `MMDBError`, never a crash,
/// a hang or a read past the end. A lookup walks the tree without allocating; only the values a
/// caller asks for are decoded.
public final class MaxMindDB: @unchecked Sendable {
  // @unchecked: every stored property is immutable after init, and the mapping is read-only and
  // unmapped only in deinit, so sharing across threads is safe.
  public let path: String
  public let metadata: Metadata
  private let mapping: UnsafeRawBufferPointer
  private let tree: UnsafeRawBufferPointer
  private let data: MMDBDecoder
  private let nodeCount: Int
  private let recordSize: Int
  /// Where IPv4 lookups start in an IPv6 tree (the node after 96 zero bits), and at which depth.
  private let ipv4Start: (node: Int, depth: Int)

  /// The metadata every database carries.
  public struct Metadata: Sendable {
    public var databaseType: String
    public var ipVersion: Int
    public var recordSize: Int
    public var nodeCount: Int
    public var buildEpoch: UInt64
    public var languages: [String]
    public var description: [String: String]
    public var formatVersion: (major: UInt64, minor: UInt64)
  }

  static let marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)

  public init(path: String) throws {
    self.path = path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw MMDBError("\(path): cannot open (\(String(cString: strerror(errno))))")
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw MMDBError("\(path): cannot stat") }
    let size = Int(st.st_size)
    guard size > Self.marker.count else { throw MMDBError("\(path): too small to be a MaxMind DB") }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw MMDBError("\(path): cannot map the file")
    }
    let all = UnsafeRawBufferPointer(start: base, count: size)
    do {
      // The metadata follows the last marker, within the last 128 KiB.
      let floor = max(0, size - 128 * 1024)
      var markerAt: Int? = nil
      var k = size - Self.marker.count
      while k >= floor {
        if all[k] == 0xAB, Self.marker.indices.allSatisfy({ all[k + $0] == Self.marker[$0] }) {
          markerAt = k
          break
        }
        k -= 1
      }
      guard let markerAt else { throw MMDBError("\(path): no MaxMind DB metadata marker") }
      let metaBytes = UnsafeRawBufferPointer(rebasing: all[(markerAt + Self.marker.count)...])
      let meta = try Self.readMetadata(MMDBDecoder(bytes: metaBytes, section: "\(path): metadata"))
      let treeSize = meta.nodeCount * meta.recordSize / 4
      guard treeSize + 16 <= markerAt else {
        throw MMDBError(
          "\(path): the search tree (\(meta.nodeCount) nodes of \(meta.recordSize)-bit records) is larger than the file"
        )
      }
      metadata = meta
      nodeCount = meta.nodeCount
      recordSize = meta.recordSize
      tree = UnsafeRawBufferPointer(rebasing: all[0..<treeSize])
      data = MMDBDecoder(
        bytes: UnsafeRawBufferPointer(rebasing: all[(treeSize + 16)..<markerAt]),
        section: "\(path): data section")
      mapping = all
      var node = 0
      var depth = 0
      if meta.ipVersion == 6 {
        while depth < 96, node < meta.nodeCount {
          node = Self.record(tree, node, 0, recordSize: meta.recordSize)
          depth += 1
        }
      }
      ipv4Start = (node, depth)
    } catch {
      munmap(base, size)
      throw error
    }
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress!), mapping.count) }

  static func readMetadata(_ d: MMDBDecoder) throws -> Metadata {
    let (value, _) = try d.decode(at: 0)
    guard case .map = value else { throw MMDBError("\(d.section): not a map") }
    func uint(_ key: String) throws -> UInt64 {
      guard case .unsigned(let v)? = value[key] else {
        throw MMDBError("\(d.section): \(key) is missing or not an unsigned integer")
      }
      return v
    }
    let major = try uint("binary_format_major_version")
    guard major == 2 else { throw MMDBError("\(d.section): format version \(major) (expected 2)") }
    let recordSize = try uint("record_size")
    guard [24, 28, 32].contains(recordSize) else {
      throw MMDBError("\(d.section): record size \(recordSize) (expected 24, 28 or 32)")
    }
    let ipVersion = try uint("ip_version")
    guard ipVersion == 4 || ipVersion == 6 else {
      throw MMDBError("\(d.section): IP version \(ipVersion)")
    }
    let nodes = try uint("node_count")
    guard nodes < 1 << 32 else { throw MMDBError("\(d.section): node count \(nodes)") }
    var description: [String: String] = [:]
    if case .map(let pairs)? = value["description"] {
      for (k, v) in pairs { if let s = v.string { description[k] = s } }
    }
    var languages: [String] = []
    if case .array(let items)? = value["languages"] { languages = items.compactMap(\.string) }
    return Metadata(
      databaseType: value["database_type"]?.string ?? "", ipVersion: Int(ipVersion),
      recordSize: Int(recordSize), nodeCount: Int(nodes),
      buildEpoch: (try? uint("build_epoch")) ?? 0, languages: languages, description: description,
      formatVersion: (major, (try? uint("binary_format_minor_version")) ?? 0))
  }

  /// The left (0) or right (1) record of `node`; the caller keeps `node < nodeCount`, and the
  /// tree was checked to hold `nodeCount` nodes.
  @inline(__always)
  static func record(_ t: UnsafeRawBufferPointer, _ node: Int, _ bit: Int, recordSize: Int) -> Int {
    func b(_ i: Int) -> Int { Int(t[i]) }
    switch recordSize {
    case 24:
      let o = node * 6 + bit * 3
      return b(o) << 16 | b(o + 1) << 8 | b(o + 2)
    case 28:
      let o = node * 7
      return bit == 0
        ? (b(o + 3) & 0xF0) << 20 | b(o) << 16 | b(o + 1) << 8 | b(o + 2)
        : (b(o + 3) & 0x0F) << 24 | b(o + 4) << 16 | b(o + 5) << 8 | b(o + 6)
    default:
      let o = node * 8 + bit * 4
      return b(o) << 24 | b(o + 1) << 16 | b(o + 2) << 8 | b(o + 3)
    }
  }

  /// Where the record for `address` is (an offset into the data section) and the prefix length of
  /// its network (IPv4 lengths for IPv4 addresses); nil when the database has no record for it.
  public func lookup(_ address: IPAddress) throws -> (offset: Int, prefixLength: Int)? {
    var node: Int
    var bit: Int
    let v4 = address.isIPv4
    if v4 {
      (node, bit) = metadata.ipVersion == 4 ? (0, 96) : ipv4Start
    } else {
      guard metadata.ipVersion == 6 else { return nil }
      (node, bit) = (0, 0)
    }
    while node < nodeCount, bit < 128 {
      let word = bit < 64 ? address.high : address.low
      let b = Int(truncatingIfNeeded: (word >> UInt64(63 - bit % 64)) & 1)
      node = Self.record(tree, node, b, recordSize: recordSize)
      bit += 1
    }
    let prefix = v4 ? max(0, bit - 96) : bit
    if node == nodeCount { return nil }
    guard node > nodeCount else {
      throw MMDBError("\(path): the search tree is deeper than 128 bits")
    }
    let offset = node - nodeCount - 16
    guard offset >= 0, offset < data.bytes.count else {
      throw MMDBError("\(path): search tree record \(node) points outside the data section")
    }
    return (offset, prefix)
  }

  /// Walks the whole search tree and decodes every data record it reaches, as `mmdblookup
  /// --verify` does: the check for a file from an untrusted source. Returns the number of
  /// networks. Each node is visited once (the IPv4-mapped aliases of an IPv6 tree share nodes),
  /// so a corrupt tree cannot make the walk exponential.
  public func verify() throws -> Int {
    var visited = Set<Int>()
    var decoded = Set<Int>()
    var networks = 0
    var stack: [(node: Int, depth: Int)] = [(0, 0)]
    while let (node, depth) = stack.popLast() {
      guard visited.insert(node).inserted else { continue }
      for bit in 0..<2 {
        let r = Self.record(tree, node, bit, recordSize: recordSize)
        if r < nodeCount {
          guard depth + 1 < (metadata.ipVersion == 4 ? 32 : 128) else {
            throw MMDBError("\(path): the search tree is deeper than the address size")
          }
          stack.append((r, depth + 1))
        } else if r > nodeCount {
          let offset = r - nodeCount - 16
          guard offset >= 0, offset < data.bytes.count else {
            throw MMDBError("\(path): search tree record \(r) points outside the data section")
          }
          networks += 1
          if decoded.insert(offset).inserted { _ = try data.decode(at: offset) }
        }
      }
    }
    // The format's writer emits no orphans: unreachable nodes mean a corrupt node count or tree.
    guard visited.count == nodeCount else {
      throw MMDBError(
        "\(path): \(nodeCount - visited.count) of \(nodeCount) search tree nodes are unreachable (corrupt tree or node count)"
      )
    }
    return networks
  }

  /// The whole record at a data-section offset.
  public func record(at offset: Int) throws -> MMDBValue { try data.decode(at: offset).0 }

  /// The value at `path` in the record at `offset`, decoding nothing else.
  public func value(at offset: Int, _ path: [MMDBPathStep]) throws -> MMDBValue? {
    try data.value(at: offset, path: path[...])
  }
}
