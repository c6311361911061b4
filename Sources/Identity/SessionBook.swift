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

    /// Starts a session for a principal who has just proved who they are, and records the sign-in
    /// in the audit log in the same transaction.
    public func issue(for principal: Principal, channel: Channel, origin: AuditOrigin) async throws -> IssuedSession {
        let token = "chs_" + Secrets.random()
        let now = clock.now()
        let expires = now.addingTimeInterval(lifetime)
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("""
                INSERT INTO sessions (token_hash, subject_kind, subject_id, channel, created_at, expires_at)
                VALUES (\(bind: Secrets.sha256(token)), \(bind: principal.kind.rawValue), \(bind: principal.id), \(bind: channel.rawValue), \(bind: now), \(bind: expires))
                """).run()
            try await AuditLog.append(AuditEntry(actor: principal.auditActor, action: principal.kind == .citizen ? "identity.citizen.login" : "identity.login",
                                                 recordType: principal.kind.rawValue, recordID: principal.id, divisionCode: principal.scope?.root.rawValue,
                                                 origin: origin, detail: channel == .web ? "web" : nil), at: now, dialect: dialect, on: db)
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
        struct StaffRow: Decodable {
            let expiresAt: Date; let revokedAt: Date?
            let id: Int64; let username: String; let displayName: String; let organisationCode: String; let divisionCode: String; let active: Bool
            let role: String?
        }
        let staffRows = try await store.read { db in
            try await db.raw("""
                SELECT s.expires_at, s.revoked_at, u.id, u.username, u.display_name, u.organisation_code, u.division_code, u.active, r.role
                FROM sessions s
                JOIN staff_users u ON u.username = s.subject_id
                LEFT JOIN staff_roles r ON r.user_id = u.id
                WHERE s.token_hash = \(bind: tokenHash) AND s.subject_kind = 'staff'
                """).all(decoding: StaffRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        if let first = staffRows.first {
            guard first.revokedAt == nil, first.expiresAt > now, first.active else { return nil }
            let member = StaffMember(id: first.id, username: first.username, displayName: first.displayName, organisationCode: first.organisationCode,
                                     divisionCode: try .stored(first.divisionCode, column: "staff_users.division_code"),
                                     roles: staffRows.compactMap { $0.role.flatMap(Role.init(rawValue:)) }, active: first.active)
            return (member.principal, first.expiresAt)
        }
        struct Row: Decodable { let subjectKind: String; let subjectId: String; let expiresAt: Date; let revokedAt: Date? }
        let row = try await store.read { db in
            try await db.raw("""
                SELECT subject_kind, subject_id, expires_at, revoked_at FROM sessions WHERE token_hash = \(bind: tokenHash) AND subject_kind <> 'staff'
                """).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let row, row.revokedAt == nil, row.expiresAt > now else { return nil }
        switch Principal.Kind(rawValue: row.subjectKind) {
        case .citizen: return try await citizens.principal(id: row.subjectId).map { ($0, row.expiresAt) }
        case .staff, .apiKey, .commandLine, nil: return nil
        }
    }

    /// Ends the caller's session, at once on every server process, with its audit entry. An API
    /// key is not a session: it ends only when an administrator revokes it.
    public func signOut(_ token: String?, by caller: Principal, channel: Channel, origin: AuditOrigin) async throws {
        guard caller.kind != .apiKey else { throw IdentityError.logoutWithAPIKey }
        guard let token else { return }
        let now = clock.now()
        let tokenHash = Secrets.sha256(token)
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("UPDATE sessions SET revoked_at = \(bind: now) WHERE token_hash = \(bind: tokenHash)").run()
            try await Revocations.record(.session, tokenHash, at: now, dialect: dialect, on: db)
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "identity.logout", recordType: caller.kind.rawValue, recordID: caller.id,
                                                 divisionCode: caller.scope?.root.rawValue, origin: origin, detail: channel == .web ? "web" : nil),
                                      at: now, dialect: dialect, on: db)
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

/// Compares two strings in time that depends only on their length.
public func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
}
