import CityCore
import CityStore
import Foundation
import SQLKit

/// A staff account as other modules and the API see it (never with its password hash).
public struct StaffUser: Sendable, Codable, Equatable {
    public let id: Int64
    public let username: String
    public let displayName: String
    public let organisationCode: String
    public let divisionCode: DivisionCode
    public let roles: [Role]
    public let active: Bool

    /// The caller this account is when signed in: its organisation's division is its scope.
    public var principal: Principal {
        Principal(kind: .staff, id: username, displayName: displayName, organisationCode: organisationCode, scope: divisionCode, roles: Set(roles))
    }
}

/// What a new staff account needs.
public struct NewStaffUser: Sendable {
    public var username: String
    public var displayName: String
    public var organisationCode: String
    public var roles: Set<Role>
    /// nil: the account waits for activation (an administrator sets a password).
    public var password: String?

    public init(username: String, displayName: String, organisationCode: String, roles: Set<Role>, password: String?) {
        self.username = username
        self.displayName = displayName
        self.organisationCode = organisationCode
        self.roles = roles
        self.password = password
    }
}

/// Staff accounts: creation, bulk loading, passwords, login.
public struct StaffDirectory: Sendable {
    let store: Store
    let clock: any WallClock
    let hasher: PasswordHasher
    let cache: PrincipalCache

    public init(store: Store, clock: any WallClock = SystemClock(), hasher: PasswordHasher = PasswordHasher(), cache: PrincipalCache = PrincipalCache()) {
        self.store = store
        self.clock = clock
        self.hasher = hasher
        self.cache = cache
    }

    /// Creates one account. The password, when given, must be acceptable.
    @discardableResult
    public func create(_ user: NewStaffUser) async throws -> StaffUser {
        guard StaffImport.isUsername(user.username) else { throw Self.invalidUsername }
        guard (1...60).contains(user.displayName.count), !Text.hasForbiddenControl(user.displayName) else {
            throw PlatformError.invalidField("displayName", zh: "姓名应为 1 至 60 个字符", en: "displayName must be 1 to 60 characters")
        }
        var passwordHash: String? = nil
        if let password = user.password {
            guard PasswordHasher.isAcceptable(password) else { throw IdentityError.weakPassword }
            passwordHash = await hasher.hash(password)
        }
        let created = try await load([user], passwordHashes: [passwordHash])
        guard created == 1 else { throw IdentityError.usernameTaken(user.username) }
        return try await find(username: user.username)!
    }

