// swift-tools-version:6.0
// The package is laid out as the hunt's pipeline: load → prepare → baseline → detect → export,
// with the native engine tying the stages together and the CLI on top.
//
// Linux only: the loader, the spill file and the CLI call Glibc directly (pread, an unlinked
// temporary file), the tests read /proc, and there is no Darwin shim. SwiftPM cannot declare a
// Linux-only package, so this comment and the README say it.
import PackageDescription

let package = Package(
  name: "BeaconHunt",
  products: [
    .executable(name: "beaconhunt", targets: ["BeaconHuntCLI"]),
    .executable(name: "beaconhunt-bench", targets: ["BeaconBench"]),
    .library(name: "BeaconEngine", targets: ["BeaconEngine"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // The Spark Connect client's gRPC stack; only BeaconSpark depends on it.
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
  ],
  targets: [
    // Shared vocabulary: the hunt description, field names, timestamps, findings and run summary.
    .target(name: "BeaconCore"),
    // zlib, for `.gz` exports.
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    // Stage 1: find the export's files and extract the nine fields from each JSON line.
    .target(name: "BeaconLoad", dependencies: ["BeaconCore", "BeaconNet", "CZlib"]),
    // Addresses: IPv4/IPv6 parsing, networks, IANA special-purpose ranges, internal/external.
    .target(name: "BeaconNet"),
    // Stage 2: vendor and destination filters.
    .target(name: "BeaconPrepare", dependencies: ["BeaconCore", "BeaconNet"]),
    // Stage 3: busy sources and rare destinations.
    .target(name: "BeaconBaseline", dependencies: ["BeaconCore"]),
    // Stage 4: the detection methods.
    .target(name: "BeaconDetect", dependencies: ["BeaconCore"]),
    // Stage 5: enrichment from files the analyst has: MaxMind DB (GeoIP, ASN), threat-intel feeds.
    .target(name: "BeaconEnrich", dependencies: ["BeaconCore", "BeaconNet", "CCurl"]),
    // Trampolines for libcurl's variadic calls (RDAP loads libcurl at run time; no headers needed).
    .systemLibrary(name: "CCurl"),
    // Stage 7: the self-contained HTML report (map, table, summary).
    .target(name: "BeaconReport", dependencies: ["BeaconCore"]),
    // Stage 6: JSON lines, CSV, JSON and table writers shared by every engine.
    .target(name: "BeaconExport", dependencies: ["BeaconCore"]),
    // The embedded engine: runs a `HuntSpec` through the stages above.
    .target(
      name: "BeaconEngine",
      dependencies: [
        "BeaconCore", "BeaconLoad", "BeaconPrepare", "BeaconBaseline", "BeaconDetect",
        "BeaconExport",
      ]
    ),
    // Arrow IPC stream decoding, for results that come back from Spark.
    .target(name: "BeaconArrow"),
    // The Spark engine: the same hunt as Spark SQL over Spark Connect (gRPC). Generated code in
    // Generated/ comes from Protos/ via Scripts/generate-spark-connect.sh.
    .target(
      name: "BeaconSpark",
      dependencies: [
        "BeaconCore", "BeaconNet", "BeaconLoad", "BeaconPrepare", "BeaconBaseline", "BeaconDetect",
        "BeaconArrow",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]
    ),
    // Labelled, realistic Log Analytics exports for demos, tests and benchmarks.
    .target(name: "BeaconSimulate", dependencies: ["BeaconCore", "BeaconLoad"]),
    // Labelled simulations hunted by both methods: precision and recall per scenario.
    .target(
      name: "BeaconEvaluate", dependencies: ["BeaconCore", "BeaconEngine", "BeaconSimulate"]),
    .executableTarget(
      name: "BeaconHuntCLI",
      dependencies: [
        "BeaconEngine", "BeaconLoad", "BeaconSimulate", "BeaconSpark", "BeaconEvaluate",
        "BeaconEnrich", "BeaconReport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "BeaconBench",
      dependencies: ["BeaconCore", "BeaconLoad", "BeaconPrepare", "BeaconSimulate"]),

    // Helpers shared by the test suites (seeded input mutations, hostile servers, shared data).
    .target(
      name: "BeaconTestSupport", dependencies: ["BeaconSimulate"], path: "Tests/BeaconTestSupport",
      exclude: ["Fixtures"]),
    // BeaconSimulate for its seeded generator (`SimRandom`).
    .testTarget(name: "BeaconCoreTests", dependencies: ["BeaconCore", "BeaconSimulate"]),
    .testTarget(
      name: "BeaconLoadTests", dependencies: ["BeaconLoad", "BeaconSimulate", "BeaconTestSupport"]),
    .testTarget(
      name: "BeaconPrepareTests", dependencies: ["BeaconPrepare", "BeaconNet", "BeaconTestSupport"]),
    .testTarget(name: "BeaconNetTests", dependencies: ["BeaconNet"]),
    .testTarget(name: "BeaconBaselineTests", dependencies: ["BeaconBaseline", "BeaconCore"]),
    .testTarget(
      name: "BeaconEnrichTests",
      dependencies: ["BeaconEnrich", "BeaconNet", "BeaconSimulate", "BeaconTestSupport"]),
    .testTarget(name: "BeaconReportTests", dependencies: ["BeaconReport", "BeaconCore"]),
    .testTarget(
      name: "BeaconDetectTests", dependencies: ["BeaconDetect", "BeaconBaseline", "BeaconPrepare"]),
    .testTarget(
      name: "BeaconExportTests", dependencies: ["BeaconExport", "BeaconCore", "BeaconTestSupport"]),
    .testTarget(
      name: "BeaconSparkTests",
      dependencies: [
        "BeaconSpark", "BeaconArrow", "BeaconEngine", "BeaconExport", "BeaconSimulate",
        "BeaconTestSupport",
      ],
      // Arrow streams captured from Spark, read by path (ArrowFixtureTests).
      exclude: ["Fixtures"]),
    .testTarget(
      name: "BeaconEngineTests",
      dependencies: ["BeaconEngine", "BeaconSimulate", "BeaconEvaluate", "BeaconTestSupport"]),
    .testTarget(
      name: "BeaconHuntCLITests",
      dependencies: ["BeaconCore", "BeaconEnrich", "BeaconNet", "BeaconTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
