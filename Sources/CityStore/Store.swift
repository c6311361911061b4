// CityStore: the SQL layer. One SQLKit query layer over two engines: SQLite (embedded default)
// and PostgreSQL (scale-out). Dialect differences live here and nowhere else. This module knows
// nothing of HTTP and holds no domain rules.
import CityCore
import Foundation
import Synchronization
import Logging
import NIOCore
import PostgresKit
import ServiceLifecycle
import SQLKit
import SQLiteKit

/// Which engine a store runs on.
public enum Engine: String, Sendable {
    case sqlite
    case postgres
}

/// Where the store lives, parsed from a URL: `sqlite:///abs/path.sqlite`, `sqlite:relative.sqlite`,
/// a plain file path, or `postgres://user:pass@host:port/db`.
public struct StoreLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case sqliteFile(String)
        case postgres(String)
    }

    public let kind: Kind

    /// Parses a database URL or SQLite file path.
    public init(_ text: String) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") || text.hasPrefix("postgres+tcp://") || text.hasPrefix("postgres+uds://") {
            kind = .postgres(text.replacingOccurrences(of: "postgresql://", with: "postgres://"))
        } else if text.hasPrefix("sqlite://") {
            kind = .sqliteFile(String(text.dropFirst("sqlite://".count)))
        } else if text.hasPrefix("sqlite:") {
            kind = .sqliteFile(String(text.dropFirst("sqlite:".count)))
        } else if !text.contains("://") && !text.isEmpty {
            kind = .sqliteFile(text)
        } else {
            throw StoreError.badLocation(text)
        }
    }

    public var engine: Engine {
        switch kind {
        case .sqliteFile: .sqlite
        case .postgres: .postgres
        }
    }

    /// The location with any password hidden, safe for logs.
    public var description: String {
        switch kind {
        case .sqliteFile(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var parts = URLComponents(string: url) else { return "postgres://…" }
            if parts.password != nil { parts.password = "***" }
            return parts.string ?? "postgres://…"
        }
    }
}

/// Errors from the storage layer. Messages never carry SQL or connection secrets.
public enum StoreError: CityError, Equatable {
    case badLocation(String)
    /// The database cannot be reached; the cause is for the log.
    case unavailable(cause: String)
    case migrationEdited(module: String, number: Int)
    /// A migration's statements failed; nothing of it was applied.
    case migrationFailed(module: String, number: Int, cause: String)
    /// Work inside `read` tried to change something.
    case writeInsideRead

    public var code: String {
        switch self {
        case .badLocation: "store.bad-location"
        case .unavailable: "store.unavailable"
        case .migrationEdited: "store.migration-edited"
        case .migrationFailed: "store.migration-failed"
        case .writeInsideRead: "store.write-inside-read"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .badLocation: .invalidInput
        case .unavailable: .unavailable
        case .migrationEdited, .migrationFailed, .writeInsideRead: .internal
        }
    }

    public var messageZh: String {
        switch self {
        case .badLocation: "数据库地址无法识别（应为 SQLite 文件路径或 postgres:// 地址）"
        case .unavailable: "数据库暂不可用"
        case .migrationEdited(let m, let n): "已执行的数据库迁移 \(m)#\(n) 被修改过"
        case .migrationFailed(let m, let n, _): "数据库迁移 \(m)#\(n) 执行失败，未作任何修改"
        case .writeInsideRead: "只读事务中不能写入"
        }
    }

    public var messageEn: String {
        switch self {
        case .badLocation: "Database location not understood (expected an SQLite file path or a postgres:// URL)"
        case .unavailable: "The database is unavailable"
        case .migrationEdited(let m, let n): "Applied migration \(m)#\(n) has been edited since it ran"
        case .migrationFailed(let m, let n, _): "Migration \(m)#\(n) failed and changed nothing"
        case .writeInsideRead: "A read-only transaction cannot write"
        }
    }

    public var field: String? { nil }

