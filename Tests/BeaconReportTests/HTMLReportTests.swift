import BeaconCore
import Foundation
import Testing

@testable import BeaconReport

/// The report as a file a colleague opens: self-contained, and inert whatever the logs, feeds
/// or databases put in it.
@Suite struct HTMLReportTests {
  static let hostile = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</svg><svg onload=alert(1)>",
    "' onmouseover='alert(1)", "</table></textarea></style></title>",
  ]

  static func input(_ rows: [[Cell]]) -> ReportInput {
    ReportInput(
      title: "t <b>",
      columns: [
        "SourceIP", "DestinationIP", "Score", "Reason", "DestinationCountry", "DestinationLatitude",
        "DestinationLongitude", "ThreatIntel", "Severity",
      ], rows: rows, summary: hostile.joined(separator: "\n"),
      parameters: [("vendor", hostile[1])], attributions: [hostile[0]],
      generatedAt: Timestamp(seconds: 1_638_316_800))
  }

  @Test func hostileStringsAreInertEverywhere() {
    let rows = Self.hostile.map { h -> [Cell] in
      [
        .string(h), .string(h), .double(0.9), .string(h), .string(h), .double(51.5), .double(-0.1),
        .string(h), .string(h),
      ]
    }
    let html = HTMLReport.render(Self.input(rows))
    // Only the report's own script, style and svg elements exist, and none of the hostile markup.
    #expect(html.components(separatedBy: "<script").count == 2)
    #expect(html.components(separatedBy: "</svg>").count == 2)
    #expect(html.components(separatedBy: "<svg").count == 2)
    #expect(html.components(separatedBy: "</style>").count == 2)
    #expect(!html.contains("<img"))
    #expect(!html.contains("' onmouseover='"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
    // Severity becomes part of a class name: escaped there too.
    #expect(!html.contains("class=\"marker sev-<"))
  }

  @Test func markersForLocatedFindingsOnlySizedByScore() {
    let located: [Cell] = [
      .string("10.0.0.1"), .string("81.2.69.142"), .double(1), .string("r"), .string("GB"),
      .double(51.5), .double(-0.1), .null, .string("critical"),
    ]
    var elsewhere = located
    elsewhere[5] = .null
    var bogus = located
    bogus[5] = .double(123)  // not a latitude
    let html = HTMLReport.render(Self.input([located, elsewhere, bogus]))
    let markers = html.components(separatedBy: "<circle class=\"marker").count - 1
    #expect(markers == 1)
    #expect(
      html.contains(#"<circle class="marker sev-critical" data-row="0" cx="179.9" cy="38.5" r="4""#)
    )
    #expect(html.contains("3 findings, 1 on the map"))
  }

  @Test func aNamedDestinationIsShownByNameFirst() {
    let row: [Cell] = [
      .string("10.0.0.1"), .string("c2.example.net"), .string("81.2.69.142"),
      .stringList(["81.2.69.142"]),
      .double(1), .string("GB"), .double(51.5), .double(-0.1), .string("high"),
    ]
    let html = HTMLReport.render(
      ReportInput(
        title: "t",
        columns: [
          "SourceIP", "DestinationHostName", "DestinationIP", "DestinationIPs", "Score",
          "DestinationCountry", "DestinationLatitude", "DestinationLongitude", "Severity",
        ], rows: [row], summary: "", parameters: [], attributions: [],
        generatedAt: Timestamp(seconds: 1_638_316_800)))
    #expect(
      html.contains("<title>10.0.0.1 → c2.example.net at 81.2.69.142 GB severity high</title>"))
    #expect(html.contains("<td>81.2.69.142</td>"))
  }

  @Test func theReportLoadsNothingFromTheNetwork() {
    let html = HTMLReport.render(Self.input([]))
    #expect(html.contains("default-src 'none'"))
    #expect(!html.contains("http://") && !html.contains("https://"))
    for remote in ["src=\"http", "href=\"http", "url(http", "@import"] {
      #expect(!html.contains(remote))
    }
    #expect(html.contains("Made with Natural Earth"))
    // Every country of the generated asset is drawn.
    #expect(html.components(separatedBy: "<path class=\"land\"").count - 1 == 177)
  }

  @Test func histogramsAndTimelinesAreDrawnPerFinding() {
    let input = ReportInput(
      title: "t", columns: ["DestinationIP", "IntervalHistogram", "Timeline"],
      rows: [[.string("x"), .intList([0, 0, 0, 5, 10, 0]), .intList([1, 0, 2])]],
      generatedAt: Timestamp(seconds: 0))
    let html = HTMLReport.render(input)
    #expect(html.contains(#"<svg class="chart" viewBox="0 0 18 20""#))
    #expect(html.contains(#"<rect x="12" y="0" width="2" height="20"/>"#))  // the tallest bar
    #expect(html.contains(#"<rect x="9" y="10" width="2" height="10"/>"#))
    #expect(html.contains("quarter periods from 0 to 4.5 periods (last bar: longer): 0 0 0 5 10 0"))
    #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 == 2)
  }
}
