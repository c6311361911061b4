import AsyncHTTPClient
import CityCore
import CityStore
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SQLKit
import Synchronization

/// Delivers subscriptions' change events as Standard Webhooks (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`): at least once, in cursor
/// order (so in order per record), with exponential back-off, and to the dead-letter list after
/// the last try. Woken by the change log (NOTIFY on PostgreSQL, polling on SQLite), each process
/// leases the subscriptions it sends (`FOR UPDATE SKIP LOCKED`), so an event goes out from one
/// process; each subscription runs on its own task, so a slow receiver delays only itself. The
/// cursor moves only after the receiver's 2xx: a process killed mid-delivery loses nothing.
public final class WebhookDeliverer: Service, Sendable {
    let store: Store
    let clock: any WallClock
    let book: SubscriptionBook
    let logger: Logger
    let policy: ReceiverPolicy
    /// Who holds a lease: this process.
    let processID = "deliverer-" + SubscriptionBook.random(10)
    let client: HTTPClient
    /// Subscriptions this process is sending now.
    let inFlight = Mutex<Set<String>>([])
    let interval: Duration

    /// Tries of one event before it goes to the dead-letter list.
    public static let defaultMaxAttempts = 8
    let maxAttempts: Int
    /// Seconds of the first back-off (doubling after each failure).
    let firstBackoff: TimeInterval
    static let lease: TimeInterval = 30
    static let batch = 100
    /// Delivered events between two writes of the cursor.
    static let cursorEvery = 20
    /// Most subscriptions this process sends at once.
    static let concurrency = 32

    public init(book: SubscriptionBook, logger: Logger, interval: Duration = .milliseconds(500), maxAttempts: Int = WebhookDeliverer.defaultMaxAttempts,
                firstBackoff: TimeInterval = 1) {
        self.maxAttempts = maxAttempts
        self.firstBackoff = firstBackoff
        self.store = book.store
        self.clock = book.clock
        self.book = book
        self.logger = logger
        self.policy = ReceiverPolicy(allowPrivate: book.allowPrivateReceivers)
        self.interval = interval
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(3), read: .seconds(10)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The back-off before try `attempt + 1`: 1 s, 2 s, 4 s … at most 10 minutes.
    func backoff(_ attempt: Int) -> TimeInterval { min(600, firstBackoff * pow(2, Double(max(attempt - 1, 0)))) }

    public func run() async throws {
        do {
            try await deliver()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func deliver() async throws {
        let (claims, claimed) = AsyncStream<String>.makeStream()
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    while !Task.isCancelled {
                        do {
                            try await store.watch(channel: ChangeLog.channel, interval: interval) { [self] in
                                for id in (try? await claimDue()) ?? [] { claimed.yield(id) }
                            }
                        } catch is CancellationError {
                            return
                        } catch {
                            logger.warning("webhooks: watching the change log failed; again in a second", metadata: ["error": "\(error)"])
                            try? await Task.sleep(for: .seconds(1))
                        }
                    }
                }
                group.addTask { [self] in
                    await withDiscardingTaskGroup { senders in
                        for await id in claims {
                            senders.addTask { [self] in
                                await send(id)
                                inFlight.withLock { _ = $0.remove(id) }
                            }
                        }
                    }
                }
                try await group.next()
                claimed.finish()
                group.cancelAll()
            }
        }
    }

    /// Leases the subscriptions that have events to send and are due, up to the free senders.
    func claimDue() async throws -> [String] {
        let busy = inFlight.withLock { $0 }
        let room = Self.concurrency - busy.count
        guard room > 0 else { return [] }
        let now = clock.now()
        let dialect = store.dialect
        let me = processID
        struct Row: Decodable { let id: String }
        func dueQuery(locking: Bool) -> SQLQueryString {
            var sql: SQLQueryString = """
                SELECT id FROM exchange_subscriptions WHERE ended_at IS NULL AND next_attempt_at <= \(bind: now)
                    AND cursor < (SELECT COALESCE(MAX(cursor), 0) FROM change_log) AND (leased_until IS NULL OR leased_until < \(bind: now))
                """
            if !busy.isEmpty { sql += " AND id NOT IN (\(binds: Array(busy)))" }
            sql += " ORDER BY next_attempt_at LIMIT \(bind: room)"
            return locking ? sql + dialect.skipLocked : sql
        }
        // Every committed change wakes this claim. Most wake-ups find nothing due (no subscription,
        // or all caught up): a read says so without taking the write lock, which on SQLite every
        // other writer (case intake, the audit log) would wait for.
        guard try await !store.readRows(dueQuery(locking: false)).isEmpty else { return [] }
        let claim = dueQuery(locking: true)
        let ids = try await store.write { db in
            let due = try await db.raw(claim).all(decoding: Row.self).map(\.id)
            guard !due.isEmpty else { return [String]() }
            try await db.raw("""
                UPDATE exchange_subscriptions SET leased_by = \(bind: me), leased_until = \(bind: now.addingTimeInterval(Self.lease)) WHERE id IN (\(binds: due))
                """).run()
            return due
        }
        inFlight.withLock { $0.formUnion(ids) }
        return ids
    }

