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
}

/// Citizen accounts on the portal: registered by mobile phone number, password-protected.
public struct CitizenAccounts: Sendable {
    let store: Store
    let clock: any WallClock
    let hasher: PasswordHasher

    public init(store: Store, clock: any WallClock = SystemClock(), hasher: PasswordHasher = PasswordHasher()) {
        self.store = store
        self.clock = clock
        self.hasher = hasher
    }

    /// Whether `phone` is a mainland mobile number: 11 digits starting with 1[3-9].
    public static func isMobile(_ phone: String) -> Bool {
        let chars = Array(phone)
        return chars.count == 11 && chars.allSatisfy(\.isASCIIDigit) && chars[0] == "1" && "3456789".contains(chars[1])
    }

    /// Registers a citizen.
    public func register(phone: String, displayName: String, password: String) async throws -> Citizen {
        guard Self.isMobile(phone) else {
            throw PlatformError.invalidField("phone", zh: "手机号应为 11 位大陆手机号码", en: "phone must be an 11-digit mainland mobile number")
        }
        guard PasswordHasher.isAcceptable(password) else { throw IdentityError.weakPassword }
        let hash = await hasher.hash(password)
        let now = clock.now()
        let id: Int64? = try await store.write { db in
            try await db.raw("""
                INSERT INTO citizens (phone, display_name, password_hash, created_at) VALUES (\(bind: phone), \(bind: displayName), \(bind: hash), \(bind: now))
                ON CONFLICT (phone) DO NOTHING RETURNING id
                """).first()?.decode(column: "id", as: Int64.self)
        }
        guard let id else { throw IdentityError.phoneTaken }
        return Citizen(id: id, phone: phone, displayName: displayName)
    }

    /// Checks a phone number and password.
    public func authenticate(phone: String, password: String) async throws -> Principal {
        let row = try await store.read { db in
            try await db.raw("SELECT id, display_name, password_hash FROM citizens WHERE phone = \(bind: phone)").first()
        }
        guard let row else {
            _ = await hasher.verify(password, hash: PasswordHasher.decoy)
            throw IdentityError.invalidCredentials
        }
        guard await hasher.verify(password, hash: try row.decode(column: "password_hash", as: String.self)) else {
            throw IdentityError.invalidCredentials
        }
        return Principal(kind: .citizen, id: String(try row.decode(column: "id", as: Int64.self)),
                         displayName: try row.decode(column: "display_name", as: String.self), organisationCode: nil, scope: nil, roles: [])
    }

    /// The principal for a citizen id, or nil.
    public func principal(id: String) async throws -> Principal? {
        guard let numeric = Int64(id) else { return nil }
        let row = try await store.read { db in
            try await db.raw("SELECT id, display_name FROM citizens WHERE id = \(bind: numeric)").first()
        }
        guard let row else { return nil }
        return Principal(kind: .citizen, id: id, displayName: try row.decode(column: "display_name", as: String.self), organisationCode: nil, scope: nil, roles: [])
    }

    /// A citizen's own record.
    public func find(id: String) async throws -> Citizen? {
        guard let numeric = Int64(id) else { return nil }
        return try await store.read { db in
            try await db.raw("SELECT id, phone, display_name FROM citizens WHERE id = \(bind: numeric)").first().map { row in
                Citizen(id: try row.decode(column: "id", as: Int64.self), phone: try row.decode(column: "phone", as: String.self),
                        displayName: try row.decode(column: "display_name", as: String.self))
            }
        }
    }
}

/// Masking of personal fields for display where no grant allows the full value.
public enum Masking {
    /// 138****0000
    public static func phone(_ phone: String) -> String {
        guard phone.count >= 7 else { return String(repeating: "*", count: phone.count) }
        return String(phone.prefix(3)) + String(repeating: "*", count: phone.count - 7) + String(phone.suffix(4))
    }

    /// 张* / 欧阳** : keeps the first character of a name.
    public static func name(_ name: String) -> String {
        guard let first = name.first else { return name }
        return String(first) + String(repeating: "*", count: max(name.count - 1, 1))
    }
}
