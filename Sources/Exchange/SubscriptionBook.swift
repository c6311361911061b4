import CityCore
import CityStore
import Crypto
import Foundation
import Identity
import SQLKit

/// A subscription as its consumer sees it (never its secret, but once).
public struct Subscription: Sendable, Equatable, Codable {
    public let id: String
    public let resourceCode: String
    public let consumerCode: String
    public let url: String
    public let filter: ChangeFilter
    /// The last change delivered or passed over.
    public let cursor: Int64
    public let delivered: Int64
    /// Failed tries of the event at `cursor + 1` so far.
    public let attempts: Int
    public let nextAttemptAt: Date
    public let lastError: String?
    public let createdBy: String
    public let createdAt: Date
    public let endedAt: Date?
}

/// An event given up after the last retry.
public struct DeadLetter: Sendable, Equatable, Codable {
    public let subscriptionID: String
    public let cursor: Int64
    public let webhookID: String
    public let body: String
    public let attempts: Int
    public let lastError: String
    public let createdAt: Date
}

/// Subscriptions to a resource's change events, delivered as Standard Webhooks by
/// `WebhookDeliverer`, and the pull feed with the same cursor for consumers that cannot receive
/// webhooks. A consumer's data steward registers the receiver; the organisation must hold a live
/// grant, whose fields and masking every event follows at the time it is sent.
public struct SubscriptionBook: Sendable {
    let store: Store
    let clock: any WallClock
    let sources: [String: any RowSource]
    /// Whether receivers on loopback or private addresses may be registered (tests, a closed network).
    let allowPrivateReceivers: Bool

    public init(store: Store, clock: any WallClock, sources: [String: any RowSource], allowPrivateReceivers: Bool = false) {
        self.store = store
        self.clock = clock
        self.sources = sources
        self.allowPrivateReceivers = allowPrivateReceivers
    }

