import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// A consumer organisation's request for a resource.
public struct ShareRequestInput: Sendable, Equatable {
    public var resource: String
    public var purpose: String
    public var fields: [String]
    /// How many days the grant should last.
    public var days: Int
    /// The system (API key) that will call; nil lets the organisation's staff call.
    public var apiKeyID: String?
    /// Whether personal fields are asked for in plain (always needs the provider's approval).
    public var plain: Bool

    public init(resource: String, purpose: String, fields: [String], days: Int, apiKeyID: String? = nil, plain: Bool = false) {
        self.resource = resource
        self.purpose = purpose
        self.fields = fields
        self.days = days
        self.apiKeyID = apiKeyID
        self.plain = plain
    }
}

/// Where a share request stands.
public enum ShareRequestState: String, Sendable, Codable, CaseIterable {
    case pending, granted, refused
}

/// A share request as the consumer and the provider see it.
public struct ShareRequest: Sendable, Equatable, Codable {
    public let id: Int64
    public let resourceCode: String
    public let consumerCode: String
    public let providerCode: String
    public let requestedBy: String
    public let purpose: String
    public let fields: [String]
    public let plain: Bool
    public let days: Int
    public let apiKeyID: String?
    public let state: ShareRequestState
    public let reason: String?
    public let decidedBy: String?
    public let decidedAt: Date?
    public let grantID: Int64?
    public let createdAt: Date
}

/// A grant: the provider's yes, with the fields, purpose, term and call rate.
public struct Grant: Sendable, Equatable, Codable {
    public let id: Int64
    public let resourceCode: String
    public let consumerCode: String
    public let providerCode: String
    public let apiKeyID: String?
    public let fields: [String]
    public let plain: Bool
    public let purpose: String
    public let ratePerMinute: Int
    public let grantedBy: String
    public let requestID: Int64?
    public let startsAt: Date
    public let expiresAt: Date
    public let revokedAt: Date?
    public let revokedBy: String?
    public let revokeReason: String?

    /// Whether the grant holds at `now`.
    public func isLive(at now: Date) -> Bool { revokedAt == nil && startsAt <= now && now < expiresAt }
}

/// The provider's answer to a pending request.
public enum ShareDecision: Sendable, Equatable {
    /// Approve, possibly for fewer fields, a shorter term, or masked where plain was asked.
    case approve(fields: [String]? = nil, days: Int? = nil, plain: Bool? = nil, ratePerMinute: Int? = nil)
    case refuse(reason: String)
}

/// Share requests and grants between organisations. A consumer's data steward asks; an
/// unconditional resource is granted at once (unless plain personal values are asked for), a
/// conditional one waits for the provider's data steward. Grants expire and can be revoked;
/// every call checks the grant in the database, so a revocation holds at once on every process.
public struct SharingDesk: Sendable {
    let store: Store
    let clock: any WallClock
    let keys: APIKeyRing

    /// Calls a minute a grant allows unless the approver sets another figure.
    public static let defaultRatePerMinute = 600

    public init(store: Store, clock: any WallClock, keys: APIKeyRing) {
        self.store = store
        self.clock = clock
        self.keys = keys
    }

    // MARK: Requesting