    public var underlying: String? {
        switch self {
        case .unavailable(let cause), .migrationFailed(_, _, let cause): cause
        default: nil
        }
    }
}

/// The database handle every module's storage uses, and a swift-service-lifecycle `Service`:
/// on PostgreSQL its `run` drives the connection pool, so a store is used within `withStore`
/// (or a service group), never with a task left behind.
///
/// `read` runs in one read-only transaction (a count and its page see the same state; a write
/// inside it fails). `write` runs in one read-write transaction. On SQLite every write transaction
/// goes through one connection, one at a time (`BEGIN IMMEDIATE`), because WAL admits one writer
/// and sqlite-nio's busy handler would otherwise spin two writers against each other on the small
/// thread pool; reads lease one of a few reader connections (`query_only`) for their transaction.
/// SQLite runs with `synchronous=NORMAL`: durable across a process crash, and a power cut may lose
/// the last transactions; a city that needs more runs PostgreSQL.
public final class Store: Sendable, Service {
    /// The engine underneath.
    public let engine: Engine
    public let logger: Logger
    private let backend: Backend
    /// How long a request waits for a PostgreSQL connection before the store answers `unavailable`.
    /// `PostgresClient` retries a dead server for as long as it takes and a lease waits with it:
    /// without this bound an outage hangs every request instead of answering 503. Under load the
    /// same bound sheds work a busy pool could not start in time (503 with Retry-After).
    public let leaseTimeout: Duration
    /// Set by `close`: any use afterwards is answered `unavailable`, on both engines.
    private let closed = LeaseFlag()
    /// Group commit of `writeBatched`.
    let batcher = WriteBatcher()
    /// On SQLite, which has no NOTIFY: this process's watchers, woken when one of its write
    /// transactions that notified their channel commits (another process's writes are seen by polling).
    private let localWatchers = LocalWatchers()

    private enum Backend: Sendable {
        case sqlite(readers: ConnectionPool<SQLiteConnection>, writer: SQLiteConnection, writeLock: AsyncLock, checkpointer: WALCheckpointer,
                    threads: SQLiteThreads)
        case postgres(client: PostgresClient)
    }

    /// A SQLite store's own threads: one for the writer, one per reader. On sqlite-nio's shared
    /// pool (as many threads as cores) long reads, as many as there are cores, held every thread
    /// and every write (an audit entry, a login, a case) waited until one of them ended.
    struct SQLiteThreads: Sendable {
        static let readerCount = 4
        let writer = NIOThreadPool(numberOfThreads: 1)
        let readers = NIOThreadPool(numberOfThreads: readerCount)

        init() {
            writer.start()
            readers.start()
        }

        func shutdown() async {
            try? await writer.shutdownGracefully()
            try? await readers.shutdownGracefully()
        }
    }

    private init(engine: Engine, logger: Logger, backend: Backend, leaseTimeout: Duration) {
        self.engine = engine
        self.logger = logger
        self.backend = backend
        self.leaseTimeout = leaseTimeout
    }

