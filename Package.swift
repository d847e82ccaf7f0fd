// swift-tools-version: 6.1
import Foundation
import PackageDescription

// Layers point one way:
//   core (PDQ, HammingIndex: pure algorithms, no I/O)
//   ← ImageCodecs, ContentHashing (bytes → pixels → signals, the hashing pool)
//   ← Banks, Jobs, Lookup, Access (domain: no SQL, no HTTP, no C library)
//   ← BankImport (file formats), Storage (SQLKit on SQLite and PostgreSQL), SafeFetch,
//     IntegrationClients (PhotoDNA, NCMEC, webhooks), VigilServer (HTTP), VigilCommands (CLI) ← vigil
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The hot paths (PDQ, the Hamming index) are built for x86-64-v3 (Haswell, 2013: AVX2, POPCNT):
// the baseline x86-64 target has no POPCNT instruction at all. Set VIGIL_TARGET_CPU=x86-64 for
// older machines. Swift never contracts a*b+c into FMA, so PDQ stays bit-exact either way (the
// test suite checks it).
// The hot paths are optimised in debug builds too: the test suite hashes hundreds of images, and
// PDQ's SIMD code unoptimised is 30-100× slower (a 1.6-megapixel image: 287 ms against 2.7).
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#if arch(x86_64)
let targetCPU = ProcessInfo.processInfo.environment["VIGIL_TARGET_CPU"] ?? "haswell"
// CPUs known to have AVX2 and FMA: PDQ's 8×8 transposes use AVX2 intrinsics
// (Sources/PDQ/EightByEight.swift) and its divisions a multiply and two FMAs (ExactDivisor); any
// other target gets the same bits from plain code (software FMA would be far slower than dividing).
let avx2CPUs: Set = ["haswell", "broadwell", "skylake", "skylake-avx512", "cascadelake", "cooperlake", "cannonlake",
                     "icelake-client", "icelake-server", "tigerlake", "rocketlake", "alderlake", "raptorlake", "meteorlake",
                     "sapphirerapids", "emeraldrapids", "graniterapids", "x86-64-v3", "x86-64-v4",
                     "znver1", "znver2", "znver3", "znver4", "znver5"]
let hotPath: [SwiftSetting] = strictSwift + [.unsafeFlags(["-target-cpu", targetCPU])]
    + (avx2CPUs.contains(targetCPU) ? [.define("VIGIL_AVX2"), .define("VIGIL_FMA")] : []) + optimizedInDebug
