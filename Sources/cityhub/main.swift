// The `cityhub` executable: only the command-line commands. Everything they do lives in CityApp
// and the modules.
import ArgumentParser
import CityApp
import CityCore
import CityStore
import Foundation
import Identity
import Logging

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Database: an SQLite file path or a postgres:// URL (env CITYHUB_DATABASE_URL). Default data/cityhub.sqlite.")
    var database: String?

    @Option(name: .long, help: "A JSON file of configuration keys (http.port, db.url, …).")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String?

    @Option(name: .long, help: "Log format: text (default) or json (one object a line).")
    var logFormat: String?

    func configuration(_ extra: [String: String] = [:]) throws -> CityConfiguration {
        var overrides = extra
        if let database { overrides["db.url"] = database }
        if let logLevel { overrides["log.level"] = logLevel }
        if let logFormat { overrides["log.format"] = logFormat }
        return try CityConfiguration.load(file: config, overrides: overrides)
    }

    func logger(_ config: CityConfiguration) -> Logger {
        if config.logFormat == "json" { LogSetup.json() }
        var logger = Logger(label: "cityhub")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        return logger
    }
}

@main
struct CityHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cityhub",
        abstract: "CityHub: the city's data foundation, command center and applications on one platform.",
        subcommands: [Serve.self, Migrate.self, Seed.self, ImportCommand.self, APIKeyCommand.self, AuditCommand.self, UserCommand.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the platform (migrates, and seeds demo data on first start).")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(name: .long, help: "Port (default 8080).") var port: Int?

    func run() async throws {
        var extra: [String: String] = [:]
        if let host { extra["http.host"] = host }
        if let port { extra["http.port"] = String(port) }
        let config = try common.configuration(extra)
        let logger = common.logger(config)
        let opened = try await openPlatform(config, logger: logger)
        if let seed = opened.seed {
            printSeed(seed)
        }
        let day = ISO8601DateFormatter().string(from: Date()).prefix(10)
        try await opened.platform.jobs.enqueue(NewJob(kind: "identity.purge-sessions", dedupeKey: "purge-sessions-\(day)"))
        let url = "http://\(config.host):\(config.port)"
        let app = buildApplication(opened, config: config) { _ in
            say("CityHub is running at \(url)  (store: \((try? StoreLocation(config.databaseURL).description) ?? "?"))")
            say("周口城市大脑已启动：\(url)   Ctrl-C 停止 / to stop")
        }
        do {
            try await app.runService()
        } catch {
            await opened.store.close()
            throw error
        }
        // Every in-flight request has finished by now: close the store last.
        await opened.store.close()
        logger.info("stopped cleanly")
    }
}

