import CityCore
import CityStore
import Foundation
import SQLKit

/// A bearer token or web session just issued. The token is shown once; only its hash is stored.
public struct IssuedSession: Sendable {
    public let token: String
    public let expiresAt: Date
    public let principal: Principal
}

/// Sessions and tokens, kept in the database so any server process can check any token and a
/// logout takes effect everywhere at once.
public struct SessionBook: Sendable {
    /// Where a session was started: the web (cookie) or the API (bearer token).
    public enum Channel: String, Sendable { case web, api }

    let store: Store
    let clock: any WallClock
    let citizens: CitizenAccounts
    let keys: APIKeyRing
    let cache: PrincipalCache
    /// How long a session lasts.
    public let lifetime: TimeInterval

    public init(store: Store, clock: any WallClock = SystemClock(), citizens: CitizenAccounts, keys: APIKeyRing,
                cache: PrincipalCache = PrincipalCache(), lifetime: TimeInterval = 8 * 3600) {
        self.store = store
        self.clock = clock
        self.citizens = citizens
        self.keys = keys
        self.cache = cache
        self.lifetime = lifetime
    }

    /// Starts a session for an authenticated principal.
    public func issue(for principal: Principal, channel: Channel) async throws -> IssuedSession {
        let token = "chs_" + Secrets.random()
        let now = clock.now()
        let expires = now.addingTimeInterval(lifetime)
        try await store.write { db in
            try await db.raw("""
                INSERT INTO sessions (token_hash, subject_kind, subject_id, channel, created_at, expires_at)
                VALUES (\(bind: Secrets.sha256(token)), \(bind: principal.kind.rawValue), \(bind: principal.id), \(bind: channel.rawValue), \(bind: now), \(bind: expires))
                """).run()
        }
        return IssuedSession(token: token, expiresAt: expires, principal: principal)
    }

    /// The principal behind a session token or API key, or nil when it is unknown, expired or revoked.
    /// Served from this process's `PrincipalCache` when it holds the token.
    public func resolve(_ token: String) async throws -> Principal? {
        if token.hasPrefix(APIKeyRing.prefix) { return try await keys.authenticate(token) }
        guard token.hasPrefix("chs_"), token.count < 200 else { return nil }
        let now = clock.now()
        let tokenHash = Secrets.sha256(token)
        if let cached = cache.get(tokenHash, now: now) { return cached }
        guard let (principal, expiresAt) = try await lookUp(tokenHash: tokenHash, now: now) else { return nil }
        cache.put(tokenHash, principal, expiresAt: expiresAt, subjects: ["session:\(tokenHash)", "\(principal.kind.rawValue):\(principal.id)"], now: now)
        return principal
    }

    private func lookUp(tokenHash: String, now: Date) async throws -> (Principal, Date)? {
        // The common case, a staff session, in one query: session, account and roles together.
        let staffRows = try await store.read { db in
            try await db.raw("""
                SELECT s.expires_at, s.revoked_at, u.id, u.username, u.display_name, u.organisation_code, u.division_code, u.active, r.role
                FROM sessions s
                JOIN staff_users u ON u.username = s.subject_id
                LEFT JOIN staff_roles r ON r.user_id = u.id
                WHERE s.token_hash = \(bind: tokenHash) AND s.subject_kind = 'staff'
                """).all()
        }
        if let first = staffRows.first {
            guard try first.decode(column: "revoked_at", as: Date?.self) == nil,
                  try first.decode(column: "expires_at", as: Date.self) > now else { return nil }
            let roles = try staffRows.compactMap { try $0.decode(column: "role", as: String?.self).flatMap(Role.init(rawValue:)) }
            let user = try StaffDirectory.decodeUser(first, roles: roles)
            return user.active ? (user.principal, try first.decode(column: "expires_at", as: Date.self)) : nil
        }
        let row = try await store.read { db in
            try await db.raw("""
                SELECT subject_kind, subject_id, expires_at, revoked_at FROM sessions WHERE token_hash = \(bind: tokenHash) AND subject_kind <> 'staff'
                """).first()
        }
        guard let row,
              try row.decode(column: "revoked_at", as: Date?.self) == nil,
              try row.decode(column: "expires_at", as: Date.self) > now else { return nil }
        let id = try row.decode(column: "subject_id", as: String.self)
        switch Principal.Kind(rawValue: try row.decode(column: "subject_kind", as: String.self)) {
        case .citizen: return try await citizens.principal(id: id).map { ($0, try row.decode(column: "expires_at", as: Date.self)) }
        case .staff, .apiKey, nil: return nil
        }
    }

    /// Ends a session, at once on every server process.
    public func revoke(_ token: String) async throws {
        let now = clock.now()
        let tokenHash = Secrets.sha256(token)
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("UPDATE sessions SET revoked_at = \(bind: now) WHERE token_hash = \(bind: tokenHash)").run()
            try await Revocations.record(.session, tokenHash, at: now, dialect: dialect, on: db)
        }
        cache.evict(subject: "session:\(tokenHash)")
    }

    /// Deletes sessions that expired more than a day ago.
    public func purgeExpired() async throws {
        let cutoff = clock.now().addingTimeInterval(-86_400)
        try await store.write { db in
            try await db.raw("DELETE FROM sessions WHERE expires_at < \(bind: cutoff)").run()
        }
    }
}

