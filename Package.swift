// swift-tools-version:6.0
import PackageDescription

// The record writers are single-owner buffers; dynamic exclusivity checks cost about a fifth of the
// generation time in release builds (measured with perf), so they are off there and on in debug/tests.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
// Generation and validation run hundreds of thousands of records in the tests too: optimised in debug builds
// as well (a 100k-record validation takes 40 s unoptimised, about 1 s optimised).
let optimisedInTests: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "ecomdata",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ecomdata", targets: ["ecomdata"]),
        .library(name: "EcomGeneration", targets: ["EcomGeneration"]),
        .library(name: "EcomReports", targets: ["EcomReports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CJansson",
            pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]
        ),
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // simdjson's DOM parser behind a C interface; the only C++ in the package.
        .target(
            name: "CSimdJSON",
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        .target(name: "EcomJSON", dependencies: ["CJansson", "CSimdJSON"]),
        .target(name: "EcomModel", dependencies: ["EcomJSON", "Yams"], swiftSettings: hotPath + optimisedInTests),
        .target(name: "EcomGeneration", dependencies: ["EcomModel", "EcomJSON"], swiftSettings: hotPath + optimisedInTests),
        .target(
            name: "EcomValidation",
            dependencies: ["CSimdJSON", "EcomModel", "EcomGeneration", "EcomJSON", "Yams"],
            swiftSettings: hotPath + optimisedInTests
        ),
        .target(name: "EcomKafka", dependencies: ["CRdKafka", "CSimdJSON", "EcomModel", "EcomGeneration", "EcomJSON"], swiftSettings: hotPath),
        // Reads topics back and reconciles them with what was produced, then validates what was read.
        .target(
            name: "EcomAudit",
            dependencies: ["EcomKafka", "EcomValidation", "EcomGeneration", "EcomModel", "EcomJSON"],
            swiftSettings: hotPath
        ),
        .target(
            name: "EcomReports",
            dependencies: ["EcomJSON", .product(name: "Mustache", package: "swift-mustache")],
            resources: [.copy("Templates")]
        ),
        .executableTarget(
            name: "ecomdata",
            dependencies: [
                "EcomGeneration", "EcomModel", "EcomJSON", "EcomKafka", "EcomValidation", "EcomAudit", "EcomReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "EcomJSONTests", dependencies: ["EcomJSON", "EcomGeneration", "EcomModel"]),
        .testTarget(name: "EcomModelTests", dependencies: ["EcomModel", "EcomJSON"]),
        .testTarget(name: "EcomGenerationTests", dependencies: ["EcomGeneration", "EcomModel", "EcomJSON"]),
        .testTarget(name: "EcomValidationTests", dependencies: ["EcomValidation", "EcomGeneration", "EcomModel", "EcomJSON"]),
        .testTarget(name: "EcomKafkaTests", dependencies: ["EcomKafka", "EcomGeneration", "EcomModel"]),
        .testTarget(name: "EcomAuditTests", dependencies: ["EcomAudit", "EcomKafka", "EcomValidation", "EcomGeneration", "EcomModel", "EcomJSON"]),
        .testTarget(name: "EcomReportsTests", dependencies: ["EcomReports", "EcomJSON"]),
        .testTarget(name: "ecomdataTests", dependencies: ["EcomJSON"]),
    ],
    cxxLanguageStandard: .cxx17
)
