import CityCore
import CityStore
import Crypto
import Foundation
import Logging
import SQLKit

/// Delivers a sign-in code to a phone. A city plugs in its SMS gateway; without one, the platform
/// runs in demo mode and `LogCodeSender` writes the code to the server log.
public protocol CodeSender: Sendable {
    func send(code: String, to phone: String) async throws
}

/// Demo mode: the code goes to the server log (at notice level), with the phone masked.
public struct LogCodeSender: CodeSender {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func send(code: String, to phone: String) async throws {
        logger.notice("demo sign-in code (no SMS gateway configured)", metadata: ["phone": "\(Mask.phone(phone))", "code": "\(code)"])
    }
}

/// Citizens sign in with their mobile number and a code sent to it (no password to remember): a
/// first sign-in registers the account. One live code per phone, kept hashed in the database so
/// any server process checks it: valid for `lifetime`, at most `maxAttempts` guesses, one send a
/// `resendAfter`; requests and guesses also count against the login limits of the address.
public struct PhoneCodes: Sendable {
    let store: Store
    let clock: any WallClock
    let throttle: LoginThrottle
    let audit: AuditLog
    let sender: any CodeSender
    let hasher: PasswordHasher
    public var lifetime: TimeInterval = 300
    public var resendAfter: TimeInterval = 60
    public static let maxAttempts = 5

    public init(store: Store, clock: any WallClock, throttle: LoginThrottle, audit: AuditLog, sender: any CodeSender, hasher: PasswordHasher) {
        self.store = store
        self.clock = clock
        self.throttle = throttle
        self.audit = audit
        self.sender = sender
        self.hasher = hasher
    }

    static func digest(_ phone: String, _ code: String) -> String {
        SHA256.hash(data: Data("\(phone):\(code)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Sends a new code to `phone` (a mainland mobile number). Each request counts against the
    /// address's limits (5 per phone and address, 30 in all, per 15 minutes); a phone gets one
    /// code a minute whoever asks. The answer is the same whether or not the number has an account.
    public func request(phone: String, origin: AuditOrigin) async throws {
        guard Phone.isMobile(phone) else {
            throw IdentityError.invalidField("phone", zh: "手机号应为 11 位大陆手机号码", en: "phone must be an 11-digit mainland mobile number")
        }
        _ = try await throttle.begin(source: origin.source, account: "citizen-code:" + phone)
        let now = clock.now()
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000))
        let (lifetime, resendAfter, dialect) = (self.lifetime, self.resendAfter, store.dialect)
        try await store.write { db in
            struct Sent: Decodable { let sentAt: Date }
            if let last = try await db.raw("SELECT sent_at FROM phone_codes WHERE phone = \(bind: phone)").first(decoding: Sent.self, keyDecodingStrategy: .convertFromSnakeCase),
               now.timeIntervalSince(last.sentAt) < resendAfter {
                throw IdentityError.codeTooSoon(retryAfter: max(1, Int((resendAfter - now.timeIntervalSince(last.sentAt)).rounded(.up))))
            }
            try await db.raw("""
                INSERT INTO phone_codes (phone, code_hash, sent_at, expires_at, attempts)
                VALUES (\(bind: phone), \(bind: Self.digest(phone, code)), \(bind: now), \(bind: now.addingTimeInterval(lifetime)), 0)
                ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, sent_at = excluded.sent_at, expires_at = excluded.expires_at, attempts = 0
                """).run()
            try await AuditLog.append(AuditEntry(actor: "anonymous", action: "identity.citizen.code", recordType: "citizen", recordID: Mask.phone(phone),
                                                 origin: origin), at: now, dialect: dialect, on: db)
        }
        try await sender.send(code: code, to: phone)
    }

    /// The citizen whose phone the code was sent to; a first sign-in registers the account
    /// (named after the number's last four digits until the citizen says otherwise). A guess is
    /// counted before it is checked, so parallel guesses cannot pass the limit; a right code is
    /// used up.
    public func verify(phone: String, code: String, origin: AuditOrigin) async throws -> Principal {
        guard Phone.isMobile(phone), code.count == 6, code.allSatisfy(\.isASCIIDigit) else { throw IdentityError.wrongCode }
        let now = clock.now()
        let digest = Self.digest(phone, code)
        // The guess is counted and committed first, right or wrong.
        struct Row: Decodable { let codeHash: String }
        let stored = try await store.write { db in
            try await db.raw("""
                UPDATE phone_codes SET attempts = attempts + 1
                WHERE phone = \(bind: phone) AND attempts < \(bind: Self.maxAttempts) AND expires_at > \(bind: now)
                RETURNING code_hash
                """).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let stored, constantTimeEqual(stored.codeHash, digest) else { throw IdentityError.wrongCode }
        struct Account: Decodable { let id: Int64; let displayName: String }
        let existing = try await store.read { db in
            try await db.raw("SELECT id FROM citizens WHERE phone = \(bind: phone)").first(decoding: [String: Int64].self)
        }
        // A first sign-in registers the account, with a random password nobody knows: codes sign in.
        let hash = existing == nil ? await hasher.hash(UUID().uuidString + UUID().uuidString) : PasswordHasher.decoy
        let dialect = store.dialect
        return try await store.write { db in
            // Used up: of two sign-ins with the same code, one wins.
            guard try await !db.raw("DELETE FROM phone_codes WHERE phone = \(bind: phone) AND code_hash = \(bind: digest) RETURNING phone").all().isEmpty else {
                throw IdentityError.wrongCode
            }
            if let created = try await db.raw("""
                INSERT INTO citizens (phone, display_name, password_hash, created_at) VALUES (\(bind: phone), \(bind: "市民" + phone.suffix(4)), \(bind: hash), \(bind: now))
                ON CONFLICT (phone) DO NOTHING RETURNING id, display_name
                """).first(decoding: Account.self, keyDecodingStrategy: .convertFromSnakeCase) {
                try await AuditLog.append(AuditEntry(actor: "citizen:\(created.id)", action: "identity.citizen.register", recordType: "citizen",
                                                     recordID: String(created.id), origin: origin, detail: "by phone code"), at: now, dialect: dialect, on: db)
            }
            // The code proves the account holds its phone now.
            try await db.raw("UPDATE citizens SET phone_verified_at = \(bind: now) WHERE phone = \(bind: phone)").run()
            guard let account = try await db.raw("SELECT id, display_name FROM citizens WHERE phone = \(bind: phone)")
                .first(decoding: Account.self, keyDecodingStrategy: .convertFromSnakeCase) else { throw IdentityError.wrongCode }
            return Principal(kind: .citizen, id: String(account.id), displayName: account.displayName, organisationCode: nil, scope: nil, roles: [])
        }
    }
}