/// An API key as listed (never its secret).
public struct APIKey: Sendable, Codable, Equatable {
    public let id: String
    public let name: String
    public let organisationCode: String
    public let roles: [Role]
    public let createdAt: Date
    public let revokedAt: Date?
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

    /// Creates a key; returns it with the secret, which is never shown again.
    public func create(name: String, organisationCode: String, roles: Set<Role>) async throws -> (key: APIKey, secret: String) {
        let id = String(Secrets.random(bytes: 9).filter { $0.isLetter || $0.isNumber }.prefix(10)).lowercased()
        let secret = "\(Self.prefix)\(id)_\(Secrets.random())"
        let now = clock.now()
        let roleText = roles.sorted().map(\.rawValue).joined(separator: ",")
        try await store.write { db in
            guard try await db.raw("SELECT code FROM organisations WHERE code = \(bind: organisationCode)").first() != nil else {
                throw IdentityError.unknownOrganisation(organisationCode)
            }
            try await db.raw("""
                INSERT INTO api_keys (id, name, organisation_code, secret_hash, roles, created_at)
                VALUES (\(bind: id), \(bind: name), \(bind: organisationCode), \(bind: Secrets.sha256(secret)), \(bind: roleText), \(bind: now))
                """).run()
        }
        return (APIKey(id: id, name: name, organisationCode: organisationCode, roles: roles.sorted(), createdAt: now, revokedAt: nil), secret)
    }

    /// The principal for a key, or nil when unknown or revoked.
    public func authenticate(_ secret: String) async throws -> Principal? {
        let parts = secret.dropFirst(Self.prefix.count).split(separator: "_", maxSplits: 1)
        guard secret.hasPrefix(Self.prefix), parts.count == 2, secret.count < 200 else { return nil }
        let id = String(parts[0])
        let now = clock.now()
        let secretHash = Secrets.sha256(secret)
        if let cached = cache.get(secretHash, now: now) { return cached }
        let row = try await store.read { db in
            try await db.raw("""
                SELECT k.name, k.organisation_code, k.secret_hash, k.roles, k.revoked_at, o.division_code
                FROM api_keys k JOIN organisations o ON o.code = k.organisation_code WHERE k.id = \(bind: id)
                """).first()
        }
        guard let row, try row.decode(column: "revoked_at", as: Date?.self) == nil else { return nil }
        let stored = try row.decode(column: "secret_hash", as: String.self)
        guard constantTimeEqual(stored, secretHash) else { return nil }
        let roles = try row.decode(column: "roles", as: String.self).split(separator: ",").compactMap { Role(rawValue: String($0)) }
        let principal = Principal(kind: .apiKey, id: id, displayName: try row.decode(column: "name", as: String.self),
                                  organisationCode: try row.decode(column: "organisation_code", as: String.self),
                                  scope: DivisionCode(try row.decode(column: "division_code", as: String.self)), roles: Set(roles))
        cache.put(secretHash, principal, expiresAt: .distantFuture, subjects: ["apiKey:\(id)"], now: now)
        return principal
    }

    /// The key with this id, or nil.
    public func find(id: String) async throws -> APIKey? {
        try await list(where: "k.id = \(bind: id)").first
    }

    /// Revokes a key at once, for every process.
    public func revoke(id: String) async throws -> Bool {
        let now = clock.now()
        let dialect = store.dialect
        let revoked = try await store.write { db in
            let revoked = !(try await db.raw("UPDATE api_keys SET revoked_at = \(bind: now) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id").all().isEmpty)
            if revoked { try await Revocations.record(.apiKey, id, at: now, dialect: dialect, on: db) }
            return revoked
        }
        cache.evict(subject: "apiKey:\(id)")
        return revoked
    }

    /// Keys whose organisation lies within `scope`, newest first.
    public func list(within scope: DivisionCode) async throws -> [APIKey] {
        try await list(where: "o.division_code LIKE \(bind: scope.significantPrefix + "%")")
    }

    private func list(where filter: SQLQueryString) async throws -> [APIKey] {
        try await store.read { db in
            try await db.raw("""
                SELECT k.id, k.name, k.organisation_code, k.roles, k.created_at, k.revoked_at
                FROM api_keys k JOIN organisations o ON o.code = k.organisation_code WHERE
                """ + " " + filter + " ORDER BY k.created_at DESC, k.id").all().map { row in
                APIKey(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                       organisationCode: try row.decode(column: "organisation_code", as: String.self),
                       roles: try row.decode(column: "roles", as: String.self).split(separator: ",").compactMap { Role(rawValue: String($0)) },
                       createdAt: try row.decode(column: "created_at", as: Date.self),
                       revokedAt: try row.decode(column: "revoked_at", as: Date?.self))
            }
        }
    }
}

/// Compares two strings in time that depends only on their length.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
}