    /// Sends a leased subscription's events until none are left, a receiver fails, or the lease is lost.
    func send(_ id: String) async {
        do {
            while !Task.isCancelled {
                guard let row = try await leased(id) else { return }
                let more = try await sendBatch(row)
                if !more { break }
            }
            try await release(id)
        } catch {
            logger.warning("webhooks: sending failed", metadata: ["subscription": "\(id)", "error": "\(error)"])
            try? await release(id)
        }
    }

    /// The subscription, its lease renewed; nil when this process no longer holds it.
    func leased(_ id: String) async throws -> SubscriptionRow? {
        let now = clock.now()
        let me = processID
        return try await store.write { db in
            let renewed = try await db.raw("""
                UPDATE exchange_subscriptions SET leased_until = \(bind: now.addingTimeInterval(Self.lease))
                WHERE id = \(bind: id) AND leased_by = \(bind: me) AND ended_at IS NULL RETURNING id
                """).all()
            guard !renewed.isEmpty else { return nil }
            return try await db.raw("SELECT * FROM exchange_subscriptions WHERE id = \(bind: id)").first(decoding: SubscriptionRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    func release(_ id: String) async throws {
        let me = processID
        try await store.write { db in
            try await db.raw("UPDATE exchange_subscriptions SET leased_by = NULL, leased_until = NULL WHERE id = \(bind: id) AND leased_by = \(bind: me)").run()
        }
    }

    /// One batch; true when there may be more to send now.
    func sendBatch(_ row: SubscriptionRow) async throws -> Bool {
        let now = clock.now()
        guard let resource = try await ResourceCatalogue(store: store, clock: clock).find(row.resourceCode),
              let grant = try await Self.organisationGrant(resource: resource.code, consumer: row.consumerCode, at: now, store: store),
              let division = try await Self.division(of: row.consumerCode, store: store) else {
            try await postpone(row, error: "no live grant for the resource / 没有该资源的有效授权", attempts: row.attempts, after: 60)
            return false
        }
        let filter = (try? JSONDecoder().decode(ChangeFilter.self, from: Data(row.filter.utf8))) ?? ChangeFilter()
        let (events, next) = try await ChangeEvents(store: store, resource: resource, source: try book.source(resource))
            .events(after: row.cursor, limit: Self.batch, grant: grant, filter: filter, scope: DivisionScope(division))
        if !events.isEmpty {
            do {
                try policy.check(row.url)
            } catch {
                try await postpone(row, error: "\(error)", attempts: row.attempts + 1, after: backoff(row.attempts + 1))
                return false
            }
        }
        var attempts = row.attempts
        // Delivered events move the cursor a few at a time: a process killed in between sends at
        // most those again (receivers de-duplicate by webhook-id), and the store takes one write
        // for many posts.
        var pending: (first: Int64, cursor: Int64, count: Int, digest: SHA256)? = nil
        func flush() async throws {
            if let done = pending {
                let sent = Delivered(first: done.first, last: done.cursor, count: done.count, sha256: done.digest.finalize().hexString, grant: grant.id)
                try await advance(row.id, to: done.cursor, delivered: sent, consumer: row.consumerCode, purpose: grant.purpose)
            }
            pending = nil
        }
        for event in events {
            let webhookID = "msg_\(row.id)_\(event.cursor)"
            let failure = await post(event.body, id: webhookID, to: row.url, secret: row.secret)
            if let failure {
                try await flush()
                attempts += 1
                if attempts < maxAttempts {
                    try await postpone(row, error: failure, attempts: attempts, after: backoff(attempts))
                    return false
                }
                try await deadLetter(row, event: event, webhookID: webhookID, attempts: attempts, error: failure)
                attempts = 0
                continue
            }
            attempts = 0
            var digest = pending?.digest ?? SHA256()
            digest.update(data: Data(event.body.utf8))
            pending = (pending?.first ?? event.cursor, event.cursor, (pending?.count ?? 0) + 1, digest)
            if pending!.count >= Self.cursorEvery { try await flush() }
        }
        try await flush()
        if next > (events.last?.cursor ?? row.cursor) { try await advance(row.id, to: next, delivered: nil, consumer: row.consumerCode, purpose: grant.purpose) }
        // Progress made: look again (the next read finds nothing when all is sent).
        return next > row.cursor
    }

    /// Posts one event; nil on a 2xx, otherwise why not.
    func post(_ body: String, id: String, to url: String, secret: String) async -> String? {
        let timestamp = String(Int(clock.now().timeIntervalSince1970))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "CityHub-Webhooks/1")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: timestamp)
        request.headers.add(name: "webhook-signature", value: Self.signature(id: id, timestamp: timestamp, body: body, secret: secret))
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(response.status.code) ? nil : "HTTP \(response.status.code)"
        } catch {
            return "\(error)".prefix(300).description
        }
    }

