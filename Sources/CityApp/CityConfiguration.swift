// CityApp: the composition root. Reads configuration, opens the store, runs migrations and the
// first-start seed, and builds the application the `cityhub` CLI and every HTTP test run.
import CityStore
import Foundation
import Licences
import Logging

/// The platform's configuration, read once in layers: defaults < config file < environment <
/// command-line flags. Keys are dotted per subsystem (`http.port`, `db.url`); the environment
/// spells them `CITYHUB_HTTP_PORT`, `CITYHUB_DB_URL`, `CITYHUB_IDENTITY_BCRYPT_COST`, with the aliases
/// `CITYHUB_DATABASE_URL`, `CITYHUB_ADMIN_PASSWORD`, `CITYHUB_DEMO_PASSWORD`, `CITYHUB_PORT`.
public struct CityConfiguration: Sendable, Equatable {
    /// Address to listen on; 127.0.0.1 by default, so a laptop does not serve its network.
    public var host = "127.0.0.1"
    public var port = 8080
    /// Where the data lives: an SQLite file path or a postgres:// URL.
    public var databaseURL = "data/cityhub.sqlite"
    /// bcrypt cost for new passwords.
    public var bcryptCost: UInt8 = 10
    /// Largest request body, in bytes.
    public var maxBodySize = 1 << 20
    /// Whether the session cookie is `Secure`.
    public var secureCookies = true
    /// Whether to seed the reference data and demo accounts on first start.
    public var seedOnFirstStart = true
    /// Whether that seed adds the demo data (a grid over the central district, camera sites,
    /// addresses, synthetic residents), marked demo, beside the reference data and accounts.
    public var seedDemoData = true
    /// Password for the `admin` account created on first start (generated when nil).
    public var adminPassword: String?
    /// Password for every demo account (each gets its own generated one when nil).
    public var demoPassword: String?
    /// Log level.
    public var logLevel = "info"
    /// `text` (readable, the default) or `json` (one object a line, for log shippers).
    public var logFormat = "text"
    /// Whether this process runs queued jobs.
    public var runJobs = true
    /// Whether this process sends subscriptions' webhooks (each event goes out from one process).
    public var deliverWebhooks = true
    /// Whether webhook receivers on loopback or private addresses may be registered (tests, a closed network).
    public var allowPrivateReceivers = false
    /// Failed logins one client address may make in 15 minutes before it must wait.
    public var loginFailureLimit = 30
    /// Seconds a request waits for a PostgreSQL connection before answering 503.
    public var dbLeaseTimeout = 5
    /// The key that signs audit checkpoints; never in the database. Default: beside an SQLite
    /// database, else `data/audit-checkpoint.key`. Created (0600) on first start.
    public var auditKeyFile: String?
    /// Where signed audit checkpoints are appended. Default: beside the key.
    public var auditCheckpointFile: String?
    /// Seconds between audit checkpoints; 0 turns the periodic checkpoint off.
    public var auditCheckpointInterval = 300
    /// The key-encryption key that seals the seals' private keys, base64 of 32 bytes (from a
    /// secret store, through `CITYHUB_LICENCES_KEY_ENCRYPTION_KEY`). Takes precedence over the file.
    public var licencesKeyEncryptionKey: String?
    /// The file holding the key-encryption key (base64). Default: beside an SQLite database, else
    /// `data/licences-kek.key`. Created (0600) on first start when missing; never in the database.
    public var licencesKeyFile: String?
    /// A JSON file of licence type definitions, defined (or redefined) at every start.
    public var licencesTypesFile: String?

    /// The key file in use.
    public var resolvedLicencesKeyFile: String {
        if let licencesKeyFile { return licencesKeyFile }
        if case .sqliteFile(let path)? = (try? StoreLocation(databaseURL))?.kind {
            return URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("licences-kek.key").path
        }
        return "data/licences-kek.key"
    }

    /// The key file in use.
    public var resolvedAuditKeyFile: String {
        if let auditKeyFile { return auditKeyFile }
        if case .sqliteFile(let path)? = (try? StoreLocation(databaseURL))?.kind {
            return URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("audit-checkpoint.key").path
        }
        return "data/audit-checkpoint.key"
    }

    /// The audit notary these settings name: its key (created on first use) and checkpoint file.
    public func auditNotary() throws -> AuditNotary {
        try AuditNotary.load(keyFile: URL(fileURLWithPath: resolvedAuditKeyFile), checkpointFile: URL(fileURLWithPath: resolvedAuditCheckpointFile))
    }

    /// The key vault for the seals' private keys: the configured key, else the key file, created
    /// (0600) with a new random key when missing. `created` names a file made just now.
    public func keyVault() throws -> (vault: KeyVault, created: String?) {
        if let text = licencesKeyEncryptionKey, let key = Data(base64Encoded: text) {
            return (try KeyVault(keyEncryptionKey: key), nil)
        }
        let file = URL(fileURLWithPath: resolvedLicencesKeyFile)
        let (key, created) = try SecretKeyFile.load(file, length: 32, make: KeyVault.newKey)
        return (try KeyVault(keyEncryptionKey: key), created ? file.path : nil)
    }