    /// Opens a store, runs `body` with it while its service runs, and closes it whatever happens.
    /// On PostgreSQL a wrong URL or an unreachable server fails here, before `body` runs. Each
    /// `watch` holds one pooled connection for its LISTEN (the revocations, geography, case feed
    /// and webhook followers: five), so the pool is sized for those and the requests beside them.
    public static func withStore<T: Sendable>(_ location: StoreLocation, logger: Logger = Logger(label: "cityhub.store"), poolSize: Int = 16,
                                              leaseTimeout: Duration = .seconds(5), _ body: (Store) async throws -> T) async throws -> T {
        let store = try await open(location, logger: logger, poolSize: poolSize, leaseTimeout: leaseTimeout)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            do {
                if store.engine == .postgres { _ = try await store.read { try await $0.raw("SELECT 1 AS one").all() } }
                let result = try await body(store)
                await store.close()
                group.cancelAll()
                return result
            } catch {
                await store.close()
                group.cancelAll()
                throw error
            }
        }
    }

    /// Opens a store's connections (SQLite) or pool (PostgreSQL, idle until `run`). Prefer
    /// `withStore`, which runs and closes it. For SQLite the file's folder is created when missing,
    /// readable by its owner only (0700), as is the file (0600).
    static func open(_ location: StoreLocation, logger: Logger, poolSize: Int, leaseTimeout: Duration) async throws -> Store {
        switch location.kind {
        case .sqliteFile(let path):
            let url = URL(fileURLWithPath: path)
            let folder = url.deletingLastPathComponent()
            if !FileManager.default.fileExists(atPath: folder.path) {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            // The database holds password hashes and personal data: nobody but its owner reads it.
            let oldMask = umask(0o077)
            defer { umask(oldMask) }
            let threads = SQLiteThreads()
            var opened: [SQLiteConnection] = []
            do {
                let writer = try await openSQLite(path: url.path, on: threads.writer, logger: logger, readOnly: false)
                opened.append(writer)
                // WAL is a property of the file: set it once on the writer, then open the readers.
                _ = try await writer.sql().raw("PRAGMA journal_mode=WAL").all()
                for file in [url.path, url.path + "-wal", url.path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                    try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
                }
                // The log is copied back by a checkpointer of its own (`WALCheckpointer`), not inside commits.
                _ = try await writer.sql().raw(SQLQueryString(stringLiteral: "PRAGMA wal_autocheckpoint=\(WALCheckpointer.backstopPages)")).all()
                for _ in 0..<SQLiteThreads.readerCount {
                    opened.append(try await openSQLite(path: url.path, on: threads.readers, logger: logger, readOnly: true))
                }
                let checkpointer = try await WALCheckpointer.open(path: url.path, logger: logger)
                return Store(engine: .sqlite, logger: logger,
                             backend: .sqlite(readers: ConnectionPool(Array(opened.dropFirst())), writer: writer, writeLock: AsyncLock(),
                                              checkpointer: checkpointer, threads: threads),
                             leaseTimeout: leaseTimeout)
            } catch {
                // Nothing half-open is left behind: the connections opened so far, then their threads.
                for connection in opened { try? await connection.close() }
                await threads.shutdown()
                throw error
            }
        case .postgres(let url):
            let sqlConfig = try SQLPostgresConfiguration(url: url)
            let core = sqlConfig.coreConfiguration
            var config: PostgresClient.Configuration
            if let host = core.host, let port = core.port {
                let tls: PostgresClient.Configuration.TLS = switch (core.tls.isEnforced, core.tls.isAllowed) {
                case (true, _): .require(core.tls.sslContext!.configuration)
                case (_, true): .prefer(core.tls.sslContext!.configuration)
                default: .disable
                }
                config = .init(host: host, port: port, username: core.username, password: core.password, database: core.database, tls: tls)
            } else if let socket = core.unixSocketPath {
                config = .init(unixSocketPath: socket, username: core.username, password: core.password, database: core.database)
            } else {
                throw StoreError.badLocation(location.description)
            }
            config.options.maximumConnections = poolSize
            return Store(engine: .postgres, logger: logger, backend: .postgres(client: PostgresClient(configuration: config, backgroundLogger: logger)),
                         leaseTimeout: leaseTimeout)
        }
    }

    /// Drives the store until cancelled or told to shut down gracefully: PostgreSQL's connection
    /// pool runs here; on SQLite, the checkpoints of the write-ahead log (`WALCheckpointer`).
    public func run() async throws {
        switch backend {
        case .postgres(let client):
            await cancelWhenGracefulShutdown { await client.run() }
        case .sqlite(_, _, _, let checkpointer, _):
            await cancelWhenGracefulShutdown {
                await checkpointer.run(every: Self.checkpointInterval)
                // Closed before cancelled: wait for the cancellation.
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            }
        }
    }

    /// How often the log is checkpointed beside the writer: at a thousand commits a second of a
    /// few pages each, a tenth of a second leaves a few hundred frames to copy each time.
    static let checkpointInterval: Duration = .milliseconds(100)

    private static func openSQLite(path: String, on threads: NIOThreadPool, logger: Logger, readOnly: Bool) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threads, logger: logger,
                                                         on: MultiThreadedEventLoopGroup.singleton.any())
        let db = connection.sql()
        // busy_timeout replaces sqlite-nio's spinning busy handler with one that sleeps; readers
        // refuse writes, so a write inside `read` is an error rather than a silent second writer.
        var pragmas = ["PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=10000"]
        if readOnly {
            pragmas.append("PRAGMA query_only=ON")
        } else {
            // The one writer gets a 64 MiB page cache (SQLite's default is 2 MiB): a batch of a
            // bulk import touches thousands of index pages, and a cache that spills mid-transaction
            // writes them twice. Statement journals (multi-row inserts) stay in memory.
            pragmas += ["PRAGMA cache_size=-65536", "PRAGMA temp_store=MEMORY"]
        }
        for pragma in pragmas {
            _ = try await db.raw(SQLQueryString(stringLiteral: pragma)).all()
        }
        return connection
    }

    /// Runs read-only work in one transaction: every query in `body` sees the same snapshot, and a
    /// write fails.
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if closed.isSet { throw StoreError.unavailable(cause: "the store is closed") }
        do {
            switch backend {
            case .sqlite(let readers, _, _, _, _):
                return try await readers.withConnection { connection in
                    try await Self.transaction(on: connection.sql(), begin: "BEGIN", body)
                }
            case .postgres(let client):
                return try await leasing(client) { connection in
                    try await Self.transaction(on: connection.sql(), begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
                }
            }
        } catch let error as SQLiteError where error.reason == .readOnly {
            throw StoreError.writeInsideRead
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "25006" {
            throw StoreError.writeInsideRead
        }
    }

    /// One read-only statement (a SELECT) outside an explicit transaction: a single statement sees
    /// one snapshot by itself, and leaving out BEGIN and COMMIT saves two round trips on PostgreSQL
    /// and two hops to SQLite's thread pool. For the hot single-row reads (a person by ID number);
    /// work of several statements that must agree uses `read`.
    public func readRows(_ query: SQLQueryString) async throws -> [any SQLRow] {
        if closed.isSet { throw StoreError.unavailable(cause: "the store is closed") }
        switch backend {
        case .sqlite(let readers, _, _, _, _):
            return try await readers.withConnection { connection in
                let db = connection.sql()
                try Self.requireSelect(query, on: db)
                return try await db.raw(query).all()
            }
        case .postgres(let client):
            return try await leasing(client) { connection in
                let db = connection.sql()
                try Self.requireSelect(query, on: db)
                return try await db.raw(query).all()
            }
        }
    }

    /// `readRows` takes a SELECT, nothing that could write.
    private static func requireSelect(_ query: SQLQueryString, on db: any SQLDatabase) throws {
        let sql = db.serialize(query).sql
        guard sql.prefix(7).uppercased() == "SELECT " else { throw StoreError.writeInsideRead }
    }

    /// Leases a PostgreSQL connection within `leaseTimeout`; the work itself is not cut short once
    /// it holds the connection (a transaction is never abandoned half way by the timer).
    private func leasing<T: Sendable>(_ client: PostgresClient, _ work: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let leased = LeaseFlag()
        let leaseTimeout = self.leaseTimeout
        // The group awaits both children before it returns, so `work` never outlives this call.
        return try await withoutActuallyEscaping(work) { body in try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: leaseTimeout)
                if !leased.isSet { throw StoreError.unavailable(cause: "no connection leased within \(leaseTimeout)") }
                return nil
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw StoreError.unavailable(cause: "the lease ended without a result")
        } }
    }

    /// Runs work in one transaction: committed when `body` returns, rolled back when it throws.
    public func write<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writeOnConnection { db, _ in try await body(db) }
    }

    /// A write transaction that also hands over the PostgreSQL connection (for COPY).
    func writeOnConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase, BulkCopier.Target) async throws -> T) async throws -> T {
        if closed.isSet { throw StoreError.unavailable(cause: "the store is closed") }
        switch backend {
        case .sqlite(_, let writer, let lock, _, _):
            let notified = SQLiteNotifications()
            let result = try await lock.withLock {
                try await SQLiteNotifications.$pending.withValue(notified) {
                    try await Self.transaction(on: writer.sql(), begin: "BEGIN IMMEDIATE") { try await body($0, .sqlite(writer)) }
                }
            }
            // Committed: wake this process's watchers of the channels the transaction notified, as
            // PostgreSQL delivers NOTIFY at commit (and never for a rollback).
            localWatchers.wake(notified.channels)
            return result
        case .postgres(let client):
            return try await leasing(client) { connection in
                try await Self.transaction(on: connection.sql(), begin: "BEGIN") { try await body($0, .postgres(connection)) }
            }
        }
    }

    private static func transaction<T: Sendable>(on db: any SQLDatabase, begin: SQLQueryString,
                                                 _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.raw(begin).run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Runs work on one connection outside a transaction, e.g. bulk loads that commit in batches.
    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if closed.isSet { throw StoreError.unavailable(cause: "the store is closed") }
        switch backend {
        case .sqlite(_, let writer, let lock, _, _):
            let notified = SQLiteNotifications()
            let result = try await lock.withLock { try await SQLiteNotifications.$pending.withValue(notified) { try await body(writer.sql()) } }
            localWatchers.wake(notified.channels)
            return result
        case .postgres(let client):
            return try await leasing(client) { try await body($0.sql()) }
        }
    }

    /// On SQLite, `body` on the writer connection itself under the writer's lock, without SQLKit's
    /// serialising and encoding (the audit log's group commit, the hottest insert). A statement
    /// outside a transaction is a transaction of its own. Only for a SQLite store.
    func withSQLiteWriter<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        if closed.isSet { throw StoreError.unavailable(cause: "the store is closed") }
        guard case .sqlite(_, let writer, let lock, _, _) = backend else { preconditionFailure("withSQLiteWriter on a PostgreSQL store") }
        return try await lock.withLock { try await body(writer) }
    }

    /// Calls `onWake` whenever `channel` is notified (PostgreSQL LISTEN on a connection of its
    /// own) and at least every `interval` (SQLite has no NOTIFY, so it is polled). Returns when
    /// cancelled; throws when the listening connection fails, so the caller can start again.
    public func watch(channel: String, interval: Duration, _ onWake: @Sendable @escaping () async -> Void) async throws {
        let (wakes, waker) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    waker.yield()
                }
            }
            if case .sqlite = backend {
                let (id, local) = localWatchers.add(channel: channel)
                group.addTask { [localWatchers] in
                    defer { localWatchers.remove(id) }
                    for await _ in local { waker.yield() }
                }
            }
            if case .postgres(let client) = backend {
                group.addTask {
                    try await client.withConnection { connection in
                        try await connection.listen(on: channel) { notifications in
                            for try await _ in notifications { waker.yield() }
                        }
                    }
                    throw StoreError.unavailable(cause: "the LISTEN connection for \(channel) ended")
                }
            }
            group.addTask {
                for await _ in wakes { await onWake() }
            }
            defer { waker.finish() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// After a bulk load: refreshes the planner's statistics of `tables` and, on PostgreSQL, their
    /// visibility maps (VACUUM), so the next queries plan on what is there and read indexes alone.
    /// Table names come from code, never from input.
    public func analyze(_ tables: [String]) async throws {
        for table in tables {
            precondition(table.allSatisfy { $0.isLetter || $0 == "_" }, "a table name from code")
            let statement = engine == .postgres ? "VACUUM (ANALYZE) \(table)" : "ANALYZE \(table)"
            try await withConnection { try await $0.raw(SQLQueryString(statement)).run() }
        }
    }

    /// Whether the database answers a trivial query.
    public func ping() async -> Bool {
        (try? await read { try await $0.raw("SELECT 1 AS one").all() }) != nil
    }

    /// Closes SQLite's connections (PostgreSQL's pool closes when `run` ends). The store must not
    /// be used afterwards.
    public func close() async {
        guard !closed.isSet else { return }
        closed.set()
        switch backend {
        case .sqlite(let readers, let writer, let lock, let checkpointer, let threads):
            await checkpointer.close()
            // Readers first: a read transaction still open would make the checkpoint below wait in
            // SQLite's busy handler.
            let idle = await readers.drain()
            for connection in idle { try? await connection.close() }
            await lock.withLock {
                // Fold the WAL back into the main file so a copied database file is complete; another
                // process reading the file (a CLI command) gets one second, not the usual ten.
                _ = try? await writer.sql().raw("PRAGMA busy_timeout=1000").all()
                _ = try? await writer.sql().raw("PRAGMA wal_checkpoint(TRUNCATE)").all()
            }
            try? await writer.close()
            await threads.shutdown()
        case .postgres:
            break
        }
    }
}

