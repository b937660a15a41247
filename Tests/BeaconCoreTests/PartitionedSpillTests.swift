import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

/// The hunt's overflow to disk: rows come back by partition in the order they went in, and the
/// file never has a name anyone could find, copy or leave behind.
@Suite struct PartitionedSpillTests {
  struct Row: Equatable, BitwiseCopyable {
    var key: Int64
    var tag: UInt32
  }

  @Test func rowsComeBackByPartitionInTheOrderTheyWentIn() throws {
    let scratch = TempFolder()
    let dir = scratch.path
    // A buffer of three rows: each partition is written as many extents, interleaved with the
    // others' in the file.
    let spill = try PartitionedSpill<Row>(partitions: 5, folder: dir, bufferBytes: 48)
    var expected = [[Row]](repeating: [], count: 5)
    for k in 0..<10_000 {
      let row = Row(key: Int64(k) * 7919 % 10_007, tag: UInt32(k))
      let p = Int(row.key % 5)
      try spill.append(row, to: p)
      expected[p].append(row)
    }
    for p in 0..<5 {
      #expect(spill.count(of: p) == expected[p].count)
      #expect(try spill.rows(of: p) == expected[p])
    }
    // Reading does not consume: a partition can be read again, and appended to after.
    try spill.append(Row(key: -1, tag: 0), to: 2)
    #expect(try spill.rows(of: 2) == expected[2] + [Row(key: -1, tag: 0)])
    #expect(spill.bytesWritten > 0)
    #expect(spill.bytesWritten % Int64(MemoryLayout<Row>.stride) == 0)
  }

  @Test func theFileHasNoNameWhileItIsUsed() throws {
    let scratch = TempFolder()
    let dir = scratch.path
    let spill = try PartitionedSpill<Row>(partitions: 2, folder: dir, bufferBytes: 16)
    for k in 0..<1000 { try spill.append(Row(key: Int64(k), tag: 1), to: k % 2) }
    #expect(spill.bytesWritten > 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [])
    #expect(try spill.rows(of: 1).count == 500)
  }

  @Test func aFolderThatCannotHoldItIsATypedErrorNamingTheFolder() throws {
    let scratch = TempFolder()
    let missing = scratch.path("no-such-folder")
    #expect(throws: SpillError.self) {
      _ = try PartitionedSpill<Row>(partitions: 4, folder: missing)
    }
    do throws(SpillError) {
      _ = try PartitionedSpill<Row>(partitions: 4, folder: missing)
    } catch {
      guard case .cannotCreate(let folder, let reason) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(folder == missing)
      #expect(reason.contains("No such file"))
    }
  }
}