    /// Registers a receiver; returns the subscription and its `whsec_` secret, shown this once.
    /// Delivery starts with the changes after now (replay moves the cursor back).
    public func subscribe(resource code: String, url: String, filter: ChangeFilter = ChangeFilter(), by caller: Principal,
                          origin: AuditOrigin) async throws -> (subscription: Subscription, secret: String) {
        try caller.require(anyOf: .dataSteward)
        let scope = try caller.staffScope()
        guard let consumer = caller.organisationCode else { throw ExchangeError.noGrant }
        guard let resource = try await ResourceCatalogue(store: store, clock: clock).find(code) else { throw ExchangeError.unknownResource }
        let now = clock.now()
        guard try await DataGateway.usableGrant(resource: resource.code, consumer: consumer, caller: caller, at: now, store: store) != nil else {
            throw ExchangeError.noGrant
        }
        try ReceiverPolicy(allowPrivate: allowPrivateReceivers).check(url)
        for field in filter.fields where resource.field(field) == nil {
            throw ExchangeError.invalidField("filter", zh: "\(field) 不是该资源的字段", en: "\(field) is not a field of this resource")
        }
        if let division = filter.divisionCode {
            guard let code = DivisionCode(division), scope.contains(code) else {
                throw ExchangeError.invalidField("filter", zh: "筛选的区划应在您的辖区内", en: "the filter's division must lie within your scope")
            }
        }
        let id = "sub_" + Self.random(12)
        let secret = "whsec_" + Self.randomBytes(24).base64EncodedString()
        let head = try await ChangeLog(store: store).head()
        let filterJSON = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("""
                INSERT INTO exchange_subscriptions (id, resource_code, consumer_code, url, secret, filter, cursor, attempts, next_attempt_at, delivered, created_by, created_at)
                VALUES (\(bind: id), \(bind: resource.code), \(bind: consumer), \(bind: url), \(bind: secret), \(bind: filterJSON), \(bind: head), 0, \(bind: now), 0,
                    \(bind: caller.auditActor), \(bind: now))
                """).run()
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.subscription.create", recordType: "subscription", recordID: id,
                                                 divisionCode: scope.root.rawValue, origin: origin, detail: "\(resource.code) → \(url)"), at: now, dialect: dialect, on: db)
        }
        return (try await subscription(id)!, secret)
    }

    /// The caller's organisation's subscriptions (auditors and administrators: all).
    public func list(by caller: Principal) async throws -> [Subscription] {
        try caller.require(anyOf: .dataSteward, .auditor)
        let everyone = caller.roles.contains(.auditor) || caller.roles.contains(.platformAdmin)
        return try await store.read { db in
            var sql: SQLQueryString = "SELECT * FROM exchange_subscriptions"
            if !everyone { sql += " WHERE consumer_code = \(bind: caller.organisationCode ?? "")" }
            sql += " ORDER BY created_at DESC, id"
            return try await db.raw(sql).all(decoding: SubscriptionRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.subscription)
        }
    }

    /// One of the caller's organisation's subscriptions.
    public func subscription(_ id: String, by caller: Principal) async throws -> Subscription {
        try caller.require(anyOf: .dataSteward, .auditor)
        guard let found = try await subscription(id),
              caller.roles.contains(.auditor) || caller.roles.contains(.platformAdmin) || found.consumerCode == caller.organisationCode else {
            throw ExchangeError.unknownSubscription
        }
        return found
    }

    func subscription(_ id: String) async throws -> Subscription? {
        try await store.read { db in
            try await db.raw("SELECT * FROM exchange_subscriptions WHERE id = \(bind: id)").first(decoding: SubscriptionRow.self, keyDecodingStrategy: .convertFromSnakeCase)?
                .subscription
        }
    }

    /// Ends a subscription: nothing more is sent.
    public func end(_ id: String, by caller: Principal, origin: AuditOrigin) async throws {
        let found = try await subscription(id, by: caller)
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("UPDATE exchange_subscriptions SET ended_at = \(bind: now) WHERE id = \(bind: found.id) AND ended_at IS NULL").run()
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.subscription.end", recordType: "subscription", recordID: id, origin: origin),
                                      at: now, dialect: dialect, on: db)
        }
    }

    /// Sends the events after `cursor` again (receivers de-duplicate by `webhook-id`).
    public func replay(_ id: String, after cursor: Int64, by caller: Principal, origin: AuditOrigin) async throws -> Subscription {
        let found = try await subscription(id, by: caller)
        guard cursor >= 0 else { throw ExchangeError.invalidField("cursor", zh: "cursor 不能为负", en: "cursor cannot be negative") }
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("""
                UPDATE exchange_subscriptions SET cursor = \(bind: cursor), attempts = 0, next_attempt_at = \(bind: now), last_error = NULL WHERE id = \(bind: found.id)
                """).run()
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.subscription.replay", recordType: "subscription", recordID: id,
                                                 origin: origin, detail: "after \(cursor)"), at: now, dialect: dialect, on: db)
        }
        return try await subscription(id)!
    }

    /// The events given up for a subscription, oldest first.
    public func deadLetters(_ id: String, by caller: Principal) async throws -> [DeadLetter] {
        let found = try await subscription(id, by: caller)
        return try await store.read { db in
            try await db.raw("SELECT * FROM exchange_dead_letters WHERE subscription_id = \(bind: found.id) ORDER BY cursor")
                .all(decoding: DeadLetterRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.deadLetter)
        }
    }

    /// The pull feed: the caller's organisation's events of a resource after `cursor`, with the cursor
    /// to ask after next. Needs a live grant, like the data API, and is logged like it.
    public func feed(resource code: String, after cursor: Int64, limit: Int = 100, filter: ChangeFilter = ChangeFilter(), by caller: Principal,
                     origin: AuditOrigin) async throws -> (events: [ChangeEvent], next: Int64) {
        guard caller.kind == .staff || caller.kind == .apiKey, let consumer = caller.organisationCode, let scope = caller.scope else { throw ExchangeError.noGrant }
        guard let resource = try await ResourceCatalogue(store: store, clock: clock).find(code) else { throw ExchangeError.unknownResource }
        guard (1...1_000).contains(limit) else { throw ExchangeError.invalidField("limit", zh: "limit 应为 1 至 1000", en: "limit must be 1 to 1,000") }
        guard cursor >= 0 else { throw ExchangeError.invalidField("cursor", zh: "cursor 不能为负", en: "cursor cannot be negative") }
        let now = clock.now()
        guard let grant = try await DataGateway.usableGrant(resource: resource.code, consumer: consumer, caller: caller, at: now, store: store) else {
            throw ExchangeError.noGrant
        }
        let answer = try await ChangeEvents(store: store, resource: resource, source: try source(resource))
            .events(after: cursor, limit: limit, grant: grant, filter: filter, scope: scope)
        let dialect = store.dialect
        try await store.write { db in
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.feed", recordType: "grant", recordID: String(grant.id),
                                                 divisionCode: scope.root.rawValue, purpose: grant.purpose, source: origin.source, requestID: origin.requestID,
                                                 detail: "\(resource.code) after \(cursor): \(answer.events.count) events, next \(answer.next)"),
                                      at: now, dialect: dialect, on: db)
        }
        return answer
    }

    func source(_ resource: Resource) throws -> any RowSource {
        try DatasetRows.source(of: resource, store: store, sources: sources)
    }

    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func random(_ count: Int) -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

struct SubscriptionRow: Decodable {
    let id: String; let resourceCode: String; let consumerCode: String; let url: String; let secret: String; let filter: String; let cursor: Int64
    let attempts: Int; let nextAttemptAt: Date; let lastError: String?; let delivered: Int64; let createdBy: String; let createdAt: Date; let endedAt: Date?

    var subscription: Subscription {
        Subscription(id: id, resourceCode: resourceCode, consumerCode: consumerCode, url: url,
                     filter: (try? JSONDecoder().decode(ChangeFilter.self, from: Data(filter.utf8))) ?? ChangeFilter(), cursor: cursor, delivered: delivered,
                     attempts: attempts, nextAttemptAt: nextAttemptAt, lastError: lastError, createdBy: createdBy, createdAt: createdAt, endedAt: endedAt)
    }
}

struct DeadLetterRow: Decodable {
    let subscriptionId: String; let cursor: Int64; let webhookId: String; let body: String; let attempts: Int; let lastError: String; let createdAt: Date
    var deadLetter: DeadLetter {
        DeadLetter(subscriptionID: subscriptionId, cursor: cursor, webhookID: webhookId, body: body, attempts: attempts, lastError: lastError, createdAt: createdAt)
    }
}
