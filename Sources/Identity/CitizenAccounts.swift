import CityCore
import CityStore
import Foundation
import SQLKit

/// A citizen's account as the citizen sees it.
public struct Citizen: Sendable, Codable, Equatable {
    public let id: Int64
    /// Masked unless the citizen reads their own record.
    public let phone: String
    public let displayName: String
    /// When a sign-in code last proved the account holds its phone; nil: never (registered with a password).
    public var phoneVerifiedAt: Date? = nil
}

/// Citizen accounts on the portal: registered by mobile phone number, password-protected.
public struct CitizenAccounts: Sendable {
    let store: Store
    let clock: any WallClock
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    let audit: AuditLog

    public init(store: Store, clock: any WallClock = SystemClock(), hasher: PasswordHasher = PasswordHasher(), throttle: LoginThrottle? = nil,
                audit: AuditLog? = nil) {
        self.store = store
        self.clock = clock
        self.hasher = hasher
        self.throttle = throttle ?? LoginThrottle(store: store, clock: clock)
        self.audit = audit ?? AuditLog(store: store, clock: clock)
    }

    /// Registrations one address may make per window (15 minutes): each costs a bcrypt hash, and
    /// each answer says whether a phone number is registered, so both are bounded.
    public static let registrationsPerAddress = 5

    /// Registers a citizen from `origin`: a mainland mobile number, a name, an acceptable password.
    /// An address may register `registrationsPerAddress` accounts per window, counted before the
    /// password is hashed. The audit entry commits with the account.
    public func register(phone: String, displayName: String, password: String, origin: AuditOrigin) async throws -> Citizen {
        guard Phone.isMobile(phone) else {
            throw IdentityError.invalidField("phone", zh: "手机号应为 11 位大陆手机号码", en: "phone must be an 11-digit mainland mobile number")
        }
        guard (1...40).contains(displayName.count), !Text.hasForbiddenControl(displayName) else {
            throw IdentityError.invalidField("displayName", zh: "姓名应为 1 至 40 个字符", en: "displayName must be 1 to 40 characters")
        }
        guard PasswordHasher.isAcceptable(password) else { throw IdentityError.weakPassword }
        // Every registration counts (a success too): the count is never cleared, it ages out.
        do {
            _ = try await throttle.begin(source: origin.source, account: "citizen-registration", accountLimit: Self.registrationsPerAddress)
        } catch IdentityError.accountLocked(let seconds), IdentityError.tooManyAttempts(let seconds) {
            try await audit.appendRefusal(AuditEntry(actor: "anonymous", action: "identity.citizen.register", recordType: "citizen", recordID: Mask.phone(phone),
                                                     origin: origin, outcome: "denied", detail: IdentityError.tooManyRegistrations(retryAfter: seconds).code),
                                          foldKey: "\(origin.source ?? "-")|identity.citizen.register")
            throw IdentityError.tooManyRegistrations(retryAfter: seconds)
        }
        let hash = await hasher.hash(password)
        let now = clock.now()
        let dialect = store.dialect
        let id: Int64 = try await store.write { db in
            struct Inserted: Decodable { let id: Int64 }
            guard let inserted = try await db.raw("""
                INSERT INTO citizens (phone, display_name, password_hash, created_at) VALUES (\(bind: phone), \(bind: displayName), \(bind: hash), \(bind: now))
                ON CONFLICT (phone) DO NOTHING RETURNING id
                """).first(decoding: Inserted.self) else { throw IdentityError.phoneTaken }
            try await AuditLog.append(AuditEntry(actor: "citizen:\(inserted.id)", action: "identity.citizen.register", recordType: "citizen",
                                                 recordID: String(inserted.id), origin: origin), at: now, dialect: dialect, on: db)
            return inserted.id
        }
        return Citizen(id: id, phone: phone, displayName: displayName)
    }

    /// Loads the demo citizen account, without the registration limits; false when it exists.
    @discardableResult
    public func seed(phone: String, displayName: String, password: String) async throws -> Bool {
        let hash = await hasher.hash(password)
        let now = clock.now()
        return try await store.write { db in
            try await !db.raw("""
                INSERT INTO citizens (phone, display_name, password_hash, created_at) VALUES (\(bind: phone), \(bind: displayName), \(bind: hash), \(bind: now))
                ON CONFLICT (phone) DO NOTHING RETURNING id
                """).all().isEmpty
        }
    }

    /// Checks a phone number and password.
    public func authenticate(phone: String, password: String) async throws -> Principal {
        struct Row: Decodable { let id: Int64; let displayName: String; let passwordHash: String }
        let row = try await store.read { db in
            try await db.raw("SELECT id, display_name, password_hash FROM citizens WHERE phone = \(bind: phone)")
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        // One bcrypt check whether or not the number is registered: timing does not tell.
        let verified = await hasher.verify(password, hash: row?.passwordHash ?? PasswordHasher.decoy)
        guard let row, verified else { throw IdentityError.invalidCredentials }
        return Principal(kind: .citizen, id: String(row.id), displayName: row.displayName, organisationCode: nil, scope: nil, roles: [])
    }

    /// The principal for a citizen id, or nil.
    public func principal(id: String) async throws -> Principal? {
        guard let numeric = Int64(id) else { return nil }
        struct Row: Decodable { let displayName: String }
        let row = try await store.read { db in
            try await db.raw("SELECT display_name FROM citizens WHERE id = \(bind: numeric)").first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return row.map { Principal(kind: .citizen, id: id, displayName: $0.displayName, organisationCode: nil, scope: nil, roles: []) }
    }

    /// The caller's own account, unmasked (it is theirs); the read is audited all the same.
    public func ownAccount(by caller: Principal, origin: AuditOrigin) async throws -> Citizen {
        guard caller.kind == .citizen, let numeric = Int64(caller.id) else { throw IdentityError.notACitizen }
        struct Row: Decodable { let id: Int64; let phone: String; let displayName: String; let phoneVerifiedAt: Date? }
        let row = try await store.read { db in
            try await db.raw("SELECT id, phone, display_name, phone_verified_at FROM citizens WHERE id = \(bind: numeric)")
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let row else { throw IdentityError.unauthenticated }
        var origin = origin
        origin.purpose = "self"
        try await audit.append(AuditEntry(actor: caller.auditActor, action: "identity.citizen.read", recordType: "citizen", recordID: caller.id, origin: origin))
        return Citizen(id: row.id, phone: row.phone, displayName: row.displayName, phoneVerifiedAt: row.phoneVerifiedAt)
    }
}