    /// `v1,` and the base64 HMAC-SHA256, keyed by the secret's bytes, of `id.timestamp.body`.
    public static func signature(id: String, timestamp: String, body: String, secret: String) -> String {
        let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count))) ?? Data(secret.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Events a receiver took: the message log's record of them.
    struct Delivered {
        let first: Int64
        let last: Int64
        let count: Int
        /// SHA-256 of the bodies sent, one after another.
        let sha256: String
        let grant: Int64
    }

    /// Moves the cursor; delivered events go into the message log (the audit chain) in the same
    /// transaction: which subscription, grant and cursors, how many, and the hash of what was sent.
    func advance(_ id: String, to cursor: Int64, delivered: Delivered?, consumer: String, purpose: String) async throws {
        let me = processID
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            let moved = try await db.raw("""
                UPDATE exchange_subscriptions SET cursor = \(bind: cursor), delivered = delivered + \(bind: delivered?.count ?? 0), attempts = 0, last_error = NULL
                WHERE id = \(bind: id) AND leased_by = \(bind: me) AND cursor < \(bind: cursor) RETURNING id
                """).all()
            guard let delivered, !moved.isEmpty else { return }
            try await AuditLog.append(AuditEntry(actor: "system", action: "exchange.webhook.deliver", recordType: "subscription", recordID: id,
                                                 purpose: purpose,
                                                 detail: "to \(consumer) under grant \(delivered.grant), cursors \(delivered.first)…\(delivered.last): \(delivered.count) events, sha256 \(delivered.sha256)"),
                                      at: now, dialect: dialect, on: db)
        }
    }

    func postpone(_ row: SubscriptionRow, error: String, attempts: Int, after seconds: TimeInterval) async throws {
        let at = clock.now().addingTimeInterval(seconds)
        let me = processID
        try await store.write { db in
            try await db.raw("""
                UPDATE exchange_subscriptions SET attempts = \(bind: attempts), next_attempt_at = \(bind: at), last_error = \(bind: String(error.prefix(500)))
                WHERE id = \(bind: row.id) AND leased_by = \(bind: me)
                """).run()
        }
    }

    func deadLetter(_ row: SubscriptionRow, event: ChangeEvent, webhookID: String, attempts: Int, error: String) async throws {
        let now = clock.now()
        let me = processID
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("""
                INSERT INTO exchange_dead_letters (subscription_id, cursor, webhook_id, body, attempts, last_error, created_at)
                VALUES (\(bind: row.id), \(bind: event.cursor), \(bind: webhookID), \(bind: event.body), \(bind: attempts), \(bind: String(error.prefix(500))), \(bind: now))
                ON CONFLICT (subscription_id, cursor) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, created_at = excluded.created_at
                """).run()
            try await db.raw("""
                UPDATE exchange_subscriptions SET cursor = \(bind: event.cursor), attempts = 0, last_error = \(bind: String(error.prefix(500)))
                WHERE id = \(bind: row.id) AND leased_by = \(bind: me)
                """).run()
            try await AuditLog.append(AuditEntry(actor: "system", action: "exchange.webhook.dead-letter", recordType: "subscription", recordID: row.id,
                                                 outcome: "failed", detail: "cursor \(event.cursor) after \(attempts) tries: \(error.prefix(200))"),
                                      at: now, dialect: dialect, on: db)
        }
    }

    /// A live grant of the organisation for the resource (a subscription sends for the organisation).
    static func organisationGrant(resource: String, consumer: String, at now: Date, store: Store) async throws -> Grant? {
        try await store.read { db in
            try await db.raw("""
                SELECT * FROM exchange_grants WHERE consumer_code = \(bind: consumer) AND resource_code = \(bind: resource)
                    AND revoked_at IS NULL AND starts_at <= \(bind: now) AND expires_at > \(bind: now) ORDER BY api_key_id IS NULL DESC, id DESC LIMIT 1
                """).first(decoding: GrantRow.self, keyDecodingStrategy: .convertFromSnakeCase)?.grant
        }
    }

    static func division(of organisation: String, store: Store) async throws -> DivisionCode? {
        struct Row: Decodable { let divisionCode: String }
        return try await store.read { db in
            try await db.raw("SELECT division_code FROM organisations WHERE code = \(bind: organisation)").first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.flatMap { DivisionCode($0.divisionCode) }
    }
}