func printSeed(_ seed: ReferenceData.Report) {
    say("Seeded reference data: \(seed.divisions) divisions, \(seed.organisations) organisations.")
    guard !seed.created.isEmpty else { return }
    say("")
    say("Accounts created (passwords are shown this once; 密码仅显示这一次):")
    for c in seed.created {
        let roles = c.roles.isEmpty ? "citizen" : c.roles.map(\.rawValue).joined(separator: ",")
        say("  \(c.username.padding(toLength: 18, withPad: " ", startingAt: 0)) \(c.password.padding(toLength: 20, withPad: " ", startingAt: 0)) \(roles) @ \(c.organisationCode)")
    }
    say("")
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.configuration()
        let store = try await Store.open(try StoreLocation(config.databaseURL), logger: common.logger(config))
        let applied: [Migration]
        do {
            applied = try await store.migrate(allMigrations)
        } catch {
            await store.close()
            throw error
        }
        say("Applied \(applied.count) migration(s).")
        for m in applied { say("  \(m.module)#\(m.number) \(m.name)") }
        await store.close()
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load the Zhoukou reference data again (idempotent); --scale city adds the reference city's 1,085 organisations and 21,600 staff.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "demo (default), small (300 organisations, 2,160 staff) or city (1,085 and 21,600).") var scale: String = "demo"
    @Option(name: .long, help: "With --scale city: one password for every synthetic account (hashed once). Without it they await activation.")
    var staffPassword: String?

    func run() async throws {
        let config = try common.configuration(["seed.onFirstStart": "false"])
        let logger = common.logger(config)
        let opened = try await openPlatform(config, logger: logger)
        do {
            let report = try await ReferenceData.seed(platform: opened.parts, adminPassword: config.adminPassword, demoPassword: config.demoPassword)
            printSeed(report)
            let size: CityScale.Size? = switch scale {
            case "city": .city
            case "small": .small
            case "demo": nil
            default: throw ValidationError("--scale must be demo, small or city")
            }
            if let size {
                let start = ContinuousClock.now
                let result = try await CityScale.load(platform: opened.parts, size: size, staffPassword: staffPassword, hasher: PasswordHasher(cost: config.bcryptCost))
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                say("Scale \(scale): \(result.organisations) organisations, \(result.staff) staff accounts (\(result.newStaff) new) in \(String(format: "%.3f", seconds)) s")
            }
        } catch {
            await opened.store.close()
            throw error
        }
        await opened.store.close()
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import reference data files.", subcommands: [Divisions.self, Staff.self])

    struct Staff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import staff accounts from CSV (username,display_name,organisation_code,roles with roles split by ;). Bad lines are reported and skipped; re-running adds nothing twice.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The CSV file (UTF-8).") var file: String

        func run() async throws {
            let config = try common.configuration(["seed.onFirstStart": "false"])
            let opened = try await openPlatform(config, logger: common.logger(config))
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                let (accounts, rejected) = StaffImport.parse(text, organisations: try await opened.platform.organisations.allCodes())
                let created = try await opened.platform.staff.load(accounts)
                try await opened.platform.audit.append(AuditEntry(actor: "cli:\(NSUserName())", action: "identity.staff.import", recordType: "file",
                                                                  recordID: URL(fileURLWithPath: file).lastPathComponent,
                                                                  detail: "\(created) created, \(accounts.count - created) existed, \(rejected.count) rejected"))
                say("Imported \(created) new account(s); \(accounts.count - created) existed already; rejected \(rejected.count) line(s).")
                for r in rejected { say("  \(r)") }
                if created > 0 { say("New accounts await activation: cityhub user set-password USERNAME") }
            } catch {
                await opened.store.close()
                throw error
            }
            await opened.store.close()
        }
    }

    struct Divisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import division boundaries from a GeoJSON FeatureCollection (properties adcode, name; optional parent_adcode, label_lon, label_lat).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The GeoJSON file.") var file: String
        @Option(name: .long, help: "The credit to show with maps drawn from it.") var source: String

        func run() async throws {
            let config = try common.configuration(["seed.onFirstStart": "false"])
            let opened = try await openPlatform(config, logger: common.logger(config))
            do {
                let report = try await opened.platform.divisions.importGeoJSON(try Data(contentsOf: URL(fileURLWithPath: file)), source: source)
                try await opened.platform.audit.append(AuditEntry(actor: "cli:\(NSUserName())", action: "registry.division.import", recordType: "file",
                                                                  recordID: URL(fileURLWithPath: file).lastPathComponent, detail: "\(report.imported) imported, \(report.rejected.count) rejected"))
                say("Imported \(report.imported) division(s); rejected \(report.rejected.count).")
                for r in report.rejected { say("  feature \(r.feature): \(r.reason)") }
            } catch let error as any CityError {
                await opened.store.close()
                throw ValidationError("\(error.messageZh) / \(error.messageEn)")
            }
            await opened.store.close()
        }
    }
}

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apikey", abstract: "Manage API keys for other government systems.",
                                                    subcommands: [Create.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it once.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "What the key is for.") var name: String
        @Option(name: .long, help: "Owning organisation code (default 411600-BDB).") var org: String = "411600-BDB"
        @Option(name: .long, parsing: .upToNextOption, help: "Roles (default departmentHandler).") var role: [String] = ["departmentHandler"]

        func run() async throws {
            let config = try common.configuration(["seed.onFirstStart": "false"])
            let opened = try await openPlatform(config, logger: common.logger(config))
            do {
                let roles = try role.map { text -> Role in
                    guard let r = Role(rawValue: text), r != .platformAdmin else { throw ValidationError("unknown or forbidden role \(text)") }
                    return r
                }
                let (key, secret) = try await opened.platform.keys.create(name: name, organisationCode: org, roles: Set(roles))
                try await opened.platform.audit.append(AuditEntry(actor: "cli:\(NSUserName())", action: "identity.apikey.create", recordType: "apikey", recordID: key.id))
                say(secret)
                FileHandle.standardError.write(Data("API key \(key.id) for \(org), roles \(key.roles.map(\.rawValue).joined(separator: ",")). Shown once: store it now.\n".utf8))
            } catch {
                await opened.store.close()
                throw error
            }
            await opened.store.close()
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")
        @OptionGroup var common: CommonOptions
        @Argument var id: String

        func run() async throws {
            let config = try common.configuration(["seed.onFirstStart": "false"])
            let opened = try await openPlatform(config, logger: common.logger(config))
            let revoked = try await opened.platform.keys.revoke(id: id)
            if revoked {
                try await opened.platform.audit.append(AuditEntry(actor: "cli:\(NSUserName())", action: "identity.apikey.revoke", recordType: "apikey", recordID: id))
            }
            if revoked { await opened.platform.revocations.settle() }
            await opened.store.close()
            say(revoked ? "revoked \(id)" : "no active key \(id)")
            if !revoked { throw ExitCode(1) }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the hash chain; exit 1 and name each edited, deleted or reordered row.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.configuration(["seed.onFirstStart": "false"])
            let store = try await Store.open(try StoreLocation(config.databaseURL), logger: common.logger(config))
            let result = try await AuditLog(store: store).verify()
            await store.close()
            if result.isIntact {
                say("audit log intact: \(result.checked) entries, head \(result.headHash)")
            } else {
                say("audit log TAMPERED: \(result.problems.count) problem(s) in \(result.checked) entries")
                for p in result.problems { say("  \(p)") }
                throw ExitCode(1)
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Staff accounts.", subcommands: [SetPassword.self])

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a staff password (generated and printed when not given).")
        @OptionGroup var common: CommonOptions
        @Argument var username: String
        @Option(name: .long, help: "The new password (10+ characters, letters and digits).") var password: String?

        func run() async throws {
            let config = try common.configuration(["seed.onFirstStart": "false"])
            let opened = try await openPlatform(config, logger: common.logger(config))
            let chosen = password ?? Secrets.password()
            do {
                try await opened.platform.staff.setPassword(username: username, password: chosen)
                try await opened.platform.audit.append(AuditEntry(actor: "cli:\(NSUserName())", action: "identity.staff.password", recordType: "staff", recordID: username))
                await opened.platform.revocations.settle()
            } catch let error as any CityError {
                await opened.store.close()
                throw ValidationError("\(error.messageZh) / \(error.messageEn)")
            }
            await opened.store.close()
            say(password == nil ? "\(username): \(chosen)" : "\(username): password set")
        }
    }
}

/// Writes a line to standard output at once (unbuffered), so the URL and the one-time passwords
/// appear even when the output is piped to a file.
func say(_ text: String = "") {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// The logging system can be bootstrapped once per process.
enum LogSetup {
    /// Lazily initialised exactly once, however many commands ask.
    private static let bootstrapJSON: Bool = {
        LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        return true
    }()

    static func json() { _ = bootstrapJSON }
}
