import BeaconCore
import Testing

@testable import BeaconNotebook

/// Steps 1 and 2: the vendor and the notebook's private-destination test.
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