    /// The checkpoint file in use.
    public var resolvedAuditCheckpointFile: String {
        auditCheckpointFile ?? URL(fileURLWithPath: resolvedAuditKeyFile).deletingLastPathComponent().appendingPathComponent("audit-checkpoints.jsonl").path
    }

    public init() {}

    /// The keys this configuration understands.
    public static let keys = ["http.host", "http.port", "db.url", "identity.bcryptCost", "http.maxBodySize", "http.secureCookies",
                              "seed.onFirstStart", "seed.demoData", "exchange.deliverWebhooks", "exchange.allowPrivateReceivers", "identity.adminPassword", "identity.demoPassword", "log.level", "jobs.run", "identity.loginFailureLimit", "log.format",
                              "db.leaseTimeout", "audit.keyFile", "audit.checkpointFile", "audit.checkpointInterval",
                              "licences.keyEncryptionKey", "licences.keyFile", "licences.typesFile"]

    /// Shorter environment names the README uses.
    static let aliases = ["CITYHUB_DATABASE_URL": "db.url", "CITYHUB_ADMIN_PASSWORD": "identity.adminPassword",
                          "CITYHUB_DEMO_PASSWORD": "identity.demoPassword", "CITYHUB_PORT": "http.port"]

    /// Reads the layers. `file` is a JSON object of dotted keys; `overrides` are the flags.
    public static func load(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [String: String] = [:]) throws -> CityConfiguration {
        var values: [String: String] = [:]
        if let file {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ConfigurationError.invalid(key: file, value: "not a JSON object")
            }
            for (key, value) in object { values[key] = "\(value)" }
        }
        for key in keys {
            let variable = "CITYHUB_" + key.replacingOccurrences(of: ".", with: "_").unicodeScalars.reduce(into: "") { out, c in
                if CharacterSet.uppercaseLetters.contains(c) { out += "_" }
                out.unicodeScalars.append(c)
            }.uppercased()
            if let value = environment[variable] { values[key] = value }
        }
        for (variable, key) in aliases { if let value = environment[variable] { values[key] = value } }
        for (key, value) in overrides { values[key] = value }

        var config = CityConfiguration()
        for (key, value) in values {
            switch key {
            case "http.host": config.host = value
            case "http.port": config.port = try int(key, value, 0...65535)
            case "db.url": config.databaseURL = value
            case "identity.bcryptCost": config.bcryptCost = UInt8(try int(key, value, 4...31))
            case "http.maxBodySize": config.maxBodySize = try int(key, value, 1024...(64 << 20))
            case "http.secureCookies": config.secureCookies = try bool(key, value)
            case "seed.onFirstStart": config.seedOnFirstStart = try bool(key, value)
            case "seed.demoData": config.seedDemoData = try bool(key, value)
            case "identity.adminPassword": config.adminPassword = value.isEmpty ? nil : value
            case "identity.demoPassword": config.demoPassword = value.isEmpty ? nil : value
            case "log.level":
                guard Logger.Level(rawValue: value) != nil else { throw ConfigurationError.invalid(key: key, value: value) }
                config.logLevel = value
            case "log.format":
                guard ["text", "json"].contains(value) else { throw ConfigurationError.invalid(key: key, value: value) }
                config.logFormat = value
            case "jobs.run": config.runJobs = try bool(key, value)
            case "exchange.deliverWebhooks": config.deliverWebhooks = try bool(key, value)
            case "exchange.allowPrivateReceivers": config.allowPrivateReceivers = try bool(key, value)
            case "identity.loginFailureLimit": config.loginFailureLimit = try int(key, value, 1...1_000_000)
            case "db.leaseTimeout": config.dbLeaseTimeout = try int(key, value, 1...600)
            case "audit.keyFile": config.auditKeyFile = value.isEmpty ? nil : value
            case "audit.checkpointFile": config.auditCheckpointFile = value.isEmpty ? nil : value
            case "audit.checkpointInterval": config.auditCheckpointInterval = try int(key, value, 0...86_400)
            case "licences.keyEncryptionKey":
                guard value.isEmpty || Data(base64Encoded: value)?.count == 32 else { throw ConfigurationError.invalid(key: key, value: "(not base64 of 32 bytes)") }
                config.licencesKeyEncryptionKey = value.isEmpty ? nil : value
            case "licences.keyFile": config.licencesKeyFile = value.isEmpty ? nil : value
            case "licences.typesFile": config.licencesTypesFile = value.isEmpty ? nil : value
            default: throw ConfigurationError.unknownKey(key)
            }
        }
        _ = try StoreLocation(config.databaseURL)
        return config
    }

    static func int(_ key: String, _ value: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let n = Int(value), range.contains(n) else { throw ConfigurationError.invalid(key: key, value: value) }
        return n
    }

    static func bool(_ key: String, _ value: String) throws -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError.invalid(key: key, value: value)
        }
    }
}

/// A configuration that cannot be used.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case unknownKey(String)
    case invalid(key: String, value: String)

    public var description: String {
        switch self {
        case .unknownKey(let k): "配置项 \(k) 不存在 / unknown configuration key \(k)"
        case .invalid(let k, let v): "配置项 \(k) 的值 \(v) 无效 / invalid value \(v) for \(k)"
        }
    }
}
