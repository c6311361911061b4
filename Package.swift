// swift-tools-version: 6.0
// CityHub: one platform for a prefecture-level city. See README.md.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "CityHub",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cityhub", targets: ["cityhub"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // Shared values; Foundation only.
        .target(name: "CityCore", swiftSettings: swiftSettings),
        // The SQL layer over SQLite and PostgreSQL: migrations, transactions, jobs, audit.
        .target(
            name: "CityStore",
            dependencies: [
                "CityCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Organisations, staff, roles, citizens, API keys, sessions, division scope.
        .target(
            name: "Identity",
            dependencies: [
                "CityCore", "CityStore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // Geography: divisions and their boundaries.
        .target(
            name: "Registry",
            dependencies: [
                "CityCore", "CityStore", "Identity", "Exchange",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command center's cases: intake, routing, the closed loop, deadlines, indicators.
        .target(
            name: "Cases",
            dependencies: [
                "CityCore", "CityStore", "Identity", "Registry",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The catalogue, share requests and grants, the data API, subscriptions and delivery.
        .target(
            name: "Exchange",
            dependencies: [
                "CityCore", "CityStore", "Identity",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // SM2 with SM3 and SM2 certificates through the system's OpenSSL 3 (libssl-dev): swift-crypto
        // has no SM2, and swift-certificates cannot hold an SM2 key.
        .target(
            name: "CSM2",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        // Seals (a city root CA, a key and certificate per department), licences sealed as JWS,
        // offline verification, revocation and the signed status list.
        .target(
            name: "Licences",
            dependencies: [
                "CityCore", "CityStore", "Identity", "Registry", "CSM2",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Hummingbird application: contexts, auth, controllers, problem+json, OpenAPI.
        .target(
            name: "CityHTTP",
            dependencies: [
                "CityCore", "CityStore", "Identity", "Registry", "Cases", "Exchange", "Licences",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Server-rendered pages on top of the HTTP layer: templates, static files, their routes.
        .target(
            name: "CityWeb",
            dependencies: [
                "CityCore", "CityHTTP", "Identity", "Registry", "Cases", "Licences",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Templates"), .copy("Static")],
            swiftSettings: swiftSettings
        ),
        // Composition root: configuration, store, services, seed.
        .target(
            name: "CityApp",
            dependencies: [
                "CityCore", "CityStore", "Identity", "Registry", "Cases", "Exchange", "Licences", "CityHTTP", "CityWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Seed")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cityhub",
            dependencies: [
                "CityApp", "CityStore", "Identity", "Licences",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The bench baseline: a bare Hummingbird hello-world, measured beside CityHub.
        .executableTarget(
            name: "hello-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/hello-baseline",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "stack-ceiling",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "SQLiteKit", package: "sqlite-kit"),
                           .product(name: "PostgresKit", package: "postgres-kit"), .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/stack-ceiling",
            swiftSettings: swiftSettings
        ),
        // The licences.verify bench: the module's verifier beside raw swift-crypto, in one process.
        .executableTarget(
            name: "licence-verify",
            dependencies: ["Licences", "CSM2", .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates")],
            path: "Benchmarks/licence-verify",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CityCoreTests", dependencies: ["CityCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CityStoreTests",
            dependencies: ["CityStore", "TestSupport", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IdentityTests",
            dependencies: ["Identity", "CityStore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RegistryTests",
            dependencies: ["Registry", "Exchange", "Identity", "CityStore", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CasesTests",
            dependencies: ["Cases", "Registry", "Identity", "CityStore", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExchangeTests",
            dependencies: ["Exchange", "Identity", "CityStore", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LicencesTests",
            dependencies: ["Licences", "Registry", "Identity", "CityStore", "TestSupport", .product(name: "X509", package: "swift-certificates"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CityAppTests",
            dependencies: ["CityApp", "CityStore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CityHTTPTests",
            dependencies: [
                "CityApp", "CityHTTP", "CityWeb", "Identity", "CityStore", "Registry", "Cases", "Licences", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // Opens a real store per engine for tests: SQLite in a temp dir, PostgreSQL when configured.
        .target(
            name: "TestSupport",
            dependencies: ["CityStore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
    ]
)
