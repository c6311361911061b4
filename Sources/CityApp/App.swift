import Cases
import CityCore
import CityHTTP
import CityStore
import CityWeb
import Exchange
import Foundation
import Hummingbird
import Identity
import Licences
import Logging
import Metrics
import NIOCore
import Prometheus
import Registry
import ServiceLifecycle

/// Every module's migrations, in order.
public let allMigrations: [Migration] = StoreMigrations.all + IdentityMigrations.all + RegistryMigrations.all + CasesMigrations.all + ExchangeMigrations.all + LicencesMigrations.all

/// Prometheus is bootstrapped once per process; every application built in it shares the registry.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// An opened, migrated platform, before it serves HTTP.
public struct OpenedPlatform: Sendable {
    public let platform: Platform
    public let store: Store
    /// The page templates.
    public let pages: PageRenderer
    /// What the first-start seed did, when it ran.
    public let seed: ReferenceData.Report?

    public var parts: PlatformParts { PlatformParts(platform) }
}

/// Opens the store, migrates it, seeds it on first start, assembles the platform, and runs `body`
/// with it; the store is closed when `body` returns or throws. `cityhub` commands, the server and
/// the tests all open the platform through here. `indexGeography: false` skips reading the
/// geography registry into memory, for commands that never locate a point (a persons import).
public func withPlatform<T: Sendable>(_ config: CityConfiguration, clock: any WallClock = SystemClock(), logger: Logger, indexGeography: Bool = true,
                                      _ body: (OpenedPlatform) async throws -> T) async throws -> T {
    let location = try StoreLocation(config.databaseURL)
    logger.info("opening store", metadata: ["location": "\(location)"])
    return try await Store.withStore(location, logger: logger, leaseTimeout: .seconds(config.dbLeaseTimeout)) { store in
        try await store.migrate(allMigrations)
        let notary = try config.auditNotary()
        let (vault, createdKey) = try config.keyVault()
        if let createdKey {
            logger.warning("generated the key-encryption key that protects the seals' private keys", metadata: [
                "file": "\(createdKey)",
                "keep": "back it up apart from the database: without it no seal can sign; several servers share one key (licences.keyEncryptionKey)",
            ])
        }
        let platform = Platform(store: store, clock: clock, hasher: PasswordHasher(cost: config.bcryptCost),
                                settings: HTTPSettings(maxBodySize: config.maxBodySize, secureCookies: config.secureCookies),
                                metrics: MetricsBootstrap.registry, logger: logger,
                                loginFailureLimit: config.loginFailureLimit, notary: notary, allowPrivateReceivers: config.allowPrivateReceivers, keyVault: vault)
        // Learn where the revocations feed stands before any caller is cached.
        try await platform.revocations.catchUp()
        var seed: ReferenceData.Report? = nil
        // Every step here is idempotent. Several servers started together on one PostgreSQL run
        // them at the same moment; a step that loses a race to another process (a row it inserted
        // first, a deadlock) runs again and then finds that process's work done.
        for attempt in 1... {
            do {
                // The registries and the cases enter the catalogue before the seed grants on them.
                try await platform.catalogue.registerBuiltIns(BuiltInResources.all(at: clock.now()))
                try await platform.licenceTypes.registerBuiltIns()
                if config.seedOnFirstStart, try await platform.organisations.count() == 0 {
                    seed = try await ReferenceData.seed(platform: PlatformParts(platform), adminPassword: config.adminPassword,
                                                        demoPassword: config.demoPassword, demoData: config.seedDemoData)
                }
                // A store seeded by an earlier release gets the case categories, rules and calendar too (idempotent).
                if config.seedOnFirstStart {
                    try await ReferenceData.seedCases(platform.caseCatalogue, by: .commandLine())
                    // A store seeded before the exchange gets the bureaus' standing grants (once per bureau and registry).
                    if try await platform.organisations.count() > 0 {
                        try await ReferenceData.seedStandingGrants(platform.sharing, by: .commandLine())
                        // The root and a seal of each algorithm for every department that issues a built-in licence type.
                        try await ReferenceData.seedSeals(platform.seals, organisations: platform.organisations, by: .commandLine())
                    }
                }
                break
            } catch where attempt < 3 && Store.isLostRace(error) {
                logger.warning("another process prepared the store at the same moment: preparing again", metadata: [
                    "attempt": "\(attempt)", "cause": "\(String(reflecting: error))",
                ])
                try await Task.sleep(for: .milliseconds(250 * attempt))
            } catch {
                // What the command line prints of a database error says nothing: the log keeps the cause.
                logger.error("could not prepare the store", metadata: ["cause": "\(String(reflecting: error))"])
                throw error
            }
        }
        // Licence types by configuration, once their issuing organisations exist.
        if let file = config.licencesTypesFile {
            let defined = try await platform.licenceTypes.define(file: URL(fileURLWithPath: file), by: .commandLine(), origin: AuditOrigin(source: "config"))
            platform.logger.info("licence types defined from \(file): \(defined.map(\.code).joined(separator: ", "))")
        }
        if indexGeography { try await platform.geography.load() }
        return try await body(OpenedPlatform(platform: platform, store: store, pages: try await PageRenderer.load(), seed: seed))
    }
}