extension Store {
    /// Whether `error` is PostgreSQL refusing a transaction that raced another: a row another
    /// transaction inserted first (23505), a deadlock (40P01) or a serialization failure (40001).
    /// Work that is idempotent may run again after one.
    public static func isLostRace(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return ["23505", "40P01", "40001"].contains(state)
    }

    /// Whether `error` means the database cannot be reached (as opposed to a bad query): the HTTP
    /// layer answers those with 503 so clients and load balancers retry elsewhere.
    public static func isUnavailable(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            return [.connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown].contains(error.code)
        }
        if let error = error as? SQLiteError {
            return [.misuse, .cantOpen, .ioError, .busy, .locked].contains(error.reason)
        }
        // postgres-nio's pool reports a shut-down or exhausted pool with a type from a module it
        // does not export (_ConnectionPoolModule), so it is recognised by name.
        return String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
    }
}

/// Set once a connection is leased, so the lease timer knows to stand down.
private final class LeaseFlag: @unchecked Sendable {
    private let mutex = NSLock()
    private var value = false
    func set() { mutex.withLock { value = true } }
    var isSet: Bool { mutex.withLock { value } }
}

/// The channels a SQLite write notified (`Dialect.notify`), collected while it runs and woken once it
/// has committed: SQLite's stand-in for PostgreSQL's NOTIFY, within this process.
final class SQLiteNotifications: Sendable {
    @TaskLocal static var pending: SQLiteNotifications?
    private let state = Mutex<Set<String>>([])

    func add(_ channel: String) { state.withLock { _ = $0.insert(channel) } }
    var channels: Set<String> { state.withLock { $0 } }
}

/// This process's watchers on SQLite, each woken when a committed write notified its channel. A
/// wake-up for every write would be wrong twice over: a watcher whose own work writes (a webhook
/// claim) would wake itself for ever, and every write would wake every follower for nothing.
private final class LocalWatchers: Sendable {
    private let state = Mutex<(next: Int, all: [Int: (channel: String, continuation: AsyncStream<Void>.Continuation)])>((0, [:]))

    func add(channel: String) -> (Int, AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s in
            s.next += 1
            s.all[s.next] = (channel, continuation)
            return s.next
        }
        return (id, stream)
    }

    func remove(_ id: Int) {
        state.withLock { $0.all.removeValue(forKey: id) }?.continuation.finish()
    }

    func wake(_ channels: Set<String>) {
        guard !channels.isEmpty else { return }
        for watcher in state.withLock({ Array($0.all.values) }) where channels.contains(watcher.channel) { watcher.continuation.yield() }
    }
}
