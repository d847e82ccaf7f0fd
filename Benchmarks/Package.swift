// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that CI's debug build of Vigil never builds the harness.
// Run them with `Benchmarks/run.sh` (release mode); see docs/benchmarks.md.
let package = Package(
    name: "VigilBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Vigil", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchmarkInputs",
            dependencies: [.product(name: "ImageCodecs", package: "Vigil"), .product(name: "PDQ", package: "Vigil")]
        ),
        .executableTarget(
            name: "PDQBenchmarks",
            dependencies: [
                "BenchmarkInputs",
                .product(name: "PDQ", package: "Vigil"),
                .product(name: "ImageCodecs", package: "Vigil"),
                .product(name: "ContentHashing", package: "Vigil"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PDQBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "FastDecodeStudy",
            dependencies: [
                "BenchmarkInputs",
                .product(name: "ImageCodecs", package: "Vigil"),
                .product(name: "ImageSignals", package: "Vigil"),
                .product(name: "ContentHashing", package: "Vigil"),
            ]
        ),
        .executableTarget(
            name: "IndexBench",
            dependencies: [
                "BenchmarkInputs",
                .product(name: "PDQ", package: "Vigil"),
                .product(name: "HammingIndex", package: "Vigil"),
                .product(name: "Banks", package: "Vigil"),
                .product(name: "BankImport", package: "Vigil"),
                .product(name: "ContentHashing", package: "Vigil"),
                .product(name: "Storage", package: "Vigil"),
            ]
        ),
        .executableTarget(
            name: "RetroBench",
            dependencies: [
                "BenchmarkInputs",
                .product(name: "PDQ", package: "Vigil"),
                .product(name: "Banks", package: "Vigil"),
                .product(name: "Screening", package: "Vigil"),
                .product(name: "Storage", package: "Vigil"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
