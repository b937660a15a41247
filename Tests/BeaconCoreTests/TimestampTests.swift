import BeaconCore
import Testing

@Suite struct TimestampTests {
  /// 2021-11-01T00:04:59Z in 100 ns ticks.
  static let base: Int64 = 16_357_250_990_000_000
  static let cases: [(String, Int64)] = [
    ("2021-11-01T00:04:59Z", base),
    ("2021-11-01T00:04:59.1Z", base + 1_000_000),
    ("2021-11-01T00:04:59.123Z", base + 1_230_000),
    ("2021-11-01T00:04:59.1234567Z", base + 1_234_567),
    ("2021-11-01T00:04:59.123456789Z", base + 1_234_567),
    ("2021-11-01T02:04:59.5+02:00", base + 5_000_000),
    ("2021-10-31T19:04:59-0500", base),
    ("2021-11-01 00:04:59", base),
    ("1969-12-31T23:59:59.5Z", -5_000_000),
  ]

  @Test(arguments: cases)
  func parsesISO8601(text: String, ticks: Int64) {
    #expect(Timestamp(iso: text)?.ticks == ticks)
  }

  @Test(arguments: [
    "", "not a time", "2021-13-01T00:00:00Z", "2021-02-29T00:00:00Z", "2021-11-01T24:00:00Z",
    "2021-11-01T00:60:00Z", "2021-11-01T00:00:00.Z", "2021-11-01T00:00:00+2", "2021-11-01",
    "2021-11-01T00:00:00Zjunk",
    "１２３4-11-01T00:00:00Z",
  ])
  func rejectsMalformedTimes(text: String) {
    #expect(Timestamp(iso: text) == nil)
  }

  @Test func leapDayParses() {
    #expect(Timestamp(iso: "2024-02-29T12:00:00Z") != nil)
  }

  @Test func wholeSecondsFloorLikeUnixTimestamp() {
    #expect(Timestamp(iso: "2021-11-01T00:00:00.9999999Z")!.epochSecondsFloor == 1_635_724_800)
    #expect(Timestamp(iso: "1969-12-31T23:59:59.5Z")!.epochSecondsFloor == -1)
  }

  @Test func printsAsLogAnalyticsDoes() {
    #expect(
      Timestamp(iso: "2021-11-01T00:04:59.123Z")!.description == "2021-11-01T00:04:59.1230000Z")
  }
}

@Suite struct CivilDateTests {
  @Test func arithmeticCrossesMonthYearAndLeapDay() {
    let d = CivilDate(year: 2024, month: 3, day: 1)!
    #expect(d.adding(days: -1).description == "2024-02-29")
    #expect(CivilDate(year: 2022, month: 1, day: 1)!.adding(days: -1).description == "2021-12-31")
    #expect(CivilDate(year: 2021, month: 12, day: 31)!.adding(days: 1).description == "2022-01-01")
    #expect(CivilDate(year: 2100, month: 3, day: 1)!.adding(days: -1).description == "2100-02-28")
  }

  @Test func parsesOnlyRealDays() {
    #expect(CivilDate(iso: "2021-11-01") == CivilDate(year: 2021, month: 11, day: 1))
    #expect(CivilDate(iso: "2021-02-29") == nil)
    #expect(CivilDate(iso: "2021-1-01") == nil)
    #expect(CivilDate(iso: "yesterday") == nil)
  }

  @Test func roundTripsThroughDaysSinceEpoch() {
    for z in stride(from: -800_000, through: 800_000, by: 997) {
      #expect(CivilDate(daysSinceEpoch: z).daysSinceEpoch == z)
    }
  }
}

@Suite struct OrderTests {
  @Test func stringsOrderByUTF8BytesLikeSpark() {
    // Swift's String < would call these canonically equal; Spark compares bytes.
    let precomposed = "caf\u{E9}"
    let decomposed = "cafe\u{301}"
    #expect(utf8Compare(decomposed, precomposed) == -1)
    #expect(utf8Less("10.0.0.10", "10.0.0.9"))
    #expect(Order.compare(nil as String?, "a") == -1)
    #expect(Order.compare(nil as Int32?, nil) == 0)
  }
}
