import BeaconCore

/// Renders simulated connections as full-width CommonSecurityLog export records (~1 KB, 60+
/// fields, in the export's field order), with the escapes real records carry.
struct RecordRenderer {
  let world: World

  struct VendorProfile {
    var product: String
    var version: String
    var activity: String
    var classID: String
    var device: String
    var deviceIP: String
    var extensions: String
  }

  static let profiles: [VendorProfile] = [
    VendorProfile(
      product: "Fortigate", version: "7.2.5", activity: "traffic:forward accept",
      classID: "0000000013",
      device: "FGT-HQ-01", deviceIP: "10.0.0.1",
      extensions:
        #"FTNTFGTlogid=0000000013;cat=traffic:forward;FTNTFGTsubtype=forward;FTNTFGTlevel=notice;FTNTFGTvd=root;FTNTFGTpolicyid=12;FTNTFGTappcat=unscanned;FTNTFGTcrscore=5;FTNTFGTmsg=\"session closed\""#
    ),
    VendorProfile(
      product: "PAN-OS", version: "10.2.4", activity: "TRAFFIC", classID: "end",
      device: "PA-3220-DC",
      deviceIP: "172.20.0.1",
      extensions:
        #"PanOSRuleUUID=2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d;PanOSSessionID=8837162;PanOSApplicationCategory=networking;PanOSSourceZone=trust;PanOSDestinationZone=untrust;PanOSPacketsSent=12;PanOSPacketsReceived=10;PanOSEndReason=tcp-fin;PanOSDescription=\"caf\u00e9 \/ r\u00e8gle\""#
    ),
    VendorProfile(
      product: "VPN-1 & FireWall-1", version: "R81.20", activity: "Accept", classID: "Log",
      device: "cp-gw-branch",
      deviceIP: "192.168.0.1",
      extensions:
        #"layer_uuid=0c2d1e4f-5a6b-7c8d-9e0f-1a2b3c4d5e6f;layer_name=Network;rule_action=Accept;service_id=https;origin_sic_name=CN\\=cp-gw-branch,O\\=mgmt..abc123;product_family=Network;logid=0;loguid={0x6543a1b2,0x1,0x2f3e4d5c,0xc0000001}"#
    ),
    VendorProfile(
      product: "ASA", version: "9.16", activity: "Teardown TCP connection", classID: "302014",
      device: "asa-edge",
      deviceIP: "10.255.0.1",
      extensions: #"reason=TCP FINs;duration=0:00:31;cs1Label=ACL;cs1=outside_access_in"#
    ),
  ]

  func render(_ e: Event, into out: inout [UInt8], rng: inout SimRandom) {
    let p = Self.profiles[Int(e.vendorIndex)]
    let vendor = World.vendors[Int(e.vendorIndex)]
    let src = world.addresses[Int(e.source)]
    let dst = world.addresses[Int(e.destination)]
    let proto = World.protocols[Int(e.protocolIndex)]
    let time = Timestamp(ticks: e.ticks).description
    func key(_ k: String) {
      out.append(0x22)
      out.append(contentsOf: k.utf8)
      out.append(contentsOf: "\":".utf8)
    }
    func str(_ k: String, _ v: String) {
      key(k)
      out.append(0x22)
      out.append(contentsOf: v.utf8)
      out.append(contentsOf: "\",".utf8)
    }
    func num(_ k: String, _ v: Int64) {
      key(k)
      out.append(contentsOf: String(v).utf8)
      out.append(0x2C)
    }
    out.append(0x7B)
    str("TenantId", "8f3c2a1b-4d5e-4f60-8a9b-0c1d2e3f4a5b")
    str("SourceSystem", "OpsManager")
    str("Computer", "cef-collector-01.corp.example")
    str("DeviceVendor", vendor)
    str("DeviceProduct", p.product)
    str("DeviceVersion", p.version)
    str("DeviceEventClassID", p.classID)
    str("Activity", p.activity)
    str("LogSeverity", "3")
    str("OriginalLogSeverity", "Informational")
    str("AdditionalExtensions", p.extensions)
    str("DeviceAction", "accept")
    str(
      "ApplicationProtocol",
      e.destinationPort == 443 ? "HTTPS" : e.destinationPort == 53 ? "DNS" : "")
    num("EventCount", 1)
    str("DestinationServiceName", e.destinationPort == 443 ? "HTTPS" : "")
    str("CommunicationDirection", "Outbound")
    str("DeviceExternalID", "FG100FTK2010\(e.vendorIndex)")
    str("DeviceInboundInterface", "port\(1 + e.source % 4)")
    str("DeviceOutboundInterface", "wan1")
    if e.destinationPort >= 0 { num("DestinationPort", Int64(e.destinationPort)) }
    str("DestinationIP", dst)
    if e.name >= 0 {
      let name = world.names[Int(e.name)]
      if !e.viaProxy {
        str("DestinationHostName", name)
      } else if e.ticks % 3 == 0 {
        str("RequestURL", name + ":443")  // a CONNECT, as proxies log tunnels
      } else {
        str("RequestURL", "https://\(name)/api/v2/\(e.ticks % 1000)?id=\(e.source)")
      }
    }
    str("DeviceTimeZone", "UTC")
    str("DeviceAddress", p.deviceIP)
    str("DeviceName", p.device)
    num("ProcessID", Int64(1000 + rng.below(30000)))
    str("ExternalID", String(e.ticks / 7 % 100_000_000))
    if e.received >= 0 { num("ReceivedBytes", e.received) }
    str("Message", "")
    str("Protocol", proto)
    str("Reason", e.vendorIndex == 3 ? "TCP FINs" : "close")
    str("SourceHostName", "")
    if e.sent >= 0 { num("SentBytes", e.sent) }
    str("SourceIP", src)
    if e.sourcePort >= 0 { num("SourcePort", Int64(e.sourcePort)) }
    str("SourceTranslatedAddress", "203.0.113.\(10 + e.vendorIndex)")
    num("SourceTranslatedPort", Int64(1024 + rng.below(60000)))
    str("DeviceCustomString1Label", "policyname")
    str("DeviceCustomString1", "outbound-web")
    str("SimplifiedDeviceAction", "Allow")
    str("TimeGenerated", time)
    str("Type", "CommonSecurityLog")
    key("_ResourceId")
    out.append(contentsOf: "\"\"}\n".utf8)
  }

  /// Malformed lines of several kinds, for bad-input accounting tests.
  func corruptLine(kind: Int, event e: Event, into out: inout [UInt8]) {
    let dst = world.addresses[Int(e.destination)]
    let line: String
    switch kind % 4 {
    case 0:
      line =
        #"{"TimeGenerated":"2021-11-01T00:00:00Z","DeviceVendor":"Fortinet","SourceIP":"10.9.9.9",,}"#
    case 1:
      line = #"{"TimeGenerated":"not a time","DeviceVendor":"Fortinet","DestinationIP":"\#(dst)"}"#
    case 2: line = #"this is not json at all"#
    default: line = #"{"DeviceVendor":"Fortinet","DestinationIP":"\#(dst)","SourceIP":"10.9.9.9"}"#
    }
    out.append(contentsOf: line.utf8)
    out.append(0x0A)
  }
}