    public func request(_ input: ShareRequestInput, by caller: Principal, origin: AuditOrigin) async throws -> ShareRequest {
        try caller.require(anyOf: .dataSteward)
        let scope = try caller.staffScope()
        guard let consumer = caller.organisationCode else { throw ExchangeError.notProvider }
        guard let resource = try await ResourceCatalogue(store: store, clock: clock).find(input.resource) else { throw ExchangeError.unknownResource }
        guard resource.sharing != .notShared else { throw ExchangeError.notShared }
        let purpose = input.purpose.trimmingCharacters(in: .whitespaces)
        guard (4...500).contains(purpose.count), !Text.hasForbiddenControl(purpose) else {
            throw ExchangeError.invalidField("purpose", zh: "用途应为 4 至 500 个字符", en: "purpose must be 4 to 500 characters")
        }
        guard (1...1_095).contains(input.days) else { throw ExchangeError.invalidField("days", zh: "期限应为 1 至 1095 天", en: "days must be 1 to 1,095") }
        let fields = try Self.checkFields(input.fields, of: resource)
        if let keyID = input.apiKeyID {
            guard let key = try await keys.find(id: keyID), key.organisationCode == consumer, key.revokedAt == nil else { throw ExchangeError.unknownAPIKey }
        }
        let personal = fields.contains { resource.field($0)?.sensitivity == .personal }
        let plain = input.plain && personal
        let atOnce = consumer == resource.providerCode || (resource.sharing == .unconditional && !plain)
        let now = clock.now()
        let dialect = store.dialect
        let id = try await store.write { db in
            struct ID: Decodable { let id: Int64 }
            let id = try await db.raw("""
                INSERT INTO exchange_requests (resource_code, consumer_code, provider_code, requested_by, purpose, fields, plain, days, api_key_id, state, created_at)
                VALUES (\(bind: resource.code), \(bind: consumer), \(bind: resource.providerCode), \(bind: caller.auditActor), \(bind: purpose),
                    \(bind: fields.joined(separator: ",")), \(bind: plain), \(bind: input.days), \(bind: input.apiKeyID), 'pending', \(bind: now)) RETURNING id
                """).first(decoding: ID.self)!.id
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.request.create", recordType: "share-request", recordID: String(id),
                                                 divisionCode: scope.root.rawValue, purpose: purpose, source: origin.source, requestID: origin.requestID,
                                                 detail: "\(resource.code): \(fields.joined(separator: ","))\(plain ? " (plain)" : "")"),
                                      at: now, dialect: dialect, on: db)
            if atOnce {
                try await Self.grant(requestID: id, fields: fields, days: input.days, plain: plain, ratePerMinute: Self.defaultRatePerMinute,
                                     decidedBy: "system", at: now, dialect: dialect, on: db)
            }
            return id
        }
        return try await request(id)
    }

    /// The fields asked for: known, not secret, each once (all non-secret fields when none are named).
    static func checkFields(_ names: [String], of resource: Resource) throws -> [String] {
        if names.isEmpty { return resource.fields.filter { $0.sensitivity != .secret }.map(\.name) }
        var out: [String] = []
        for name in names where !out.contains(name) {
            guard let field = resource.field(name) else {
                throw ExchangeError.invalidField("fields", zh: "\(name) 不是该资源的字段", en: "\(name) is not a field of this resource")
            }
            guard field.sensitivity != .secret else { throw ExchangeError.secretField(name) }
            out.append(name)
        }
        return out
    }

    // MARK: Deciding

    /// The provider's data steward approves or refuses a pending request.
    public func decide(_ requestID: Int64, _ decision: ShareDecision, by caller: Principal, origin: AuditOrigin) async throws -> ShareRequest {
        try caller.require(anyOf: .dataSteward)
        _ = try caller.staffScope()
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            guard let request = try await Self.request(requestID, on: db, lock: dialect.forUpdate) else { throw ExchangeError.unknownRequest }
            guard request.providerCode == caller.organisationCode else { throw ExchangeError.notProvider }
            guard request.state == .pending else { throw ExchangeError.requestDecided }
            switch decision {
            case .refuse(let reason):
                let reason = reason.trimmingCharacters(in: .whitespaces)
                guard (2...500).contains(reason.count), !Text.hasForbiddenControl(reason) else {
                    throw ExchangeError.invalidField("reason", zh: "拒绝须说明理由（2 至 500 个字符）", en: "a refusal needs a reason of 2 to 500 characters")
                }
                try await db.raw("""
                    UPDATE exchange_requests SET state = 'refused', reason = \(bind: reason), decided_by = \(bind: caller.auditActor), decided_at = \(bind: now)
                    WHERE id = \(bind: requestID)
                    """).run()
            case .approve(let fields, let days, let plain, let rate):
                let granted = fields ?? request.fields
                guard !granted.isEmpty, granted.allSatisfy(request.fields.contains) else {
                    throw ExchangeError.invalidField("fields", zh: "批准的字段应为申请字段的子集", en: "approved fields must be among those requested")
                }
                let term = days ?? request.days
                guard (1...request.days).contains(term) else {
                    throw ExchangeError.invalidField("days", zh: "批准的期限不能超过申请的期限", en: "the approved term cannot exceed the requested one")
                }
                let rate = rate ?? Self.defaultRatePerMinute
                guard (1...100_000).contains(rate) else {
                    throw ExchangeError.invalidField("ratePerMinute", zh: "调用频率应为每分钟 1 至 100000 次", en: "ratePerMinute must be 1 to 100,000")
                }
                try await db.raw("UPDATE exchange_requests SET decided_by = \(bind: caller.auditActor), decided_at = \(bind: now) WHERE id = \(bind: requestID)").run()
                try await Self.grant(requestID: requestID, fields: granted, days: term, plain: request.plain && (plain ?? true), ratePerMinute: rate,
                                     decidedBy: caller.auditActor, at: now, dialect: dialect, on: db)
            }
            let outcome: String
            if case .refuse(let reason) = decision { outcome = "refused: \(reason)" } else { outcome = "approved" }
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.request.decide", recordType: "share-request", recordID: String(requestID),
                                                 origin: origin, detail: outcome), at: now, dialect: dialect, on: db)
        }
        return try await request(requestID)
    }

    /// Writes the grant for a request and marks the request granted.
    static func grant(requestID: Int64, fields: [String], days: Int, plain: Bool, ratePerMinute: Int, decidedBy: String, at now: Date, dialect: Dialect,
                      on db: any SQLDatabase) async throws {
        guard let request = try await request(requestID, on: db, lock: "") else { throw ExchangeError.unknownRequest }
        struct ID: Decodable { let id: Int64 }
        let expires = now.addingTimeInterval(Double(days) * 86_400)
        let id = try await db.raw("""
            INSERT INTO exchange_grants (resource_code, consumer_code, provider_code, api_key_id, fields, plain, purpose, rate_per_minute, granted_by, request_id,
                starts_at, expires_at, window_calls, created_at)
            VALUES (\(bind: request.resourceCode), \(bind: request.consumerCode), \(bind: request.providerCode), \(bind: request.apiKeyID),
                \(bind: fields.joined(separator: ",")), \(bind: plain), \(bind: request.purpose), \(bind: ratePerMinute), \(bind: decidedBy), \(bind: requestID),
                \(bind: now), \(bind: expires), 0, \(bind: now)) RETURNING id
            """).first(decoding: ID.self)!.id
        try await db.raw("""
            UPDATE exchange_requests SET state = 'granted', grant_id = \(bind: id), decided_by = \(bind: decidedBy), decided_at = \(bind: now) WHERE id = \(bind: requestID)
            """).run()
        try await AuditLog.append(AuditEntry(actor: decidedBy == "system" ? "system" : decidedBy, action: "exchange.grant.create", recordType: "grant", recordID: String(id),
                                             purpose: request.purpose, detail: "\(request.resourceCode) → \(request.consumerCode): \(fields.joined(separator: ","))\(plain ? " (plain)" : "")"),
                                  at: now, dialect: dialect, on: db)
    }

    // MARK: Standing grants

    /// Whether `organisation`'s staff hold a live grant with plain values for `resource` (code or
    /// short code): what reading personal data in plain through a registry's own API needs.
    public static func holdsPlain(_ resource: String, organisation: String?, at now: Date, store: Store) async throws -> Bool {
        guard let organisation else { return false }
        struct Row: Decodable { let id: Int64 }
        return try await store.read { db in
            try await db.raw("""
                SELECT g.id FROM exchange_grants g JOIN exchange_resources r ON r.code = g.resource_code
                WHERE (r.code = \(bind: resource) OR r.short_code = \(bind: resource)) AND g.consumer_code = \(bind: organisation) AND g.plain = \(bind: true)
                    AND g.api_key_id IS NULL AND g.revoked_at IS NULL AND g.starts_at <= \(bind: now) AND g.expires_at > \(bind: now) LIMIT 1
                """).first(decoding: Row.self) != nil
        }
    }

    /// Grants `resource` to `consumer` at once, with plain values, as a request the platform
    /// itself made and decided (the big-data bureaus' standing grants on the registries, written
    /// by the seed). Once per pair: a grant the seed wrote and someone revoked stays revoked.
    public func grantStanding(_ resource: String, to consumer: String, purpose: String, days: Int, by caller: Principal) async throws {
        try caller.require(anyOf: .platformAdmin)
        guard let resource = try await ResourceCatalogue(store: store, clock: clock).find(resource) else { throw ExchangeError.unknownResource }
        let now = clock.now()
        let dialect = store.dialect
        let fields = resource.fields.filter { $0.sensitivity != .secret }.map(\.name)
        try await store.write { db in
            struct Row: Decodable { let id: Int64 }
            let earlier = try await db.raw("""
                SELECT id FROM exchange_requests WHERE resource_code = \(bind: resource.code) AND consumer_code = \(bind: consumer) AND requested_by = 'seed' LIMIT 1
                """).first(decoding: Row.self)
            guard earlier == nil else { return }
            let id = try await db.raw("""
                INSERT INTO exchange_requests (resource_code, consumer_code, provider_code, requested_by, purpose, fields, plain, days, state, created_at)
                VALUES (\(bind: resource.code), \(bind: consumer), \(bind: resource.providerCode), 'seed', \(bind: purpose), \(bind: fields.joined(separator: ",")),
                    \(bind: true), \(bind: days), 'pending', \(bind: now)) RETURNING id
                """).first(decoding: Row.self)!.id
            try await Self.grant(requestID: id, fields: fields, days: days, plain: true, ratePerMinute: Self.defaultRatePerMinute, decidedBy: caller.auditActor,
                                 at: now, dialect: dialect, on: db)
        }
    }

    // MARK: Revoking

    /// Revokes a grant: the provider's or the consumer's data steward, or a platform administrator.
    public func revoke(_ grantID: Int64, reason: String, by caller: Principal, origin: AuditOrigin) async throws -> Grant {
        try caller.require(anyOf: .dataSteward)
        _ = try caller.staffScope()
        let reason = reason.trimmingCharacters(in: .whitespaces)
        guard (2...500).contains(reason.count), !Text.hasForbiddenControl(reason) else {
            throw ExchangeError.invalidField("reason", zh: "吊销须说明理由（2 至 500 个字符）", en: "a revocation needs a reason of 2 to 500 characters")
        }
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            guard let grant = try await Self.grant(grantID, on: db) else { throw ExchangeError.unknownGrant }
            guard caller.roles.contains(.platformAdmin) || [grant.providerCode, grant.consumerCode].contains(caller.organisationCode) else {
                throw ExchangeError.notProvider
            }
            let revoked = try await db.raw("""
                UPDATE exchange_grants SET revoked_at = \(bind: now), revoked_by = \(bind: caller.auditActor), revoke_reason = \(bind: reason)
                WHERE id = \(bind: grantID) AND revoked_at IS NULL RETURNING id
                """).all()
            guard !revoked.isEmpty else { throw ExchangeError.unknownGrant }
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.grant.revoke", recordType: "grant", recordID: String(grantID),
                                                 origin: origin, detail: reason), at: now, dialect: dialect, on: db)
        }
        return try await store.read { db in try await Self.grant(grantID, on: db)! }
    }

    // MARK: Reading

    /// Requests the caller's organisation made or must decide, newest first; only pending ones with `pendingOnly`.
    public func requests(by caller: Principal, pendingOnly: Bool = false, page: PageRequest) async throws -> Page<ShareRequest> {
        try caller.require(anyOf: .dataSteward, .auditor)
        _ = try caller.staffScope()
        return try await store.read { db in
            var filter = Self.involving(caller)
            if pendingOnly { filter += " AND state = 'pending'" }
            struct Count: Decodable { let n: Int }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM exchange_requests" + filter).first(decoding: Count.self)?.n ?? 0
            let rows = try await db.raw("SELECT * FROM exchange_requests" + filter + " ORDER BY id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)")
                .all(decoding: RequestRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            return Page(items: rows.map(\.request), total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// Grants the caller's organisation holds or gave, newest first.
    public func grants(by caller: Principal, resource: String? = nil, page: PageRequest) async throws -> Page<Grant> {
        try caller.require(anyOf: .dataSteward, .auditor)
        _ = try caller.staffScope()
        return try await store.read { db in
            var filter = Self.involving(caller)
            if let resource { filter += " AND resource_code = \(bind: resource)" }
            struct Count: Decodable { let n: Int }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM exchange_grants" + filter).first(decoding: Count.self)?.n ?? 0
            let rows = try await db.raw("SELECT * FROM exchange_grants" + filter + " ORDER BY id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)")
                .all(decoding: GrantRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            return Page(items: rows.map(\.grant), total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// The rows the caller sees: its organisation's, as consumer or provider (auditors and administrators: all).
    static func involving(_ caller: Principal) -> SQLQueryString {
        let org = caller.organisationCode ?? ""
        return caller.roles.contains(.auditor) || caller.roles.contains(.platformAdmin)
            ? " WHERE 1 = 1" : " WHERE (consumer_code = \(bind: org) OR provider_code = \(bind: org))"
    }

    /// One request, for the organisations on either side.
    public func request(_ id: Int64, by caller: Principal) async throws -> ShareRequest {
        try caller.require(anyOf: .dataSteward, .auditor)
        let request = try await request(id)
        guard caller.roles.contains(.auditor) || caller.roles.contains(.platformAdmin) || [request.consumerCode, request.providerCode].contains(caller.organisationCode) else {
            throw ExchangeError.unknownRequest
        }
        return request
    }

    func request(_ id: Int64) async throws -> ShareRequest {
        guard let request = try await store.read({ db in try await Self.request(id, on: db, lock: "") }) else { throw ExchangeError.unknownRequest }
        return request
    }

    static func request(_ id: Int64, on db: any SQLDatabase, lock: SQLQueryString) async throws -> ShareRequest? {
        try await db.raw("SELECT * FROM exchange_requests WHERE id = \(bind: id)" + lock).first(decoding: RequestRow.self, keyDecodingStrategy: .convertFromSnakeCase)?.request
    }

    static func grant(_ id: Int64, on db: any SQLDatabase) async throws -> Grant? {
        try await db.raw("SELECT * FROM exchange_grants WHERE id = \(bind: id)").first(decoding: GrantRow.self, keyDecodingStrategy: .convertFromSnakeCase)?.grant
    }
}

struct RequestRow: Decodable {
    let id: Int64; let resourceCode: String; let consumerCode: String; let providerCode: String; let requestedBy: String; let purpose: String
    let fields: String; let plain: Bool; let days: Int; let apiKeyId: String?; let state: String; let reason: String?; let decidedBy: String?
    let decidedAt: Date?; let grantId: Int64?; let createdAt: Date

    var request: ShareRequest {
        ShareRequest(id: id, resourceCode: resourceCode, consumerCode: consumerCode, providerCode: providerCode, requestedBy: requestedBy, purpose: purpose,
                     fields: fields.split(separator: ",").map(String.init), plain: plain, days: days, apiKeyID: apiKeyId,
                     state: ShareRequestState(rawValue: state) ?? .pending, reason: reason, decidedBy: decidedBy, decidedAt: decidedAt, grantID: grantId, createdAt: createdAt)
    }
}

struct GrantRow: Decodable {
    let id: Int64; let resourceCode: String; let consumerCode: String; let providerCode: String; let apiKeyId: String?; let fields: String; let plain: Bool
    let purpose: String; let ratePerMinute: Int; let grantedBy: String; let requestId: Int64?; let startsAt: Date; let expiresAt: Date; let revokedAt: Date?
    let revokedBy: String?; let revokeReason: String?

    var grant: Grant {
        Grant(id: id, resourceCode: resourceCode, consumerCode: consumerCode, providerCode: providerCode, apiKeyID: apiKeyId,
              fields: fields.split(separator: ",").map(String.init), plain: plain, purpose: purpose, ratePerMinute: ratePerMinute, grantedBy: grantedBy,
              requestID: requestId, startsAt: startsAt, expiresAt: expiresAt, revokedAt: revokedAt, revokedBy: revokedBy, revokeReason: revokeReason)
    }
}
