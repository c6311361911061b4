import CityCore
import CityStore
import Foundation
import SQLKit

/// A staff member's account as other modules and the API see it (never with its password hash).
public struct StaffMember: Sendable, Codable, Equatable {
    public let id: Int64
    public let username: String
    /// Masked (`张*`) when the reader may not see names.
    public let displayName: String
    public let organisationCode: String
    public let divisionCode: DivisionCode
    public let roles: [Role]
    public let active: Bool

    /// The principal this account is when signed in: its organisation's division is its scope.
    public var principal: Principal {
        Principal(kind: .staff, id: username, displayName: displayName, organisationCode: organisationCode, scope: DivisionScope(divisionCode), roles: Set(roles))
    }

    func masked() -> StaffMember {
        StaffMember(id: id, username: username, displayName: Mask.name(displayName), organisationCode: organisationCode,
                    divisionCode: divisionCode, roles: roles, active: active)
    }
}

/// What a new staff account needs.
public struct NewStaffMember: Sendable {
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

/// A page of staff accounts, saying whether names were masked for the reader.
public struct StaffPage: Sendable {
    public let page: Page<StaffMember>
    public let masked: Bool
}

/// Staff accounts: creation, bulk loading, passwords, sign-in checks, listing. Every change takes
/// the caller, checks role and scope here, and commits with its audit entry.
public struct StaffDirectory: Sendable {
    let store: Store
    let clock: any WallClock
    let hasher: PasswordHasher
    let cache: PrincipalCache
    let audit: AuditLog
    let throttle: LoginThrottle

    public init(store: Store, clock: any WallClock = SystemClock(), hasher: PasswordHasher = PasswordHasher(), cache: PrincipalCache = PrincipalCache(),
                audit: AuditLog? = nil, throttle: LoginThrottle? = nil) {
        self.store = store
        self.clock = clock
        self.hasher = hasher
        self.cache = cache
        self.audit = audit ?? AuditLog(store: store, clock: clock)
        self.throttle = throttle ?? LoginThrottle(store: store, clock: clock)
    }

