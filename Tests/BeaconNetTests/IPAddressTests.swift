import Testing

@testable import BeaconNet

@Suite struct IPAddressTests {
  @Test(arguments: [
    ("10.0.0.1", "10.0.0.1"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
    ("::1", "::1"), ("::", "::"), ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("2001:db8::", "2001:db8::"),
    ("fe80::1%eth0", "fe80::1"), ("::ffff:192.0.2.1", "192.0.2.1"),
    ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1::", "1::"), ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
  ])
  func parsesAndPrintsCanonically(text: String, canonical: String) throws {
    let a = try #require(IPAddress(text))
    #expect(a.description == canonical)
    #expect(IPAddress(canonical) == a)
  }

  @Test(arguments: [
    "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ",
    "1.2.3.4:80",
    ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1", "[::1]", "::1%",
    "1.2.3.4/8",
    "::ffff:1.2.3", "1:2:3:4:5:6:7::8:9", "１.2.3.4",
  ])
  func rejectsWhatIsNotAnAddress(text: String) {
    #expect(IPAddress(text) == nil)
  }

  @Test func ipv4MappedIsTheSameHostAsIPv4() {
    #expect(IPAddress("::ffff:10.1.2.3") == IPAddress("10.1.2.3"))
    #expect(IPAddress("::ffff:10.1.2.3")!.isIPv4)
    #expect(!IPAddress("::10.1.2.3")!.isIPv4)  // IPv4-compatible (deprecated) is IPv6
  }

  @Test func networksContainTheirAddresses() throws {
    let n = try #require(IPNetwork("172.16.0.0/12"))
    #expect(n.contains(IPAddress("172.31.255.255")!) && !n.contains(IPAddress("172.32.0.0")!))
    #expect(IPNetwork("10.1.2.3/8")?.description == "10.0.0.0/8")
    #expect(IPNetwork("fd00::/8")!.contains(IPAddress("fdab::1")!))
    #expect(!IPNetwork("0.0.0.0/0")!.contains(IPAddress("::1")!))  // IPv4 /0 is all of IPv4 only
    #expect(IPNetwork("::/0")!.contains(IPAddress("8.8.8.8")!))
    #expect(
      IPNetwork("10.0.0.0/33") == nil && IPNetwork("::/129") == nil
        && IPNetwork("10.0.0.0/x") == nil)
    #expect(IPNetwork("192.0.2.7")?.prefixLength == 32)
  }

  @Test func networkSetsTestEveryPrefixLength() {
    let set = NetworkSet(
      ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "8.8.8.8"].map { IPNetwork($0)! })
    for yes in ["10.9.9.9", "192.168.1.200", "2001:db8::5", "8.8.8.8", "::ffff:10.0.0.1"] {
      #expect(set.contains(IPAddress(yes)!))
    }
    for no in ["11.0.0.1", "192.168.2.1", "2001:db9::1", "8.8.4.4"] {
      #expect(!set.contains(IPAddress(no)!))
    }
  }
}

@Suite struct AddressClassTests {
  let classifier = AddressClassifier()

  @Test(arguments: [
    "10.1.2.3", "172.20.0.5", "192.168.0.1", "100.64.1.1", "fd12:3456::1", "::ffff:10.0.0.1",
  ])
  func defaultInternalNetworks(ip: String) {
    #expect(classifier.classify(IPAddress(ip)!) == .internal)
  }

  @Test(arguments: [
    "127.0.0.1", "169.254.1.1", "224.0.0.251", "239.255.255.250", "255.255.255.255", "192.0.2.10",
    "198.51.100.7", "203.0.113.50", "198.18.0.1", "240.0.0.1", "0.0.0.0", "::1", "::", "fe80::1",
    "ff02::fb",
    "2001:db8::1", "3fff::1", "100::1",
  ])
  func specialPurposeIsNeverExternal(ip: String) {
    #expect(classifier.classify(IPAddress(ip)!) == .special)
  }

  @Test(arguments: [
    "8.8.8.8", "45.100.13.176", "2606:4700::6810:84e5", "2a00:1450:4009:81f::200e",
    "64:ff9b::808:808",
  ])
  func publicAddressesAreExternal(ip: String) {
    #expect(classifier.classify(IPAddress(ip)!) == .external)
  }

  @Test func internalNetworksAreConfigurable() {
    let lab = AddressClassifier(internal: [IPNetwork("203.0.113.0/24")!])
    #expect(lab.classify(IPAddress("203.0.113.9")!) == .internal)
    #expect(lab.classify(IPAddress("10.0.0.1")!) == .special)  // private-use, not ours: still never external
    #expect(
      SpecialPurpose.entry(for: IPAddress("192.0.2.1")!)?.name == "documentation (TEST-NET-1)")
  }
}