#else
// Every 64-bit ARM CPU has FMA, as do the other 64-bit CPUs Swift builds for.
let hotPath: [SwiftSetting] = strictSwift + [.define("VIGIL_FMA", .when(platforms: [.macOS, .linux]))] + optimizedInDebug
#endif

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "PDQ", targets: ["PDQ"]),
        .library(name: "BankImport", targets: ["BankImport"]),
        .library(name: "ImageCodecs", targets: ["ImageCodecs"]),
        .library(name: "ImageSignals", targets: ["ImageSignals"]),
        .library(name: "ContentHashing", targets: ["ContentHashing"]),
        .library(name: "HammingIndex", targets: ["HammingIndex"]),
        .library(name: "Banks", targets: ["Banks"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Screening", targets: ["Screening"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.32.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.0"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.14.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        // Traces over OTLP/HTTP only: the gRPC exporter would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
    ],
    targets: [
        // MARK: core
        // Hex, durations as numbers, the one backoff: what every layer writes the same way.
        .target(name: "Basics", swiftSettings: hotPath),
        // Spans as every layer records them: a failure by its error's type, never its words.
        .target(name: "Spans", dependencies: [.product(name: "Tracing", package: "swift-distributed-tracing")], swiftSettings: strictSwift),
        .target(name: "PDQ", dependencies: ["Basics"], swiftSettings: hotPath),
        .target(name: "HammingIndex", dependencies: ["PDQ"], swiftSettings: hotPath),

        // Any JSON value, as JSONDecoder reads it (booleans and numbers kept apart).
        .target(name: "JSONValues", swiftSettings: strictSwift),

        // MARK: codecs (Debian's C libraries)
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CGIF", providers: [.apt(["libgif-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CHeif", pkgConfig: "libheif", providers: [.apt(["libheif-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // libpng reports errors by longjmp, which Swift cannot catch: this C shim owns the setjmp.
        .target(name: "CPNGShim", dependencies: ["CPNG"]),
        // glibc's malloc.h, which the Glibc module does not export: arenas, trim, and a reading.
        .target(name: "CAllocator"),
        .target(
            name: "ImageCodecs",
            dependencies: ["ImageSignals", "CTurboJPEG", "CPNG", "CPNGShim", "CGIF", "CWebP", "CTIFF", "CHeif"],
            swiftSettings: strictSwift
        ),
        // What an image's signals are and what hashing one takes, without a codec: the lookup
        // path depends on this, the hashing pool (ContentHashing) provides it.
        .target(name: "ImageSignals", dependencies: ["PDQ"], swiftSettings: strictSwift),
        .target(
            name: "ContentHashing",
            dependencies: ["Basics", "PDQ", "ImageSignals", "ImageCodecs", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),

        // MARK: domain
        .target(
            name: "Banks",
            dependencies: ["Basics", "PDQ", "HammingIndex", "Jobs"],
            swiftSettings: strictSwift
        ),

        // One durable job queue: jobs, their states, leases, retries; the worker loop.
        .target(
            name: "Jobs",
            dependencies: ["Basics", "Spans", .product(name: "Logging", package: "swift-log"), .product(name: "Tracing", package: "swift-distributed-tracing")],
            swiftSettings: strictSwift
        ),

        // The one lookup path: request → hashing pool → index → entries → verdict → event.
        .target(
            name: "Lookup",
            dependencies: ["Basics", "Spans", "PDQ", "Banks", "ImageSignals", .product(name: "Tracing", package: "swift-distributed-tracing")],
            swiftSettings: strictSwift
        ),

        // The credential vault: the master key, secrets sealed with AES-256-GCM, the key check.
        .target(
            name: "Vault",
            dependencies: ["Basics", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),

        // The integrations catalogue (declared as data) and the credentials for them.
        .target(
            name: "Integrations",
            dependencies: ["Basics", "Vault"],
            swiftSettings: strictSwift
        ),

        // Workflows: definitions, templates, the expression language, the validator, versions and
        // the durable run engine over the job queue.
        .target(
            name: "Workflows",
            dependencies: ["Basics", "Spans", "JSONValues", "Jobs", "Integrations", "Events", .product(name: "Logging", package: "swift-log"), .product(name: "Tracing", package: "swift-distributed-tracing")],
            swiftSettings: strictSwift
        ),

        // Events: what happened, in commit order; the feed that follows them for live streams.
        .target(
            name: "Events",
            dependencies: ["Basics", "JSONValues", "Jobs", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),

        // Cases and accounts: templates, review decisions, blocking, evidence.
        .target(
            name: "Cases",
            dependencies: ["Basics", "Events", "Banks", "JSONValues", "PDQ", "Jobs", "Access"],
            swiftSettings: strictSwift
        ),

        // Retroactive matching: what lookups screened, kept for a while, and each entry added to a
        // match bank checked against it.
        .target(
            name: "Screening",
            dependencies: ["Basics", "PDQ", "HammingIndex", "Banks", "Events", "Jobs", "JSONValues"],
            swiftSettings: strictSwift
        ),

        // NCMEC CyberTipline reports: drafts from cases, approval, the XML documents, and the
        // submission that makes each call once, as a job, and resumes after a crash.
        .target(
            name: "Reports",
            dependencies: ["Basics", "Cases", "Events", "Jobs", "JSONValues", "Banks", "PDQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),

        .target(
            name: "Access",
            dependencies: ["Basics", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),

        // MARK: adapters
        // The import formats (CSV, hash lists, NCMEC XML with libxml2, image files through the
        // hashing pool) and the import job that streams them into a bank.
        .target(
            name: "BankImport",
            dependencies: ["ImageSignals", "Basics", "PDQ", "Banks", "Jobs", "ContentHashing", "ImageCodecs", "CLibXML2"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "Storage",
            dependencies: [
                "Basics", "PDQ", "Banks", "Access", "Jobs", "Integrations", "Vault", "Workflows", "JSONValues", "Events", "Cases", "Reports", "Screening",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "SafeFetch",
            dependencies: [
                "ImageSignals", "Basics", "Spans", "ImageCodecs",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        // Clients of the integrations' own services: PhotoDNA's Match API, NCMEC's status and
        // hash-sharing calls, webhooks; and the credential probes built on them.
        // The workflow steps that act: cases, accounts, reports, banks, hashing, Match Lookup, webhooks.
        .target(
            name: "WorkflowSteps",
            dependencies: ["IntegrationClients", "Integrations", "Lookup", "SafeFetch", "Workflows", "JSONValues", "Banks", "PDQ", "Cases", "Reports"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "IntegrationClients",
            dependencies: [
                "Basics", "CLibXML2", "Integrations", "Banks", "Lookup", "SafeFetch", "JSONValues", "Events", "Jobs", "Reports",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift
        ),
        // Local stand-ins for NCMEC's Hash Sharing API and CyberTipline, for tests and the demo
        // (`vigil mock ncmec-hash-sharing`, `vigil mock ncmec-cybertipline`); the CyberTipline
        // one validates what it receives against NCMEC's XSD with libxml2.
        .target(
            name: "NCMECMock",
            dependencies: ["Basics", "CLibXML2", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "MultipartKit", package: "multipart-kit"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources/cybertipline-report.xsd")],
            swiftSettings: strictSwift
        ),
        .target(
            name: "VigilServer",
            dependencies: [
                "ImageSignals", "Basics", "PDQ", "ImageCodecs", "ContentHashing", "Banks", "BankImport", "Lookup", "Jobs", "Access", "SafeFetch", "Integrations", "Vault",
                "JSONValues", "Workflows", "Events", "Cases", "Reports", "Screening", "Spans", "CAllocator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Dashboard/Templates"), .copy("Dashboard/Assets")],
            swiftSettings: strictSwift
        ),
        // The one place the application is put together: every store, service, worker and job
        // handler, for `vigil serve`, for every command and for the tests' server.
        .target(
            name: "Composition",
            dependencies: [
                "Access", "BankImport", "Banks", "Cases", "ContentHashing", "Events", "IntegrationClients", "Integrations", "Jobs", "Lookup",
                "Reports", "SafeFetch", "Screening", "Storage", "Vault", "VigilServer", "Workflows", "WorkflowSteps", "JSONValues",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "VigilCommands",
            dependencies: [
                "ImageSignals", "Basics", "PDQ", "ImageCodecs", "ContentHashing", "Banks", "BankImport", "Lookup", "Jobs", "Storage", "Access", "SafeFetch", "VigilServer",
                "Composition", "Integrations", "IntegrationClients", "NCMECMock", "Vault", "Workflows", "JSONValues", "Cases", "Reports", "Screening",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(name: "vigil", dependencies: ["VigilCommands"], swiftSettings: strictSwift),

        // MARK: tests
        // Every parser's fuzz target, run by the suite's seeded harness and by the libFuzzer build (make fuzz).
        .target(name: "FuzzTargets", dependencies: [
            "BankImport", "Banks", "IntegrationClients", "Workflows", "JSONValues", .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Tests/FuzzTargets", swiftSettings: strictSwift),
        .executableTarget(name: "vigil-fuzz", dependencies: ["FuzzTargets"], path: "Tests/VigilFuzz", swiftSettings: strictSwift),
        .target(name: "VigilTestSupport", dependencies: ["PDQ", "Banks", "Storage", "ContentHashing", "Jobs", "Cases", "Events", "JSONValues"], path: "Tests/VigilTestSupport", swiftSettings: strictSwift),
        .testTarget(name: "BankImportTests", dependencies: ["FuzzTargets", "ImageSignals", "VigilTestSupport", "BankImport", "Banks", "Jobs", "Storage", "ContentHashing", "ImageCodecs", "PDQ"],
                    swiftSettings: strictSwift),
        .testTarget(name: "WorkflowsTests", dependencies: ["FuzzTargets", "VigilTestSupport", "Workflows", "JSONValues", "Jobs", "Events"],
                    swiftSettings: strictSwift),
        .testTarget(name: "CasesTests", dependencies: ["VigilTestSupport", "Cases", "Banks", "PDQ", "Events", "JSONValues", "Storage"], swiftSettings: strictSwift),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"], swiftSettings: strictSwift),
        .testTarget(name: "BasicsTests", dependencies: ["Basics"], swiftSettings: strictSwift),
        .testTarget(name: "JSONValuesTests", dependencies: ["JSONValues"], swiftSettings: strictSwift),
        .testTarget(name: "JobsTests", dependencies: ["VigilTestSupport", "Jobs"], swiftSettings: strictSwift),
        .testTarget(name: "VaultTests", dependencies: ["VigilTestSupport", "Vault"], swiftSettings: strictSwift),
        .testTarget(name: "IntegrationsTests", dependencies: ["VigilTestSupport", "Integrations", "Vault", "Storage"], swiftSettings: strictSwift),
        .testTarget(name: "IntegrationClientsTests", dependencies: ["FuzzTargets", 
            "VigilTestSupport", "IntegrationClients", "Integrations", "SafeFetch", "Reports", "NCMECMock", "JSONValues",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strictSwift),
        .testTarget(name: "ContentHashingTests", dependencies: ["ImageSignals", "VigilTestSupport", "ContentHashing", "ImageCodecs"], swiftSettings: strictSwift),
        .testTarget(name: "BanksTests", dependencies: ["VigilTestSupport", "Banks", "PDQ"], swiftSettings: strictSwift),
        .testTarget(name: "LookupTests", dependencies: ["VigilTestSupport", "Lookup", "Banks", "PDQ", "ContentHashing", "ImageSignals"],
                    swiftSettings: strictSwift),
        .testTarget(name: "PDQTests", dependencies: ["VigilTestSupport", "PDQ"], swiftSettings: strictSwift),
        .testTarget(name: "ImageCodecsTests", dependencies: ["ImageSignals", "VigilTestSupport", "ImageCodecs", "PDQ", "ContentHashing", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSwift),
        .testTarget(name: "HammingIndexTests", dependencies: ["VigilTestSupport", "HammingIndex", "PDQ"], swiftSettings: strictSwift),
        .testTarget(name: "StorageTests", dependencies: ["VigilTestSupport", "Storage", "IntegrationClients", "Integrations", "Banks", "Access", "Jobs", "PDQ", "Workflows", "JSONValues", "Events", "Cases", "Reports", "Vault", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log")], swiftSettings: strictSwift),
        .testTarget(name: "VigilCommandsTests", dependencies: ["VigilTestSupport", "PDQ", "VigilCommands", "Vault", "Storage", "Screening", "Access"], swiftSettings: strictSwift),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilTestSupport", "VigilServer", "Composition", "SafeFetch", "Storage", "Banks", "BankImport", "Lookup", "Integrations", "IntegrationClients", "WorkflowSteps", "NCMECMock", "Vault", "Jobs", "Access", "PDQ", "ContentHashing",
                "Workflows", "JSONValues", "Events", "Cases", "Reports", "Screening", "Basics",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                "ImageCodecs",
            ],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)
