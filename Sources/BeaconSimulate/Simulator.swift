import BeaconCore
import BeaconLoad
import Foundation

/// Writes a realistic Log Analytics CommonSecurityLog export with labelled beacons.
///
/// Traffic model, per day: workstations browse in sessions (bursts to popular and rare
/// destinations, internal services, some IPv6 and ICMP), every host polls NTP and a telemetry
/// endpoint (periodic but popular, so benign), and the labelled beacons run all day from quiet
/// servers or from browsing workstations. Records are full-width (~1 KB, 60+ fields, vendor
/// specific) and filed by TimeGenerated into `y=/m=/d=/h=/m=/PT05M.json` folders.
///
/// Names: web traffic carries the site's name in `DestinationHostName` (as a firewall logs TLS
/// SNI); popular addresses are CDN fronts serving several names each; one workstation in seven
/// browses through the web proxy (`World.proxy`), whose rows name the site in `RequestURL`.
/// Why a simulation could not be written.
public enum SimulateError: Error, Sendable, Equatable {
  /// The output folder holds files: simulate never overwrites.
  case folderNotEmpty(path: String)
  case cannotWrite(path: String)
}

public struct Simulator {
  public var config: SimulationConfig

  public init(_ config: SimulationConfig) { self.config = config }

  /// Writes the export under `folder` (which must be empty or absent) and `truth.json` beside it.
  @discardableResult
  public func write(to folder: String) throws -> SimulationTruth {
    let fm = FileManager.default
    if fm.fileExists(atPath: folder) {
      guard (try fm.contentsOfDirectory(atPath: folder)).isEmpty else {
        throw SimulateError.folderNotEmpty(path: folder)
      }
    }
    var rng = SimRandom(seed: config.seed)
    let world = World(config: config, rng: &rng)
    let workspaceRoot =
      folder
      + "/WorkspaceResourceId=/subscriptions/3f2b6c1e-8d4a-4f5e-9c7b-2a1d0e9f8c6b/resourcegroups/rg-sentinel"
      + "/providers/microsoft.operationalinsights/workspaces/\(config.workspace)"
    var beaconEvents = [Int](repeating: 0, count: config.beacons.count)
    var totalRows = 0
    var corrupt = 0
    for dayOffset in stride(from: config.days - 1, through: 0, by: -1) {
      let date = config.endDate.adding(days: -dayOffset)
      var dayRng = SimRandom(seed: config.seed &* 1_000_003 &+ UInt64(date.daysSinceEpoch))
      var events = world.day(date: date, rng: &dayRng, beaconCounts: &beaconEvents)
      events.sort { $0.ticks < $1.ticks }
      totalRows += events.count + (config.strayTimestamps && !events.isEmpty ? 2 : 0)
      corrupt += try writeDay(events, date: date, world: world, root: workspaceRoot, rng: &dayRng)
    }
    let truth = SimulationTruth(
      seed: config.seed, endDate: config.endDate.description, days: config.days,
      workspaceRoot: workspaceRoot,
      rows: totalRows, corruptLines: corrupt,
      beacons: config.beacons.enumerated().map { k, b in
        .init(
          scenario: b, sourceIP: world.addresses[Int(world.beaconSources[k])],
          destinationIP: world.addresses[
            Int(b.viaProxy == true ? world.proxy : world.beaconDestinations[k])],
          destinationHostName: world.names[Int(world.beaconNames[k])], events: beaconEvents[k])
      },
      benignPeriodic: world.periodic.map {
        .init(
          name: $0.name, destinationIP: world.addresses[Int($0.destination)],
          destinationHostName: $0.hostName < 0 ? nil : world.names[Int($0.hostName)],
          destinationPort: Int($0.port), period: $0.period, sources: $0.sources.count)
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(truth).write(to: URL(fileURLWithPath: folder + "/truth.json"))
    return truth
  }

  private func writeDay(
    _ events: [Event], date: CivilDate, world: World, root: String, rng: inout SimRandom
  ) throws -> Int {
    let dayFolder = ExportLayout.dayFolder(root: root, date: date)
    let dayStart = Int64(date.daysSinceEpoch) * 86_400 * Timestamp.ticksPerSecond
    let bucketTicks = (config.hourly ? 3600 : 300) * Timestamp.ticksPerSecond
    let renderer = RecordRenderer(world: world)
    var corrupt = 0
    var i = 0
    let corruptEvery =
      config.corruptLines > 0 ? max(1, events.count / config.corruptLines) : Int.max
    while i < events.count {
      let bucket = (events[i].ticks - dayStart) / bucketTicks
      var j = i
      while j < events.count, (events[j].ticks - dayStart) / bucketTicks == bucket { j += 1 }
      let minuteOfDay = Int(bucket * bucketTicks / Timestamp.ticksPerSecond / 60)
      let perFile = config.maxRecordsPerFile > 0 ? config.maxRecordsPerFile : events.count
      var start = i
      var overflow = 0
      while start < j {
        let end = min(j, start + perFile)
        var out = [UInt8]()
        out.reserveCapacity((end - start) * 1300)
        if config.strayTimestamps, start == 0 {
          // Times a broken clock writes: the epoch, and a date far ahead.
          for stray in [Int64(5), 7_258_118_400] {
            var e = events[0]
            e.ticks = stray * Timestamp.ticksPerSecond
            renderer.render(e, into: &out, rng: &rng)
          }
        }
        for k in start..<end {
          if k % corruptEvery == corruptEvery / 2, corrupt < config.corruptLines {
            renderer.corruptLine(kind: corrupt, event: events[k], into: &out)
            corrupt += 1
          }
          renderer.render(events[k], into: &out, rng: &rng)
        }
        let rel = ExportLayout.filePath(
          hour: minuteOfDay / 60, minute: minuteOfDay % 60, hourly: config.hourly,
          overflow: overflow)
        let path = dayFolder + "/" + rel
        try FileManager.default.createDirectory(
          atPath: String(path[..<path.lastIndex(of: "/")!]), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(out)) else {
          throw SimulateError.cannotWrite(path: path)
        }
        overflow += 1
        start = end
      }
      i = j
    }
    return corrupt
  }
}

/// One connection before rendering; addresses are indices into `World.addresses`.
struct Event {
  var ticks: Int64
  var source: Int32
  var destination: Int32
  var sourcePort: Int32
  /// -1: no port (ICMP).
  var destinationPort: Int32
  var protocolIndex: UInt8
  var vendorIndex: UInt8
  var sent: Int64
  var received: Int64
  /// Index in `World.names`, -1 for none; through the proxy, the name is the request's target.
  var name: Int32 = -1
  var viaProxy = false
}

/// The simulated organisation: hosts, destinations, periodic services and beacon endpoints.
struct World: Sendable {
  static let vendors = ["Fortinet", "Palo Alto Networks", "Check Point", "Cisco"]
  static let protocols = ["TCP", "UDP", "ICMP", "tcp", "udp"]

  var config: SimulationConfig
  var addresses: [String] = []
  var workstations: [Int32] = []
  var workstationVendor: [UInt8] = []
  var activity: [Double] = []
  /// Each workstation's favourite sites, revisited all day (the flows a beacon hunt must not flag).
  var favourites: [[Int32]] = []
  var popular: [Int32] = []
  var rare: [Int32] = []
  var internalServices: [(Int32, Int32, UInt8)] = []  // address, port, protocol
  var beaconSources: [Int32] = []
  var beaconDestinations: [Int32] = []
  var beaconNames: [Int32] = []
  /// Host names, and the names each address serves (CDN fronts serve several).
  var names: [String] = []
  var addressNames: [Int32: [Int32]] = [:]
  /// The web proxy (an internal address) and the workstations that browse through it.
  var proxy: Int32 = 0
  static let proxyPort = BeaconScenario.proxyPort
  var proxied: Set<Int32> = []
  var periodic:
    [(
      name: String, destination: Int32, port: Int32, proto: UInt8, period: Double, sources: [Int32],
      hostName: Int32
    )] = []

  init(config: SimulationConfig, rng: inout SimRandom) {
    self.config = config
    func add(_ s: String) -> Int32 {
      addresses.append(s)
      return Int32(addresses.count - 1)
    }
    func name(_ s: String) -> Int32 {
      names.append(s)
      return Int32(names.count - 1)
    }
    // Deterministic names (no draws from `rng`, so traffic is the same with or without them).
    let words = [
      "news", "shop", "mail", "cloud", "media", "static", "api", "files", "blog", "portal", "cdn",
      "app",
    ]
    let tlds = ["com", "net", "org", "io", "co.uk", "de"]
    func siteName(_ k: Int) -> String {
      "\(words[k % words.count])\(k / words.count).\(["example", "sample", "demo", "test"][k % 4])-site.\(tlds[k % tlds.count])"
    }
    // Workstations behind three firewalls (10/8 Fortinet, 172.20/16 Palo Alto, 192.168/16 Check Point);
    // a few have IPv6 ULA addresses.
    for h in 0..<max(1, config.hosts) {
      let roll = rng.unit()
      let (ip, vendor): (String, UInt8) =
        roll < 0.65
        ? ("10.\(1 + h / 250 % 50).\(h / 250 % 200 + 10).\(10 + h % 240)", 0)
        : roll < 0.85
          ? ("172.20.\(h / 240 % 250).\(10 + h % 240)", 1)
          : roll < 0.95
            ? ("192.168.\(h / 240 % 250).\(10 + h % 240)", 2)
            : ("fd12:3456:789a:1::\(String(h + 16, radix: 16))", 0)
      workstations.append(add(ip))
      workstationVendor.append(vendor)
      // Pareto-like activity: a few very busy users, many light ones.
      activity.append(1 / pow(max(0.02, rng.unit()), 0.6))
    }
    let popularIPs = [
      "13.107.42.14", "13.107.6.152", "20.190.151.8", "40.126.31.67", "52.96.165.18",
      "142.250.72.110",
      "142.250.191.46", "172.217.14.99", "216.58.194.174", "151.101.1.69", "151.101.65.140",
      "104.16.132.229",
      "104.18.32.47", "23.215.0.136", "23.196.3.74", "184.84.221.41", "54.239.28.85",
      "52.84.150.39",
      "157.240.22.35", "31.13.71.36", "199.232.82.133", "185.199.108.153", "140.82.112.4",
      "17.253.144.10",
      "2606:4700::6810:84e5", "2620:1ec:bdf::40", "2a00:1450:4009:81f::200e", "8.8.8.8", "1.1.1.1",
      "9.9.9.9",
    ]
    popular = popularIPs.map(add)
    // CDN fronts: each popular address serves three names, and the next front serves the first
    // of them too (a name on several addresses).
    for (k, a) in popular.enumerated() {
      addressNames[a] = (0..<3).map { j in
        name("\(words[(k + j) % words.count]).front\(k).cdn-edge.net")
      }
    }
    for (k, a) in popular.enumerated() where k > 0 {
      addressNames[a]!.append(addressNames[popular[k - 1]]![0])
    }
    let hostingOctets = [
      5, 23, 31, 37, 45, 46, 51, 62, 77, 80, 85, 89, 91, 93, 94, 95, 103, 104, 107, 139, 141, 146,
      149, 154, 159, 162, 167, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217,
    ]
    for _ in 0..<4000 {
      let ip =
        "\(hostingOctets[rng.below(hostingOctets.count)]).\(rng.below(256)).\(rng.below(256)).\(1 + rng.below(254))"
      let a = add(ip)
      rare.append(a)
      addressNames[a] = [name(siteName(rare.count))]
    }
    for _ in workstations {
      favourites.append(
        (0..<15).map { _ in
          let u = rng.unit()
          return rare[Int(Double(rare.count) * u * u)]
        })
    }
    internalServices = [
      (add("10.0.0.53"), 53, 1), (add("10.0.0.10"), 445, 0), (add("10.0.1.20"), 443, 0),
      (add("172.21.0.5"), 8080, 0), (add("192.168.100.1"), 53, 1), (add("127.0.0.1"), 8000, 0),
    ]
    proxy = add("10.0.0.8")
    proxied = Set(workstations.enumerated().filter { $0.offset % 7 == 3 }.map(\.element))
    // Beacons: quiet sources are servers that do little else; busy ones are browsing workstations.
    // Busy beacons run on the most active workstations, busiest first.
    let byActivity = workstations.indices.filter { !addresses[Int(workstations[$0])].contains(":") }
      .sorted { activity[$0] > activity[$1] }
    var busyUsed = 0
    var campaignDestinations: [String: Int32] = [:]
    for (k, b) in config.beacons.enumerated() {
      switch b.host {
      case .quiet: beaconSources.append(add("10.50.\(k / 200).\(20 + k % 200)"))
      case .busy:
        beaconSources.append(
          workstations[byActivity.isEmpty ? 0 : byActivity[busyUsed % byActivity.count]])
        busyUsed += 1
      }
      let first = [45, 91, 185, 193, 194][k % 5]
      var fresh = "\(first).\(100 + k % 150).\(rng.below(256)).\(1 + rng.below(254))"
      if !config.c2Addresses.isEmpty { fresh = config.c2Addresses[k % config.c2Addresses.count] }
      if let c = b.campaign, let shared = campaignDestinations[c] {
        beaconDestinations.append(shared)
        beaconNames.append(beaconNames[config.beacons.firstIndex { $0.campaign == c }!])
        continue
      }
      beaconNames.append(
        name(
          "\(["update", "sync", "assets", "telemetry", "login"][k % 5])-\(k).\(["cloudsvc", "cdn-host", "webstat", "appdata"][k % 4])\(k / 4).com"
        ))
      if b.behindPopularAddress == true {
        beaconDestinations.append(popular[k % 24])
      } else {
        let d = add(fresh)
        beaconDestinations.append(d)
        if let c = b.campaign { campaignDestinations[c] = d }
      }
    }
    if config.benignPeriodic {
      // Enough polling hosts that these destinations are popular, but a bounded share of the rows.
      let budget = Double(config.rowsPerDay) * 0.2
      let perHost = 86_400.0 / 1024 + 86_400.0 / 900
      // …and at least half the workstations, so that they are infrastructure however few rows.
      let n = min(workstations.count, max(workstations.count / 2, 1, Int(budget / perHost)))
      let pollers = Array(workstations.prefix(n))
      periodic = [
        ("ntp", add("162.159.200.123"), 123, 1, 1024, pollers, -1),
        (
          "telemetry", add("20.42.65.92"), 443, 0, 900, pollers,
          name("v10.events.data.microsoft.com")
        ),
      ]
    }
  }

  func day(date: CivilDate, rng: inout SimRandom, beaconCounts: inout [Int]) -> [Event] {
    let dayStart = Int64(date.daysSinceEpoch) * 86_400 * Timestamp.ticksPerSecond
    var events: [Event] = []
    events.reserveCapacity(config.rowsPerDay + 4096)
    func ticks(_ seconds: Double) -> Int64 {
      dayStart + Int64(seconds * Double(Timestamp.ticksPerSecond))
    }
    func ephemeral() -> Int32 { Int32(49152 + rng.below(16383)) }

    // Labelled beacons, all day.
    for (k, b) in config.beacons.enumerated() {
      let vendor = UInt8(World.vendors.firstIndex(of: b.vendor) ?? 0)
      let proto = UInt8(World.protocols.firstIndex(of: b.protocol) ?? 0)
      let viaProxy = b.viaProxy == true
      let destination = viaProxy ? proxy : beaconDestinations[k]
      let destinationPort = viaProxy ? World.proxyPort : Int32(b.destinationPort)
      // Exact beacons keep a fixed sub-second phase, as a timer-driven implant does.
      var t = (b.activeFrom ?? 0) + rng.unit() * b.period
      let until = min(86_400, b.activeUntil ?? 86_400)
      while t < until {
        if !rng.chance(b.missedBeats) {
          let port = ephemeral()
          let retries = b.retries ?? 0
          events.append(
            Event(
              ticks: ticks(t), source: beaconSources[k], destination: destination,
              sourcePort: port,
              destinationPort: destinationPort, protocolIndex: proto, vendorIndex: vendor,
              sent: retries > 0 ? 0 : Int64(b.sentBytes + rng.below(24)),
              received: retries > 0 ? 0 : Int64(180 + rng.below(40)), name: beaconNames[k],
              viaProxy: viaProxy))
          var wait = 3.0
          var at = t
          for _ in 0..<retries {
            at += wait
            wait *= 2
            guard at < 86_400 else { break }
            events.append(
              Event(
                ticks: ticks(at), source: beaconSources[k], destination: destination,
                sourcePort: port, destinationPort: destinationPort, protocolIndex: proto,
                vendorIndex: vendor, sent: 0, received: 0, name: beaconNames[k], viaProxy: viaProxy)
            )
          }
          beaconCounts[k] += 1
        }
        var sleep = b.period
        if b.jitter > 0 {
          switch b.jitterKind {
          case .uniform: sleep *= 1 + b.jitter * (2 * rng.unit() - 1)
          case .cobaltStrike: sleep *= 1 - b.jitter * rng.unit()
          }
        }
        t += max(0.001, sleep)
      }
      // A quiet host still resolves names now and then.
      if b.host == .quiet {
        for _ in 0..<(5 + rng.below(10)) {
          let (dst, port, p) = internalServices[0]
          events.append(
            Event(
              ticks: ticks(rng.unit() * 86_400), source: beaconSources[k], destination: dst,
              sourcePort: ephemeral(),
              destinationPort: port, protocolIndex: p, vendorIndex: vendor, sent: 74, received: 130)
          )
        }
      }
    }
    // Benign periodic polling from many hosts.
    for p in periodic {
      for src in p.sources {
        var t = rng.unit() * p.period
        let vendor = workstationVendor[Int(workstations.firstIndex(of: src)!)]
        while t < 86_400 {
          events.append(
            Event(
              ticks: ticks(t), source: src, destination: p.destination,
              sourcePort: p.proto == 1 ? 123 : ephemeral(),
              destinationPort: p.port, protocolIndex: p.proto, vendorIndex: vendor,
              sent: p.proto == 1 ? 90 : Int64(1800 + rng.below(400)),
              received: p.proto == 1 ? 90 : Int64(600 + rng.below(200)), name: p.hostName))
          t += p.period * (1 + 0.01 * (2 * rng.unit() - 1))
        }
      }
    }
    // Browsing sessions fill the rest of the day's rows.
    // Browsing gets at least 60 % of the day's rows, however many the beacons and pollers made.
    let remaining = max(config.rowsPerDay * 6 / 10, config.rowsPerDay - events.count)
    let totalActivity = activity.reduce(0, +)
    for (h, src) in workstations.enumerated() {
      var budget = Int(Double(remaining) * activity[h] / totalActivity)
      let vendor = workstationVendor[h]
      let v6 = addresses[Int(src)].contains(":")
      while budget > 0 {
        // Sessions mostly in working hours (07:00–19:00 UTC), some at night.
        var t = rng.chance(0.85) ? 25_200 + rng.unit() * 43_200 : rng.unit() * 86_400
        let length = min(budget, 3 + Int(rng.exponential(mean: 25)))
        budget -= length
        // A session is a series of page loads: a burst of connections to one site (a favourite
        // or a new one), with a few to CDNs and internal services, then reading time.
        var site: Int32 = 0
        var pageLeft = 0
        for _ in 0..<length {
          if pageLeft == 0 {
            let u = rng.unit()
            site =
              rng.chance(0.6)
              ? favourites[h][rng.below(favourites[h].count)]
              : rare[Int(Double(rare.count) * u * u * u)]
            pageLeft = 1 + Int(rng.exponential(mean: 6))
            t += rng.exponential(mean: 40)
          }
          pageLeft -= 1
          let roll = rng.unit()
          var dst: Int32 = site
          var port: Int32 = rng.chance(0.9) ? 443 : 80
          var proto: UInt8 = 0
          if roll < 0.3 {
            dst = popular[rng.below(v6 ? popular.count : popular.count - 3)]
            if addresses[Int(dst)].contains(":") != v6 { dst = popular[rng.below(24)] }
          } else if roll < 0.45 {
            let s = internalServices[rng.below(internalServices.count)]
            (dst, port, proto) = s
          } else if roll < 0.46 {
            dst = rare[rng.below(rare.count)]
            proto = 2
            port = -1
          }
          if v6, !addresses[Int(dst)].contains(":") { dst = popular[24 + rng.below(3)] }
          if t < 86_400 {
            var e = Event(
              ticks: ticks(t), source: src, destination: dst,
              sourcePort: proto == 2 ? -1 : ephemeral(),
              destinationPort: port, protocolIndex: proto, vendorIndex: vendor,
              sent: proto == 2 ? -1 : Int64(300 + rng.below(3000)),
              received: proto == 2 ? -1 : Int64(rng.exponential(mean: 40_000)))
            // Web traffic names its site (a CDN front's names by turns); some hosts go through
            // the proxy.
            if proto == 0, let served = addressNames[dst] {
              e.name = served[Int(e.ticks / Timestamp.ticksPerSecond) % served.count]
              if proxied.contains(src) {
                e.destination = proxy
                e.destinationPort = World.proxyPort
                e.viaProxy = true
              }
            }
            events.append(e)
          }
          // Bursty: short gaps inside a page load.
          t += rng.exponential(mean: 1.2)
        }
      }
    }
    return events
  }
}

#if canImport(Glibc)
  import Glibc
#endif