    /// Creates one account for `caller` (a platform administrator whose scope covers the
    /// organisation). The password, when given, must be acceptable. The audit entry commits with it.
    @discardableResult
    public func create(_ member: NewStaffMember, by caller: Principal, origin: AuditOrigin) async throws -> StaffMember {
        try caller.require(anyOf: .platformAdmin)
        try Self.validate(member)
        var passwordHash: String? = nil
        if let password = member.password {
            guard PasswordHasher.isAcceptable(password) else { throw IdentityError.weakPassword }
            passwordHash = await hasher.hash(password)
        }
        let now = clock.now()
        let dialect = store.dialect
        let hash = passwordHash
        let created = try await store.bulkWrite { db, copier in
            let inserted = try await Self.insert([member], hashes: [hash], caller: caller, now: now, dialect: dialect, on: db, copier: copier)
            guard inserted == 1 else { throw IdentityError.usernameTaken(member.username) }
            let row = try await Self.members(where: "username = \(bind: member.username)", on: db).first!
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "identity.staff.create", recordType: "staff", recordID: row.username,
                                                 divisionCode: row.divisionCode.rawValue, origin: origin), at: now, dialect: dialect, on: db)
            return row
        }
        return created
    }

    /// Loads accounts in bulk for `caller`: multi-row inserts in transactions of 2,000, each with
    /// an audit entry naming `source` and how many were new. Existing usernames are left as they
    /// are (re-running a load duplicates nothing). `passwordHashes` are already hashed (or nil for
    /// accounts awaiting activation): hashing 21,600 passwords at cost 10 would take 25 CPU-minutes,
    /// so an import never hashes on the way in.
    /// - Returns: how many accounts were new.
    @discardableResult
    public func load(_ members: [NewStaffMember], passwordHashes: [String?]? = nil, source: String, by caller: Principal, origin: AuditOrigin) async throws -> Int {
        try caller.require(anyOf: .platformAdmin)
        // The same rules for every way in (API, CLI import, seed): a load with a bad row loads nothing.
        for member in members { try Self.validate(member) }
        let now = clock.now()
        let dialect = store.dialect
        let hashes = passwordHashes ?? Array(repeating: nil, count: members.count)
        var inserted = 0
        // SQLite: 2,000 rows × 7 values = 14,000 bound parameters, under its 32,766. PostgreSQL
        // streams each batch with COPY, so its batches are as large as one transaction should be.
        let batchSize = store.engine == .postgres ? 25_000 : 2_000
        for (batchIndex, batch) in members.chunked(batchSize).enumerated() {
            let first = batchIndex * batchSize
            let batchHashes = Array(hashes[first..<(first + batch.count)])
            inserted += try await store.bulkWrite { db, copier in
                let new = try await Self.insert(Array(batch), hashes: batchHashes, caller: caller, now: now, dialect: dialect, on: db, copier: copier)
                try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "identity.staff.import", recordType: "file",
                                                     recordID: source, origin: origin,
                                                     detail: "rows \(first + 1)-\(first + batch.count): \(new) new"), at: now, dialect: dialect, on: db)
                return new
            }
        }
        return inserted
    }

    static func validate(_ member: NewStaffMember) throws(IdentityError) {
        guard StaffImport.isUsername(member.username) else { throw invalidUsername }
        guard (1...60).contains(member.displayName.count), !Text.hasForbiddenControl(member.displayName) else {
            throw .invalidField("displayName", zh: "姓名应为 1 至 60 个字符", en: "displayName must be 1 to 60 characters")
        }
    }

    /// Inserts accounts and their roles; returns how many were new. Organisations must exist and lie
    /// within the caller's scope (one outside it is reported as unknown: its existence is not told).
    private static func insert(_ batch: [NewStaffMember], hashes: [String?], caller: Principal, now: Date, dialect: Dialect,
                               on db: any SQLDatabase, copier: BulkCopier) async throws -> Int {
        let codes = Array(Set(batch.map(\.organisationCode)))
        var divisions: [String: String] = [:]
        for chunk in codes.chunked(500) {
            struct Row: Decodable { let code: String; let divisionCode: String }
            for row in try await db.raw("SELECT code, division_code FROM organisations WHERE code IN (\(binds: Array(chunk)))")
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase) {
                guard let division = DivisionCode(row.divisionCode), caller.canSee(division) else { continue }
                divisions[row.code] = row.divisionCode
            }
        }
        var rows: [[BulkValue]] = []
        rows.reserveCapacity(batch.count)
        for (member, hash) in zip(batch, hashes) {
            guard let division = divisions[member.organisationCode] else { throw IdentityError.unknownOrganisation(member.organisationCode) }
            rows.append([.text(member.username), .text(member.displayName), .text(member.organisationCode), .text(division),
                         hash.map { .text($0) } ?? .null, .bool(hash != nil), .date(now)])
        }
        let columns = ["username", "display_name", "organisation_code", "division_code", "password_hash", "active", "created_at"]
        struct Inserted: Decodable { let id: Int64; let username: String }
        let inserted: [Inserted]
        if dialect.engine == .postgres {
            // COPY cannot skip existing rows: stage the batch, then insert what is new in one statement.
            try await db.raw("""
                CREATE TEMP TABLE staff_staging (username TEXT, display_name TEXT, organisation_code TEXT, division_code TEXT,
                password_hash TEXT, active BOOLEAN, created_at TIMESTAMPTZ) ON COMMIT DROP
                """).run()
            try await copier.copy(into: "staff_staging", columns: columns, rows: rows)
            inserted = try await db.raw("""
                INSERT INTO staff_users (username, display_name, organisation_code, division_code, password_hash, active, created_at)
                SELECT username, display_name, organisation_code, division_code, password_hash, active, created_at FROM staff_staging
                ON CONFLICT (username) DO NOTHING RETURNING id, username
                """).all(decoding: Inserted.self)
        } else {
            var query: SQLQueryString = "INSERT INTO staff_users (username, display_name, organisation_code, division_code, password_hash, active, created_at) VALUES "
            for (i, row) in rows.enumerated() {
                if i > 0 { query += ", " }
                query += "(\(bind: row[0].bind), \(bind: row[1].bind), \(bind: row[2].bind), \(bind: row[3].bind), \(bind: row[4].bind), \(bind: row[5].bind), \(bind: row[6].bind))"
            }
            query += " ON CONFLICT (username) DO NOTHING RETURNING id, username"
            inserted = try await db.raw(query).all(decoding: Inserted.self)
        }
        let ids = Dictionary(uniqueKeysWithValues: inserted.map { ($0.username, $0.id) })
        let roleRows = batch.flatMap { member in ids[member.username].map { id in member.roles.sorted().map { [BulkValue.int(id), .text($0.rawValue)] } } ?? [] }
        try await copier.copy(into: "staff_roles", columns: ["user_id", "role"], rows: roleRows)
        return inserted.count
    }

    static let invalidUsername = IdentityError.invalidField(
        "username", zh: "用户名为 3 至 40 位小写字母、数字、点、下划线或连字符", en: "username must be 3 to 40 lower-case letters, digits, dots, underscores or hyphens")

    /// Sets a password and activates the account; ends the account's sessions on every server.
    /// A staff member changing their own gives the current one (checked behind the login limits, so
    /// a stolen token cannot guess it); a platform administrator may reset anyone's within scope.
    public func changePassword(of username: String, to password: String, current: String?, by caller: Principal, origin: AuditOrigin) async throws {
        let isSelf = caller.kind == .staff && caller.id == username
        if isSelf {
            guard let current else {
                throw IdentityError.invalidField("currentPassword", zh: "修改本人密码须提供当前密码", en: "Changing one's own password needs currentPassword")
            }
            try await throttle.guarding(source: origin.source, account: username) {
                guard try await checkPassword(username: username, password: current) != nil else { throw IdentityError.wrongCurrentPassword }
            }
        } else {
            try caller.require(anyOf: .platformAdmin)
            // An account outside the caller's scope is as unknown as one that does not exist.
            guard let member = try await find(username: username), caller.canSee(member.divisionCode) else {
                throw IdentityError.unknownStaffMember(username)
            }
        }
        guard PasswordHasher.isAcceptable(password) else { throw IdentityError.weakPassword }
        let hash = await hasher.hash(password)
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            struct Changed: Decodable { let divisionCode: String }
            guard let changed = try await db.raw("""
                UPDATE staff_users SET password_hash = \(bind: hash), active = \(bind: true)
                WHERE username = \(bind: username) RETURNING division_code
                """).first(decoding: Changed.self, keyDecodingStrategy: .convertFromSnakeCase) else {
                throw IdentityError.unknownStaffMember(username)
            }
            // A new password ends every session the old one opened, on every server.
            try await db.raw("""
                UPDATE sessions SET revoked_at = \(bind: now) WHERE subject_kind = 'staff' AND subject_id = \(bind: username) AND revoked_at IS NULL
                """).run()
            try await Revocations.record(.staff, username, at: now, dialect: dialect, on: db)
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "identity.staff.password", recordType: "staff", recordID: username,
                                                 divisionCode: changed.divisionCode, origin: origin, detail: isSelf ? "own" : "reset"),
                                      at: now, dialect: dialect, on: db)
        }
        cache.evict(subject: "staff:\(username)")
    }

    /// Checks a username and password. Guessing is limited by `LoginThrottle` around this call;
    /// here every outcome costs one bcrypt check, so timing does not tell an unknown, an inactive
    /// and a wrong-password account apart, and an inactive account says so only to the right password.
    public func authenticate(username: String, password: String) async throws -> Principal {
        guard let active = try await checkPassword(username: username, password: password) else { throw IdentityError.invalidCredentials }
        guard active, let member = try await find(username: username), member.active else { throw IdentityError.accountInactive }
        return member.principal
    }

    /// One bcrypt check whatever the account's state (unknown, no password yet, or real): whether
    /// the account is active when the password matches, nil when it does not.
    private func checkPassword(username: String, password: String) async throws -> Bool? {
        guard username.count <= 80, !Text.hasForbiddenControl(username) else {
            _ = await hasher.verify(password, hash: PasswordHasher.decoy)
            return nil
        }
        struct Row: Decodable { let passwordHash: String?; let active: Bool }
        let row = try await store.read { db in
            try await db.raw("SELECT password_hash, active FROM staff_users WHERE username = \(bind: username)")
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        let verified = await hasher.verify(password, hash: row?.passwordHash ?? PasswordHasher.decoy)
        guard let row, row.passwordHash != nil, verified else { return nil }
        return row.active
    }

    /// One account by username, for the platform's own use (seeding, sign-in); callers outside
    /// Identity list within their scope instead.
    public func find(username: String) async throws -> StaffMember? {
        try await store.read { db in try await Self.members(where: "username = \(bind: username)", on: db).first }
    }

    /// Accounts within the caller's scope, optionally of one organisation, for the roles that
    /// route and oversee work. Names are personal data: a platform administrator who states a
    /// purpose (`origin.purpose`) sees them; everyone else, and an administrator who states none,
    /// sees them masked. The read is audited with its purpose.
    public func list(by caller: Principal, organisationCode: String? = nil, page: PageRequest, origin: AuditOrigin) async throws -> StaffPage {
        try caller.require(anyOf: .auditor, .dataSteward, .dispatcher, .commandOperator)
        let scope = try caller.staffScope()
        let found = try await store.read { db -> Page<StaffMember>? in
            var filter: SQLQueryString = "division_code LIKE \(bind: scope.likePattern)"
            if let organisationCode {
                struct Org: Decodable { let divisionCode: String }
                guard let org = try await db.raw("SELECT division_code FROM organisations WHERE code = \(bind: organisationCode)")
                    .first(decoding: Org.self, keyDecodingStrategy: .convertFromSnakeCase),
                    let division = DivisionCode(org.divisionCode), scope.contains(division) else { return nil }
                filter += " AND organisation_code = \(bind: organisationCode)"
            }
            struct Count: Decodable { let n: Int }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM staff_users WHERE " + filter).first(decoding: Count.self)?.n ?? 0
            let items = try await Self.members(where: filter, order: " ORDER BY username LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)", on: db)
            return Page(items: items, total: total, limit: page.limit, offset: page.offset)
        }
        // An organisation outside the scope is as unknown as one that does not exist.
        guard var result = found else { throw IdentityError.unknownOrganisation(organisationCode ?? "") }
        let unmasked = caller.roles.contains(.platformAdmin) && origin.statedPurpose != nil
        if !unmasked { result.items = result.items.map { $0.masked() } }
        try await audit.append(AuditEntry(actor: caller.auditActor, action: "identity.staff.list", recordType: "staff", recordID: organisationCode ?? "*",
                                          divisionCode: scope.root.rawValue, origin: origin,
                                          detail: "\(result.items.count) rows, \(unmasked ? "unmasked" : "masked")"))
        return StaffPage(page: result, masked: !unmasked)
    }

    /// Accounts matching `filter`, with their roles, in two queries.
    static func members(where filter: SQLQueryString, order: SQLQueryString = "", on db: any SQLDatabase) async throws -> [StaffMember] {
        struct Row: Decodable { let id: Int64; let username: String; let displayName: String; let organisationCode: String; let divisionCode: String; let active: Bool }
        let rows = try await db.raw("SELECT id, username, display_name, organisation_code, division_code, active FROM staff_users WHERE " + filter + order)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        var roles: [Int64: [Role]] = [:]
        if !rows.isEmpty {
            struct RoleRow: Decodable { let userId: Int64; let role: String }
            for row in try await db.raw("SELECT user_id, role FROM staff_roles WHERE user_id IN (\(binds: rows.map(\.id))) ORDER BY role")
                .all(decoding: RoleRow.self, keyDecodingStrategy: .convertFromSnakeCase) {
                if let role = Role(rawValue: row.role) { roles[row.userId, default: []].append(role) }
            }
        }
        return try rows.map { row in
            StaffMember(id: row.id, username: row.username, displayName: row.displayName, organisationCode: row.organisationCode,
                        divisionCode: try .stored(row.divisionCode, column: "staff_users.division_code"), roles: roles[row.id] ?? [], active: row.active)
        }
    }


    /// How many accounts exist.
    public func count() async throws -> Int {
        struct Count: Decodable { let n: Int }
        return try await store.read { db in try await db.raw("SELECT COUNT(*) AS n FROM staff_users").first(decoding: Count.self)?.n ?? 0 }
    }
}
