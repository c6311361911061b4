// Real stores for tests, one per engine: SQLite in a fresh temporary folder always, and
// PostgreSQL in a fresh database when CITYHUB_TEST_POSTGRES_URL names a server (scripts/test sets
// it; with CITYHUB_REQUIRE_POSTGRES=1 a missing server fails the run instead of skipping).
import CityStore
import Foundation
import Logging

/// The engines a storage test runs on.
public enum TestEngine: String, Sendable, CustomStringConvertible, CaseIterable {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// SQLite always; PostgreSQL when configured (or required).
    public static var all: [TestEngine] {
        let env = ProcessInfo.processInfo.environment
        if env["CITYHUB_TEST_POSTGRES_URL"] != nil || env["CITYHUB_REQUIRE_POSTGRES"] == "1" { return [.sqlite, .postgres] }
        return [.sqlite]
    }
}

public enum TestStores {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with the URL of a new, empty database on `engine`, removed afterwards.
    public static func withDatabaseURL<T: Sendable>(_ engine: TestEngine, _ body: (String) async throws -> T) async throws -> T {
        switch engine {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            return try await body(folder.appendingPathComponent("test.sqlite").path)
        case .postgres:
            guard let adminURL = ProcessInfo.processInfo.environment["CITYHUB_TEST_POSTGRES_URL"] else {
                throw TestStoreError.postgresNotConfigured
            }
            let name = "cityhub_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            guard var parts = URLComponents(string: adminURL) else { throw TestStoreError.postgresNotConfigured }
            parts.path = "/" + name
            return try await Store.withStore(try StoreLocation(adminURL), logger: logger, poolSize: 1) { admin in
                // CREATE and DROP DATABASE run outside a transaction.
                try await admin.withConnection { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
                do {
                    let result = try await body(parts.string!)
                    try? await admin.withConnection { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
                    return result
                } catch {
                    try? await admin.withConnection { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
                    throw error
                }
            }
        }
    }

    /// Runs `body` with an open store on a new database, migrated with `migrations`.
    public static func with<T: Sendable>(_ engine: TestEngine, migrations: [Migration] = StoreMigrations.all,
                                         _ body: (Store) async throws -> T) async throws -> T {
        try await withDatabaseURL(engine) { url in
            // A generous lease bound: the whole suite runs in parallel on two cores.
            try await Store.withStore(try StoreLocation(url), logger: logger, leaseTimeout: .seconds(30)) { store in
                try await store.migrate(migrations)
                return try await body(store)
            }
        }
    }
}

public enum TestStoreError: Error, CustomStringConvertible {
    case postgresNotConfigured
    public var description: String { "CITYHUB_REQUIRE_POSTGRES=1 but CITYHUB_TEST_POSTGRES_URL is not set: run scripts/test" }
}
