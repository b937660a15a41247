import BeaconCore
import BeaconTestSupport
import Foundation
import Testing

@testable import BeaconLoad

@Suite struct ExportLayoutTests {
  let end = CivilDate(iso: "2021-11-22")!

  @Test func currentDayFolder() {
    #expect(ExportLayout.dayFolder(root: "/data/ws/", date: end) == "/data/ws/y=2021/m=11/d=22")
    #expect(
      ExportLayout.dayFolder(
        root: "abfss://am-commonsecuritylog@acct.dfs.core.windows.net", date: end)
        == "abfss://am-commonsecuritylog@acct.dfs.core.windows.net/y=2021/m=11/d=22")
  }

  @Test func historyIsLookbackPlusOneDaysEndingTheDayBefore() {
    // The notebook's off-by-one: 21 days of lookback read 22 historical days.
    let days = ExportLayout.historicalDates(endDate: end, lookbackDays: 21)
    #expect(days.count == 22)
    #expect(days.first?.description == "2021-10-31")
    #expect(days.last?.description == "2021-11-21")
    #expect(!days.contains(end))
  }

  @Test func historyCrossesYearAndLeapDay() {
    #expect(
      ExportLayout.historicalDates(endDate: CivilDate(iso: "2022-01-01")!, lookbackDays: 2).map(
        \.description)
        == ["2021-12-29", "2021-12-30", "2021-12-31"])
    #expect(
      ExportLayout.historicalDates(endDate: CivilDate(iso: "2024-03-01")!, lookbackDays: 0).map(
        \.description)
        == ["2024-02-29"])
  }

  @Test func filePathsForFiveMinuteHourlyAndOverflowFiles() {
    #expect(ExportLayout.filePath(hour: 7, minute: 5, hourly: false) == "h=07/m=05/PT05M.json")
    #expect(
      ExportLayout.filePath(hour: 7, minute: 5, hourly: false, overflow: 2)
        == "h=07/m=05/PT05M_2.json")
    #expect(ExportLayout.filePath(hour: 23, minute: 0, hourly: true) == "h=23/m=00/PT1H.json")
  }

  @Test func findsTheWorkspaceBelowAContainerRoot() throws {
    let t = TempFolder()
    let ws =
      "WorkspaceResourceId=/subscriptions/s/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/w1"
    t.write(ws + "/y=2021/m=11/d=22/h=00/m=00/PT05M.json", "{}\n")
    #expect(try ExportLayout.workspaceRoots(under: t.path) == [t.path + "/" + ws])
    #expect(try ExportLayout.workspaceRoots(under: t.path + "/" + ws) == [t.path + "/" + ws])
  }

  @Test func missingRootAndEmptyDayAreClearErrors() throws {
    let t = TempFolder()
    #expect(throws: LoadError.rootMissing(path: t.path + "/nope")) {
      try ExportLayout.workspaceRoots(under: t.path + "/nope")
    }
    t.write("y=2021/m=11/d=21/h=00/m=00/PT05M.json", "{}\n")
    #expect(
      throws: LoadError.noFilesForDay(date: end, folders: [t.path + "/y=2021/m=11/d=22"])
    ) {
      try InputFiles.currentDay(root: t.path, endDate: end)
    }
  }

  @Test func dayFilesIncludeHourlyOverflowAndGzipButNotHiddenFiles() throws {
    let t = TempFolder()
    for f in [
      "h=00/m=00/PT05M.json", "h=00/m=00/PT05M_1.json", "h=01/m=00/PT1H.json",
      "h=02/m=05/PT05M.json.gz",
      "h=02/m=05/.hidden.json", "_SUCCESS",
    ] {
      t.write("y=2021/m=11/d=22/" + f, "")
    }
    let day = try InputFiles.currentDay(root: t.path, endDate: end)
    let names = day.files.sources.map {
      $0.name.replacingOccurrences(of: t.path + "/y=2021/m=11/d=22/", with: "")
    }
    #expect(
      names == [
        "h=00/m=00/PT05M.json", "h=00/m=00/PT05M_1.json", "h=01/m=00/PT1H.json",
        "h=02/m=05/PT05M.json.gz",
      ])
  }
}