/// The composition root: the HTTP application over an opened platform, with its background
/// services (the job runner). `cityhub serve` and the HTTP tests both call this.
public func buildApplication(_ opened: OpenedPlatform, config: CityConfiguration,
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
    let platform = opened.platform
    var services: [any Service] = [RevocationFollower(revocations: platform.revocations), GeographyFollower(geography: platform.geography, logger: platform.logger),
                                   platform.caseFeed]
    if config.auditCheckpointInterval > 0, let notary = platform.notary {
        services.append(AuditCheckpointer(audit: platform.audit, notary: notary, interval: .seconds(config.auditCheckpointInterval), logger: platform.logger))
    }
    if config.deliverWebhooks {
        services.append(WebhookDeliverer(book: platform.subscriptions, logger: platform.logger))
    }
    if config.runJobs {
        services.append(JobRunner(queue: platform.jobs, handlers: [
            "identity.purge-sessions": { _ in
                try await platform.sessions.purgeExpired()
                try await platform.throttle.purge()
            },
            RegistryQuality.jobKind: { job in try await platform.quality.run(job) },
            CaseDesk.deadlineJob: { job in try await platform.cases.runDeadline(job) },
        ], logger: platform.logger))
    }
    return Application(
        router: HeadAsGet(buildRouter(platform: platform, domains: opened.domains)),
        // Idle connections close after a minute: slow or abandoned clients are not held forever.
        server: .http1(configuration: .init(idleTimeout: .seconds(60))),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "CityHub"),
        services: services,
        onServerRunning: onServerRunning,
        logger: platform.logger
    )
}

extension OpenedPlatform {
    /// What sits on top of the API: the pages.
    public var domains: [any RouteDomain] { [WebPages(platform: platform, renderer: pages), DeskPages(platform: platform, renderer: pages),
                                               RegistryPages(platform: platform, renderer: pages), ExchangePages(platform: platform, renderer: pages),
                                               MyPages(platform: platform, renderer: pages)] }

    /// The OpenAPI document as `cityhub serve` serves it.
    public var openAPIDocument: Data { CityHTTP.openAPIDocument(with: domains.map(\.api)) }
}

/// The OpenAPI document of the API and the pages, without opening a store.
public func openAPIDocument() -> Data {
    CityHTTP.openAPIDocument(with: [WebPages.fragment, DeskPages.fragment, RegistryPages.fragment, ExchangePages.fragment, MyPages.fragment])
}

/// Signs the audit chain's head at intervals and once more at shutdown, into the checkpoint file
/// and the log: two places outside the database that anchor it.
struct AuditCheckpointer: Service {
    let audit: AuditLog
    let notary: AuditNotary
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let last = LastCheckpoint(try? notary.latest())
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if !Task.isCancelled { await sign(after: last) }
            }
        }
        await sign(after: last)
    }

    @Sendable func sign(after last: LastCheckpoint) async {
        do {
            if let checkpoint = try await audit.checkpoint(with: notary, after: last.value) {
                last.value = checkpoint
                logger.notice("audit checkpoint", metadata: ["seq": "\(checkpoint.seq)", "hash": "\(checkpoint.hash)", "key": "\(checkpoint.keyId)",
                                                             "signature": "\(checkpoint.signature)"])
            }
        } catch {
            logger.warning("could not sign an audit checkpoint", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// The last checkpoint this process signed.
    final class LastCheckpoint: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: AuditCheckpoint?
        init(_ value: AuditCheckpoint?) { stored = value }
        var value: AuditCheckpoint? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}

/// Follows the revocations feed for as long as the server runs.
struct RevocationFollower: Service {
    let revocations: Revocations
    func run() async throws {
        await cancelWhenGracefulShutdown { await revocations.follow() }
    }
}

/// Keeps this process's geography index current with changes any process commits.
struct GeographyFollower: Service {
    let geography: GeographyBook
    let logger: Logger
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await geography.follow()
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("geography follower interrupted; reloading", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    try? await geography.load()
                }
            }
        }
    }
}
