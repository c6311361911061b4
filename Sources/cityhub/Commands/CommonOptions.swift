import ArgumentParser
import CityApp
import CityCore
import CityStore
import Foundation
import Identity
import Logging

/// How log lines are written.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension Role: ExpressibleByArgument {}

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Database: an SQLite file path or a postgres:// URL (env CITYHUB_DATABASE_URL). Default data/cityhub.sqlite.")
    var database: String?

    @Option(name: .long, help: "A JSON file of configuration keys (http.port, db.url, …).")
    var config: String?

    @Option(name: .long, help: "Log level.")
    var logLevel: Logger.Level?

    @Option(name: .long, help: "Log format: text (default) or json (one object a line).")
    var logFormat: LogFormat?

    func configuration(_ extra: [String: String] = [:]) throws -> CityConfiguration {
        var overrides = extra
        if let database { overrides["db.url"] = database }
        if let logLevel { overrides["log.level"] = logLevel.rawValue }
        if let logFormat { overrides["log.format"] = logFormat.rawValue }
        return try CityConfiguration.load(file: config, overrides: overrides)
    }

    func logger(_ config: CityConfiguration) -> Logger {
        if config.logFormat == "json" { LogSetup.json() } else { LogSetup.text() }
        var logger = Logger(label: "cityhub")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        return logger
    }

    /// Opens the platform (migrated, not seeded), runs `body`, and closes the store whatever
    /// happens. A module's refusal is printed in Chinese and English, without a stack of types.
    func withPlatform<T: Sendable>(indexGeography: Bool = true, _ body: (OpenedPlatform, CityConfiguration) async throws -> T) async throws -> T {
        let config = try configuration(["seed.onFirstStart": "false"])
        do {
            return try await CityApp.withPlatform(config, logger: logger(config), indexGeography: indexGeography) { opened in try await body(opened, config) }
        } catch let error as any CityError {
            throw ValidationError("\(error.messageZh) / \(error.messageEn)")
        }
    }

    /// Opens the store alone (no migrations), runs `body`, and closes it whatever happens.
    func withStore<T: Sendable>(_ body: (Store) async throws -> T) async throws -> T {
        let config = try configuration(["seed.onFirstStart": "false"])
        return try await Store.withStore(try StoreLocation(config.databaseURL), logger: logger(config), body)
    }
}
