// swift-tools-version:6.0
// The package is laid out by method: a small core (records, time, cells, summary, errors), one
// module per detection method holding its parameters, finding, steps, native stages and their
// Spark SQL side by side, the loader and the exporters, the engines that run a `HuntSpec`, and
// the CLI on top.
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
    // The embedded engine and the pipeline around it (enrichment, findings files, the report),
    // with the modules their API names (the spec and findings, cells, formats, enrichment).
    .library(
      name: "BeaconEngine",
      targets: [
        "BeaconEngine", "BeaconPipeline", "BeaconSpec", "BeaconCore", "BeaconExport",
        "BeaconEnrich",
      ]),
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
    // The small core: records and field names, time, cells, the run summary, input limits and
    // errors, and the flat index, string pool and spill files every stage builds on.
    .target(name: "BeaconCore"),
    // zlib, for `.gz` exports.
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    // The loader: find the export's files and extract the nine fields from each JSON line.
    .target(name: "BeaconLoad", dependencies: ["BeaconCore", "BeaconNet", "CZlib"]),
    // Addresses: IPv4/IPv6 parsing, networks, IANA special-purpose ranges, internal/external.
    .target(name: "BeaconNet"),
    // The notebook method (spec/notebook-method.md): thresholds, finding, steps 1–7 natively
    // (Prepare, Baseline, Detect) beside their Spark SQL (Prepare+SQL, Baseline+SQL, Detect+SQL).
    .target(name: "BeaconNotebook", dependencies: ["BeaconCore"]),
    // The periodicity method (spec/periodicity-method.md): parameters, finding, steps, the
    // allowlist, the history's day summaries, each native stage beside its Spark SQL.
    .target(name: "BeaconPeriodicity", dependencies: ["BeaconCore", "BeaconNet"]),
    // What a hunt is and returns, whichever engine runs it: `HuntSpec`, `HuntEngine`, `Findings`.
    .target(
      name: "BeaconSpec", dependencies: ["BeaconCore", "BeaconNotebook", "BeaconPeriodicity"]),
    // Enrichment from files the analyst has: MaxMind DB (GeoIP, ASN), threat-intel feeds.
    .target(name: "BeaconEnrich", dependencies: ["BeaconCore", "BeaconNet", "CCurl"]),
    // Trampolines for libcurl's variadic calls (RDAP loads libcurl at run time; no headers needed).
    .systemLibrary(name: "CCurl"),
    // The self-contained HTML report (map, table, summary).
    .target(name: "BeaconReport", dependencies: ["BeaconCore"]),
    // JSON lines, CSV, JSON and table writers shared by every engine.
    .target(
      name: "BeaconExport",
      dependencies: ["BeaconCore", "BeaconNotebook", "BeaconPeriodicity", "BeaconSpec"]),
    // The embedded engine: runs a `HuntSpec` through the loader and the method's native stages.
    .target(
      name: "BeaconEngine",
      dependencies: [
        "BeaconCore", "BeaconLoad", "BeaconNotebook", "BeaconPeriodicity", "BeaconSpec",
        "BeaconExport",
      ]
    ),
    // The pipeline around any engine: a hunt, then enrichment, the findings file and the HTML
    // report (`HuntPipeline`, `FindingsPipeline`); the CLI's commands are options on top of it.
    .target(
      name: "BeaconPipeline",
      dependencies: ["BeaconCore", "BeaconSpec", "BeaconEnrich", "BeaconExport", "BeaconReport"]),
    // Arrow IPC stream decoding, for results that come back from Spark.
    .target(name: "BeaconArrow"),
    // The Spark engine: the same hunt as Spark SQL over Spark Connect (gRPC). Generated code in
    // Generated/ comes from Protos/ via Scripts/generate-spark-connect.sh.
    .target(
      name: "BeaconSpark",
      dependencies: [
        "BeaconCore", "BeaconNet", "BeaconLoad", "BeaconNotebook", "BeaconPeriodicity",
        "BeaconSpec",
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
      name: "BeaconEvaluate",
      dependencies: [
        "BeaconCore", "BeaconNotebook", "BeaconPeriodicity", "BeaconSpec", "BeaconEngine",
        "BeaconSimulate",
      ]),
    .executableTarget(
      name: "BeaconHuntCLI",
      dependencies: [
        "BeaconEngine", "BeaconLoad", "BeaconNotebook", "BeaconPeriodicity", "BeaconSpec",
        "BeaconSimulate", "BeaconSpark", "BeaconEvaluate", "BeaconEnrich", "BeaconPipeline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "BeaconBench",
      dependencies: [
        "BeaconCore", "BeaconLoad", "BeaconNotebook", "BeaconPeriodicity", "BeaconSimulate",
      ]),

    // Helpers shared by the test suites (temporary folders, seeded input mutations, hostile
    // servers, the shared data's paths).
    .target(
      name: "BeaconTestSupport", dependencies: ["BeaconSimulate"], path: "Tests/BeaconTestSupport",
      exclude: ["Fixtures"]),
    // BeaconSimulate for its seeded generator (`SimRandom`).
    .testTarget(
      name: "BeaconCoreTests", dependencies: ["BeaconCore", "BeaconSimulate", "BeaconTestSupport"]),
    .testTarget(
      name: "BeaconLoadTests", dependencies: ["BeaconLoad", "BeaconSimulate", "BeaconTestSupport"]),
    .testTarget(name: "BeaconNetTests", dependencies: ["BeaconNet"]),
    .testTarget(
      name: "BeaconEnrichTests",
      dependencies: ["BeaconEnrich", "BeaconNet", "BeaconSimulate", "BeaconTestSupport"]),
    .testTarget(name: "BeaconReportTests", dependencies: ["BeaconReport", "BeaconCore"]),
    .testTarget(
      name: "BeaconNotebookTests",
      dependencies: ["BeaconNotebook", "BeaconCore", "BeaconSimulate"]),
    .testTarget(
      name: "BeaconPeriodicityTests",
      dependencies: [
        "BeaconPeriodicity", "BeaconCore", "BeaconNet", "BeaconSimulate", "BeaconTestSupport",
      ]),
    .testTarget(
      name: "BeaconExportTests",
      dependencies: ["BeaconExport", "BeaconCore", "BeaconNotebook", "BeaconTestSupport"]),
    .testTarget(
      name: "BeaconSparkTests",
      dependencies: [
        "BeaconSpark", "BeaconArrow", "BeaconEngine", "BeaconExport", "BeaconNotebook",
        "BeaconPeriodicity", "BeaconSpec", "BeaconSimulate", "BeaconTestSupport",
      ],
      // Arrow streams captured from Spark, read by path (ArrowFixtureTests).
      exclude: ["Fixtures"]),
    .testTarget(
      name: "BeaconEngineTests",
      dependencies: [
        "BeaconEngine", "BeaconNotebook", "BeaconPeriodicity", "BeaconSpec", "BeaconSimulate",
        "BeaconEvaluate", "BeaconTestSupport",
      ]),
    .testTarget(
      name: "BeaconPipelineTests",
      dependencies: [
        "BeaconPipeline", "BeaconEngine", "BeaconCore", "BeaconEnrich", "BeaconExport",
        "BeaconPeriodicity", "BeaconSpec", "BeaconSimulate", "BeaconTestSupport",
      ]),
    .testTarget(
      name: "BeaconHuntCLITests",
      dependencies: ["BeaconCore", "BeaconEnrich", "BeaconNet", "BeaconTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