    /// Loads accounts in bulk: multi-row inserts in large transactions. Existing usernames are
    /// left as they are (re-running a load duplicates nothing). `passwordHashes` are already
    /// hashed (or nil for accounts awaiting activation): hashing 21,600 passwords at cost 10 would
    /// take 25 CPU-minutes, so an import never hashes on the way in.
    /// - Returns: how many accounts were new.
    @discardableResult
    public func load(_ users: [NewStaffUser], passwordHashes: [String?]? = nil) async throws -> Int {
        let now = clock.now()
        let hashes = passwordHashes ?? Array(repeating: nil, count: users.count)
        // The same rule for every way in (API, CLI import, seed): a load with a bad name loads nothing.
        guard users.allSatisfy({ StaffImport.isUsername($0.username) }) else { throw Self.invalidUsername }
        var inserted = 0
        // 2,000 rows × 7 values = 14,000 bound parameters: under SQLite's 32,766 and PostgreSQL's 65,535.
        let batchSize = 2_000
        for (batchIndex, batch) in users.chunked(batchSize).enumerated() {
            let batchHashes = Array(hashes[(batchIndex * batchSize)..<(batchIndex * batchSize + batch.count)])
            inserted += try await store.write { db in
                let codes = Array(Set(batch.map(\.organisationCode)))
                var divisions: [String: String] = [:]
                for chunk in codes.chunked(500) {
                    let rows = try await db.raw("SELECT code, division_code FROM organisations WHERE code IN (\(binds: Array(chunk)))").all()
                    for row in rows { divisions[try row.decode(column: "code", as: String.self)] = try row.decode(column: "division_code", as: String.self) }
                }
                var query: SQLQueryString = "INSERT INTO staff_users (username, display_name, organisation_code, division_code, password_hash, active, created_at) VALUES "
                for (i, (user, hash)) in zip(batch, batchHashes).enumerated() {
                    guard let division = divisions[user.organisationCode] else { throw IdentityError.unknownOrganisation(user.organisationCode) }
                    if i > 0 { query += ", " }
                    query += "(\(bind: user.username), \(bind: user.displayName), \(bind: user.organisationCode), \(bind: division), \(bind: hash), \(bind: hash != nil), \(bind: now))"
                }
                query += " ON CONFLICT (username) DO NOTHING RETURNING id, username"
                let rows = try await db.raw(query).all()
                var ids: [String: Int64] = [:]
                for row in rows { ids[try row.decode(column: "username", as: String.self)] = try row.decode(column: "id", as: Int64.self) }
                let roleRows = batch.flatMap { user in ids[user.username].map { id in user.roles.sorted().map { (id, $0.rawValue) } } ?? [] }
                for chunk in roleRows.chunked(5_000) {
                    var roleQuery: SQLQueryString = "INSERT INTO staff_roles (user_id, role) VALUES "
                    for (i, (id, role)) in chunk.enumerated() {
                        if i > 0 { roleQuery += ", " }
                        roleQuery += "(\(bind: id), \(bind: role))"
                    }
                    try await db.raw(roleQuery).run()
                }
                return rows.count
            }
        }
        return inserted
    }

    static let invalidUsername = PlatformError.invalidField(
        "username", zh: "用户名为 3 至 40 位小写字母、数字、点、下划线或连字符", en: "username must be 3 to 40 lower-case letters, digits, dots, underscores or hyphens")

    /// Changes one's own password: the current one must be given, so a stolen session token alone
    /// cannot take the account over.
    public func changeOwnPassword(username: String, current: String, new: String) async throws {
        guard try await checkPassword(username: username, password: current) != nil else { throw IdentityError.wrongCurrentPassword }
        try await setPassword(username: username, password: new)
    }

    /// Sets (or resets) a password and activates the account; clears any lock and ends the account's sessions.
    public func setPassword(username: String, password: String) async throws {
        guard PasswordHasher.isAcceptable(password) else { throw IdentityError.weakPassword }
        let hash = await hasher.hash(password)
        let now = clock.now()
        let dialect = store.dialect
        let changed = try await store.write { db in
            let changed = try await db.raw("""
                UPDATE staff_users SET password_hash = \(bind: hash), active = \(bind: true)
                WHERE username = \(bind: username) RETURNING id
                """).all().count
            // A new password ends every session the old one opened, on every server.
            try await db.raw("""
                UPDATE sessions SET revoked_at = \(bind: now) WHERE subject_kind = 'staff' AND subject_id = \(bind: username) AND revoked_at IS NULL
                """).run()
            if changed == 1 { try await Revocations.record(.staff, username, at: now, dialect: dialect, on: db) }
            return changed
        }
        cache.evict(subject: "staff:\(username)")
        guard changed == 1 else { throw IdentityError.unknownUser(username) }
    }

    /// Checks a username and password. Guessing is limited by `LoginThrottle` around this call;
    /// here every outcome costs one bcrypt check, so timing does not tell an unknown, an inactive
    /// and a wrong-password account apart, and an inactive account says so only to the right password.
    public func authenticate(username: String, password: String) async throws -> Principal {
        guard let active = try await checkPassword(username: username, password: password) else { throw IdentityError.invalidCredentials }
        guard active, let principal = try await principal(username: username) else { throw IdentityError.accountInactive }
        return principal
    }

