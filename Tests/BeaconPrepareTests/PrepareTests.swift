import BeaconCore
import BeaconNet
import Foundation
import Testing

@testable import BeaconPrepare

@Suite struct PrepareTests {
  @Test(arguments: ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.1", "192.168.1.1"])
  func privatePrefixesAreDropped(ip: String) {
    #expect(NotebookPrivatePrefixes.matches(ip))
  }

  /// The notebook's test is textual and IPv4-only: these all count as public.
  @Test(arguments: [
    "172.15.0.1", "172.32.0.1", "100.64.0.1", "169.254.1.1", "fd00::1", "::1", "1.10.0.1",
    "8.8.8.8", "10",
  ])
  func everythingElseIsPublic(ip: String) {
    #expect(!NotebookPrivatePrefixes.matches(ip))
  }

  @Test func vendorIsExactAndNullDestinationsAreDropped() {
    let t = Timestamp(seconds: 0)
    let rows = [
      ConnectionRecord(time: t, destinationIP: "8.8.8.8", deviceVendor: "Fortinet"),
      ConnectionRecord(time: t, destinationIP: "8.8.8.8", deviceVendor: "fortinet"),
      ConnectionRecord(time: t, destinationIP: nil, deviceVendor: "Fortinet"),
      ConnectionRecord(time: t, destinationIP: "10.0.0.1", deviceVendor: "Fortinet"),
      ConnectionRecord(time: t, destinationIP: "8.8.4.4", deviceVendor: nil),
    ]
    let (kept, afterVendor) = NotebookPrepare.apply(rows, vendor: "Fortinet")
    #expect(kept == [rows[0]])
    #expect(afterVendor == 3)
    #expect(NotebookPrepare.apply(rows, vendor: nil).0.count == 3)
  }
}

@Suite struct AllowlistTests {
  func file(_ text: String) -> String {
    let path = NSTemporaryDirectory() + "allow-\(UUID().uuidString).txt"
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func readsAddressesNetworksHostNamesAndComments() throws {
    var a = Allowlist()
    try a.load(
      file(
        "# cleared\n8.8.8.8\n 20.0.0.0/11   # Azure\n\n2001:db8::/32\nupdate.example.com\n*.cdn.example.net\n"
      ))
    #expect(
      a.networks.networks.count == 3 && a.hostNames == ["update.example.com", "*.cdn.example.net"])
    for yes in ["8.8.8.8", "20.31.255.255", "2001:db8::9"] { #expect(a.contains(IPAddress(yes)!)) }
    for no in ["8.8.4.4", "20.32.0.0", "2001:db9::1"] { #expect(!a.contains(IPAddress(no)!)) }
  }

  @Test func aBadLineNamesFileAndLine() throws {
    var a = Allowlist()
    let path = file("8.8.8.8\n10.0.0.0/33\n")
    #expect(throws: PrepareError.allowlistEntry(path: path, line: 2, text: "10.0.0.0/33")) {
      try a.load(path)
    }
  }

  @Test func allowlistedFlowsAreDroppedAndCounted() throws {
    let t = Timestamp(seconds: 0)
    let rows = [
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "8.8.8.8"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "9.9.9.9"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "not-an-ip"),
      ConnectionRecord(time: t, sourceIP: "10.0.0.1", destinationIP: "192.0.2.1"),  // documentation: never external
    ]
    var p = PeriodicityParameters()
    p.allowFiles = [file("8.8.8.8\n")]
    let r = try PeriodicityPrepare.apply(rows, vendor: nil, parameters: p)
    #expect(r.rows.map(\.destinationIP) == ["9.9.9.9"])
    #expect(r.allowlisted == 1 && r.invalidAddresses == 1 && r.validRows == 3)
  }
}
