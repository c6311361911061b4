import CityCore
import CityStore
import Foundation
import SQLKit

/// An API key as listed (never its secret).
public struct APIKey: Sendable, Codable, Equatable {
    public let id: String
    public let name: String
    public let organisationCode: String
    public let roles: [Role]
    public let createdAt: Date
    public let revokedAt: Date?
}

/// What a new API key needs.
public struct NewAPIKey: Sendable {
    public var name: String
    public var organisationCode: String
    /// The roles it acts with; a key never holds `platformAdmin`.
    public var roles: Set<Role>

    public init(name: String, organisationCode: String, roles: Set<Role> = [.departmentHandler]) {
        self.name = name
        self.organisationCode = organisationCode
        self.roles = roles
    }
}

/// API keys for other government systems: `chk_<id>_<secret>`, stored as SHA-256 of the whole
/// key, each bound to one organisation whose division is its scope.
public struct APIKeyRing: Sendable {
    static let prefix = "chk_"
    let store: Store
    let clock: any WallClock
    let cache: PrincipalCache

    public init(store: Store, clock: any WallClock = SystemClock(), cache: PrincipalCache = PrincipalCache()) {
        self.store = store
        self.clock = clock
        self.cache = cache
    }

    /// Creates a key for `caller` (a platform administrator whose scope covers the organisation);
    /// returns it with the secret, which is never shown again. The audit entry commits with it.
    public func create(_ new: NewAPIKey, by caller: Principal, origin: AuditOrigin) async throws -> (key: APIKey, secret: String) {
        try caller.require(anyOf: .platformAdmin)
        guard (1...80).contains(new.name.count), !Text.hasForbiddenControl(new.name) else {
            throw IdentityError.invalidField("name", zh: "名称应为 1 至 80 个字符", en: "name must be 1 to 80 characters")
        }
        guard !new.roles.contains(.platformAdmin) else {
            throw IdentityError.invalidField("roles", zh: "API 密钥不能授予平台管理员角色", en: "An API key cannot hold the platformAdmin role")
        }
        let id = String(Secrets.random(bytes: 9).filter { $0.isLetter || $0.isNumber }.prefix(10)).lowercased()
        let secret = "\(Self.prefix)\(id)_\(Secrets.random())"
        let now = clock.now()
        let dialect = store.dialect
        let roleText = new.roles.sorted().map(\.rawValue).joined(separator: ",")
        try await store.write { db in
            struct Org: Decodable { let divisionCode: String }
            guard let org = try await db.raw("SELECT division_code FROM organisations WHERE code = \(bind: new.organisationCode)")
                    .first(decoding: Org.self, keyDecodingStrategy: .convertFromSnakeCase),
                  let division = DivisionCode(org.divisionCode), caller.canSee(division) else {
                throw IdentityError.unknownOrganisation(new.organisationCode)
            }
            try await db.raw("""
                INSERT INTO api_keys (id, name, organisation_code, secret_hash, roles, created_at)
                VALUES (\(bind: id), \(bind: new.name), \(bind: new.organisationCode), \(bind: Secrets.sha256(secret)), \(bind: roleText), \(bind: now))
                """).run()
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "identity.apikey.create", recordType: "apikey", recordID: id,
                                                 divisionCode: org.divisionCode, origin: origin, detail: new.name), at: now, dialect: dialect, on: db)
        }
        return (APIKey(id: id, name: new.name, organisationCode: new.organisationCode, roles: new.roles.sorted(), createdAt: now, revokedAt: nil), secret)
    }

    /// The principal for a key, or nil when unknown or revoked.
    public func authenticate(_ secret: String) async throws -> Principal? {
        let parts = secret.dropFirst(Self.prefix.count).split(separator: "_", maxSplits: 1)
        guard secret.hasPrefix(Self.prefix), parts.count == 2, secret.count < 200 else { return nil }
        let id = String(parts[0])
        let now = clock.now()
        let secretHash = Secrets.sha256(secret)
        if let cached = cache.get(secretHash, now: now) { return cached }
        struct Row: Decodable { let name: String; let organisationCode: String; let secretHash: String; let roles: String; let revokedAt: Date?; let divisionCode: String }
        let row = try await store.read { db in
            try await db.raw("""
                SELECT k.name, k.organisation_code, k.secret_hash, k.roles, k.revoked_at, o.division_code
                FROM api_keys k JOIN organisations o ON o.code = k.organisation_code WHERE k.id = \(bind: id)
                """).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let row, row.revokedAt == nil, constantTimeEqual(row.secretHash, secretHash), let division = DivisionCode(row.divisionCode) else { return nil }
        let principal = Principal(kind: .apiKey, id: id, displayName: row.name, organisationCode: row.organisationCode,
                                  scope: DivisionScope(division), roles: Set(Self.roles(row.roles)))
        cache.put(secretHash, principal, expiresAt: .distantFuture, subjects: ["apiKey:\(id)"], now: now)
        return principal
    }

    /// Revokes a key for `caller`, at once on every process, with its audit entry. A key outside
    /// the caller's scope is as unknown as one that does not exist.
    public func revoke(id: String, by caller: Principal, origin: AuditOrigin) async throws {
        try caller.require(anyOf: .platformAdmin)
        let scope = try caller.staffScope()
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            struct Row: Decodable { let divisionCode: String }
            guard let key = try await db.raw("""
                SELECT o.division_code FROM api_keys k JOIN organisations o ON o.code = k.organisation_code
                WHERE k.id = \(bind: id) AND o.division_code LIKE \(bind: scope.likePattern)
                """).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase) else {
                throw IdentityError.unknownAPIKey(id)
            }
            let revoked = !(try await db.raw("UPDATE api_keys SET revoked_at = \(bind: now) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id").all().isEmpty)
            guard revoked else { throw IdentityError.unknownAPIKey(id) }
            try await Revocations.record(.apiKey, id, at: now, dialect: dialect, on: db)
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "identity.apikey.revoke", recordType: "apikey", recordID: id,
                                                 divisionCode: key.divisionCode, origin: origin), at: now, dialect: dialect, on: db)
        }
        cache.evict(subject: "apiKey:\(id)")
    }

    /// One key by id, revoked or not (for modules that bind work to a key, e.g. the exchange's grants).
    public func find(id: String) async throws -> APIKey? {
        struct Row: Decodable { let id: String; let name: String; let organisationCode: String; let roles: String; let createdAt: Date; let revokedAt: Date? }
        return try await store.read { db in
            try await db.raw("SELECT id, name, organisation_code, roles, created_at, revoked_at FROM api_keys WHERE id = \(bind: id)")
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { row in
                    APIKey(id: row.id, name: row.name, organisationCode: row.organisationCode, roles: Self.roles(row.roles), createdAt: row.createdAt, revokedAt: row.revokedAt)
                }
        }
    }

    /// Keys whose organisation lies within the caller's scope, newest first (administrators and auditors).
    public func list(by caller: Principal) async throws -> [APIKey] {
        try caller.require(anyOf: .platformAdmin, .auditor)
        let scope = try caller.staffScope()
        struct Row: Decodable { let id: String; let name: String; let organisationCode: String; let roles: String; let createdAt: Date; let revokedAt: Date? }
        return try await store.read { db in
            try await db.raw("""
                SELECT k.id, k.name, k.organisation_code, k.roles, k.created_at, k.revoked_at
                FROM api_keys k JOIN organisations o ON o.code = k.organisation_code WHERE o.division_code LIKE \(bind: scope.likePattern)
                ORDER BY k.created_at DESC, k.id
                """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { row in
                APIKey(id: row.id, name: row.name, organisationCode: row.organisationCode, roles: Self.roles(row.roles), createdAt: row.createdAt, revokedAt: row.revokedAt)
            }
        }
    }

    static func roles(_ text: String) -> [Role] {
        text.split(separator: ",").compactMap { Role(rawValue: String($0)) }
    }
}