    /// One bcrypt check whatever the account's state (unknown, no password yet, or real): whether
    /// the account is active when the password matches, nil when it does not.
    private func checkPassword(username: String, password: String) async throws -> Bool? {
        guard username.count <= 80, !Text.hasForbiddenControl(username) else {
            _ = await hasher.verify(password, hash: PasswordHasher.decoy)
            return nil
        }
        let row = try await store.read { db in
            try await db.raw("SELECT password_hash, active FROM staff_users WHERE username = \(bind: username)").first()
        }
        let hash = try row?.decode(column: "password_hash", as: String?.self)
        let verified = await hasher.verify(password, hash: hash ?? PasswordHasher.decoy)
        guard let row, hash != nil, verified else { return nil }
        return try row.decode(column: "active", as: Bool.self)
    }

    /// The principal for an active account, or nil.
    public func principal(username: String) async throws -> Principal? {
        guard let user = try await find(username: username), user.active else { return nil }
        return user.principal
    }

    /// One account by username.
    public func find(username: String) async throws -> StaffUser? {
        try await store.read { db in
            guard let row = try await db.raw("""
                SELECT id, username, display_name, organisation_code, division_code, active FROM staff_users WHERE username = \(bind: username)
                """).first() else { return nil }
            let id = try row.decode(column: "id", as: Int64.self)
            let roles = try await db.raw("SELECT role FROM staff_roles WHERE user_id = \(bind: id) ORDER BY role").all()
                .compactMap { Role(rawValue: try $0.decode(column: "role", as: String.self)) }
            return try Self.decodeUser(row, roles: roles)
        }
    }

    /// A stored division code that does not parse fails the read: falling back to a wider
    /// division would widen the account's scope.
    static func divisionCode(_ row: any SQLRow) throws -> DivisionCode {
        let text = try row.decode(column: "division_code", as: String.self)
        guard let code = DivisionCode(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "staff_users.division_code \(text) is not a division code"))
        }
        return code
    }

    static func decodeUser(_ row: any SQLRow, roles: [Role]) throws -> StaffUser {
        StaffUser(
            id: try row.decode(column: "id", as: Int64.self),
            username: try row.decode(column: "username", as: String.self),
            displayName: try row.decode(column: "display_name", as: String.self),
            organisationCode: try row.decode(column: "organisation_code", as: String.self),
            divisionCode: try Self.divisionCode(row),
            roles: roles,
            active: try row.decode(column: "active", as: Bool.self)
        )
    }

    /// Accounts within a division scope, optionally of one organisation.
    public func list(within scope: DivisionCode, organisationCode: String? = nil, page: PageRequest) async throws -> Page<StaffUser> {
        let prefix = scope.significantPrefix + "%"
        return try await store.read { db in
            var filter: SQLQueryString = "division_code LIKE \(bind: prefix)"
            if let organisationCode { filter += " AND organisation_code = \(bind: organisationCode)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM staff_users WHERE " + filter).first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await db.raw("""
                SELECT id, username, display_name, organisation_code, division_code, active FROM staff_users WHERE
                """ + " " + filter + " ORDER BY username LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            let ids = try rows.map { try $0.decode(column: "id", as: Int64.self) }
            var roles: [Int64: [Role]] = [:]
            if !ids.isEmpty {
                for row in try await db.raw("SELECT user_id, role FROM staff_roles WHERE user_id IN (\(binds: ids)) ORDER BY role").all() {
                    if let role = Role(rawValue: try row.decode(column: "role", as: String.self)) {
                        roles[try row.decode(column: "user_id", as: Int64.self), default: []].append(role)
                    }
                }
            }
            let items = try rows.map { row in
                try Self.decodeUser(row, roles: roles[try row.decode(column: "id", as: Int64.self)] ?? [])
            }
            return Page(items: items, total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// How many accounts exist.
    public func count() async throws -> Int {
        try await store.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM staff_users").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }
}
