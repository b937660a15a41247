import BeaconCore
import BeaconPeriodicity
import Testing

/// The history cache's binary format: what is written reads back the same, and nothing else
/// reads at all (a damaged file is summarised again, never trusted or crashed on).
@Suite struct DaySummaryTests {
  /// A summary with the values a log can put there: text that is not an address, quotes and
  /// non-ASCII, empty strings, negative and huge ticks, no port or protocol, extreme ports.
  static func sample() -> DaySummary {
    var s = DaySummary(date: "2021-11-01", fingerprint: "f\u{0}\"'é-1")
    var p = Prevalence()
    for (ticks, src, dst, isInternal) in [
      (1_000, "10.0.0.5", "198.51.100.7", true), (-5, "10.0.0.6", "198.51.100.7", true),
      (Int64.max / 2, "10.0.0.5", "\"'<b>é\u{1F600}", true), (7, "", "2001:db8::1", false),
    ] as [(Int64, String, String, Bool)] {
      p.add(
        source: p.names.id(src), destination: p.names.id(dst), sourceInternal: isInternal,
        ticks: ticks)
    }
    s.add(p)
    s.addFlow(
      source: "10.0.0.5", destination: "198.51.100.7", port: 443, protocol: "TCP",
      ticks: [1, 5, 1_000_000_000_000, Int64.max])
    s.addFlow(
      source: "10.0.0.5", destination: "x", port: nil, protocol: nil, ticks: [Int64.min, -1])
    s.addFlow(
      source: "\"'<b>é\u{1F600}", destination: "", port: Int32.min, protocol: "é", ticks: [])
    s.addFlow(source: "a", destination: "b", port: Int32.max, protocol: "", ticks: [3, 2, 1])
    return s
  }

  @Test func whatIsWrittenReadsBackTheSame() throws {
    let s = Self.sample()
    let bytes = s.encoded()
    let back = try #require(DaySummary(decoding: bytes))
    #expect(back == s)
    #expect(back.encoded() == bytes)
    // The destinations are in byte order, each source counted once and only internal ones.
    #expect(
      back.destinations.map { back.strings[Int($0.ip)] } == [
        "\"'<b>é\u{1F600}", "198.51.100.7", "2001:db8::1",
      ])
    #expect(back.destinations.map(\.sources.count) == [1, 2, 0])
    #expect(back.first == -5)
  }

  @Test func everyTruncationAndTrailingByteIsRefused() {
    let bytes = Self.sample().encoded()
    for n in 0..<bytes.count {
      #expect(DaySummary(decoding: Array(bytes.prefix(n))) == nil, "\(n) of \(bytes.count) bytes")
    }
    #expect(DaySummary(decoding: bytes + [0]) == nil)
  }

  @Test func damagedBytesNeverCrashOrAllocateWithoutBound() {
    // Each byte set to each of a few values: decoding either refuses or yields a summary whose
    // indexes are all inside its string table (so a merge cannot trap).
    let bytes = Self.sample().encoded()
    var decoded = 0
    for k in bytes.indices {
      for v: UInt8 in [0, 1, 0x7f, 0x80, 0xff] {
        var b = bytes
        b[k] = v
        guard let s = DaySummary(decoding: b) else { continue }
        decoded += 1
        let n = Int32(s.strings.count)
        #expect(s.destinations.allSatisfy { $0.ip < n && $0.sources.allSatisfy { $0 < n } })
        #expect(
          s.flows.allSatisfy {
            $0.source < n && $0.destination < n && ($0.protocol ?? 0) < n
          })
      }
    }
    // Many changes still decode (a tick, a port, an index still in the table): the index
    // checks above ran on them, and did not pass vacuously.
    #expect(decoded > 50, "\(decoded) damaged copies decoded")
    // A count of 2^62 strings in a tiny file is refused before anything is reserved.
    var huge = Array("BHSUM\n".utf8) + [UInt8(DaySummary.version), 0, 0]
    huge += [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]
    #expect(DaySummary(decoding: huge) == nil)
    // Another version's file, or JSON from version 4, is not read.
    var other = Self.sample().encoded()
    other[6] = UInt8(DaySummary.version + 1)
    #expect(DaySummary(decoding: other) == nil)
    #expect(DaySummary(decoding: Array(#"{"version":4,"date":"2021-11-01"}"#.utf8)) == nil)
  }

  @Test func prevalenceMergesDaysByTheirStringTables() {
    var p = Prevalence()
    let src = p.names.id("10.0.0.9")
    let dst = p.names.id("198.51.100.7")
    p.add(source: src, destination: dst, sourceInternal: true, ticks: 2_000)
    // Only destinations known today count with onlyKnown; "\"'<b>é…" is not one of them.
    let ids = p.add(Self.sample(), onlyKnown: true)
    #expect(ids.count == Self.sample().strings.count)
    #expect(p.count("198.51.100.7") == 3)  // 10.0.0.9 today, 10.0.0.5 and 10.0.0.6 that day
    #expect(p.firstSeen("198.51.100.7") == -5)
    #expect(p.count("\"'<b>é\u{1F600}") == 0 && p.firstSeen("\"'<b>é\u{1F600}") == nil)
    p.add(Self.sample())
    #expect(p.count("\"'<b>é\u{1F600}") == 1)
  }

  /// A string table that repeats a string is not one this code wrote: ids would be ambiguous,
  /// so the summary is not trusted (the day is summarised again).
  @Test func aStringTableWithARepeatIsNotTrusted() {
    var s = Self.sample()
    let bytes = s.encoded()
    #expect(DaySummary(decoding: bytes) != nil)
    // Two strings of the same length: the second spelled as the first.
    s = DaySummary(date: "2021-11-01", fingerprint: "f")
    _ = s.id("10.0.0.1")
    _ = s.id("10.0.0.2")
    var repeated = s.encoded()
    let second = Array("10.0.0.2".utf8)
    let at = try! #require(
      (0...(repeated.count - second.count)).last {
        Array(repeated[$0..<$0 + second.count]) == second
      })
    repeated[at + second.count - 1] = UInt8(ascii: "1")
    #expect(DaySummary(decoding: repeated) == nil)
  }

  /// Prevalence counts each internal source once per destination, however often it is added,
  /// and a destination reached only from outside is known with none.
  @Test func prevalenceCountsDistinctInternalSources() {
    var p = Prevalence()
    let dst = p.names.id("198.51.100.7")
    for (src, isInternal) in [
      ("10.0.0.1", true), ("10.0.0.1", true), ("10.0.0.2", true), ("10.0.0.1", true),
      ("203.0.113.5", false), ("10.0.0.3", true),
    ] {
      p.add(source: p.names.id(src), destination: dst, sourceInternal: isInternal, ticks: 9)
    }
    #expect(p.count(dst) == 3)
    let outside = p.names.id("192.0.2.1")
    p.add(source: p.names.id("203.0.113.5"), destination: outside, sourceInternal: false, ticks: 4)
    #expect(p.count(outside) == 0 && p.firstSeen(outside) == 4)
    var summary = DaySummary(date: "2021-11-01", fingerprint: "f")
    summary.add(p)
    #expect(
      summary.destinations.map { summary.strings[Int($0.ip)] } == ["192.0.2.1", "198.51.100.7"])
    #expect(
      summary.destinations.map { $0.sources.map { summary.strings[Int($0)] } } == [
        [], ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
      ])
  }
}
