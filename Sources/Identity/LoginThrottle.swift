import CityCore
import CityStore
import Foundation
import SQLKit

/// Limits password guessing, for staff and citizens alike, across every server process.
///
/// Two counts over a sliding window (15 minutes), kept in the database:
/// - per client address (`limit`, 30): stops one address trying one password on many accounts;
/// - per account *and* address (`accountLimit`, 5): stops guessing one account's password, without
///   letting an attacker elsewhere lock the account's owner out (their address has its own count).
///
/// Counting is atomic: an attempt is recorded as a failure *before* the password is checked, in a
/// transaction that first counts (SQLite has one writer; on PostgreSQL one statement,
/// `login_attempt_begin`, takes a cross-process lock and counts after it was granted), so 200
/// parallel guesses cannot all slip past the check. A correct password deletes
/// that record and the account's earlier failures from that address: the count resets. The
/// window slides, so a count also falls by itself as failures age out.
public struct LoginThrottle: Sendable {
    let store: Store
    let clock: any WallClock
    /// Failed logins one address may make within `window`.
    public let limit: Int
    /// Failed logins at one account from one address within `window`.
    public let accountLimit: Int
    public let window: TimeInterval

    static let lockKey: Int64 = 4_116_000_003
    /// The address counted when the transport gives none (in-process tests).
    static let unknownSource = "unknown"

    public init(store: Store, clock: any WallClock = SystemClock(), limit: Int = 30, accountLimit: Int = 5, window: TimeInterval = 15 * 60) {
        self.store = store
        self.clock = clock
        self.limit = limit
        self.accountLimit = accountLimit
        self.window = window
    }

    /// One counted attempt, to be cleared when it succeeds.
    public struct Attempt: Sendable {
        let id: Int64
        let source: String
        let account: String
    }

    /// Runs a password check behind both limits. The attempt counts as a failure unless `check`
    /// returns; an error that says nothing about the password (the database is down) uncounts it.
    public func guarding<T: Sendable>(source: String?, account: String, _ check: () async throws -> T) async throws -> T {
        let attempt = try await begin(source: source, account: account)
        let result: T
        do {
            result = try await check()
        } catch let error as IdentityError where error.isFailedPasswordCheck {
            throw error
        } catch {
            try? await clear(attempt, resetAccount: false)
            throw error
        }
        try await clear(attempt, resetAccount: true)
        return result
    }

    /// Counts an attempt, or refuses it when a limit is used up (`tooManyAttempts`, `accountLocked`,
    /// each with the seconds until the oldest counted failure leaves the window).
    public func begin(source: String?, account: String, accountLimit: Int? = nil) async throws -> Attempt {
        let source = Text.storable(source ?? Self.unknownSource, maxCharacters: 64)
        let account = Self.accountKey(account)
        let now = clock.now()
        let since = now.addingTimeInterval(-window)
        let (limit, accountLimit, window, dialect) = (self.limit, accountLimit ?? self.accountLimit, self.window, store.dialect)
        @Sendable func secondsUntilFree(_ oldest: Date?) -> Int {
            max(1, Int(((oldest ?? now).addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
        }
        if dialect.engine == .postgres {
            // One round trip (identity migration 6): a burst of attempts queues on the lock for
            // one statement each, not for a transaction of six.
            struct Outcome: Decodable { let attemptId: Int64?; let refused: String?; let oldest: Date? }
            let query: SQLQueryString = """
                SELECT attempt_id, refused, oldest FROM login_attempt_begin(\(bind: source), \(bind: account), \(bind: since), \(bind: now), \
                \(bind: Int64(limit)), \(bind: Int64(accountLimit)))
                """
            guard let outcome = try await store.withConnection({ db in
                try await db.raw(query).first(decoding: Outcome.self, keyDecodingStrategy: .convertFromSnakeCase)
            }) else { throw StoreError.unavailable(cause: "login_attempt_begin returned no row") }
            switch outcome.refused {
            case "source": throw IdentityError.tooManyAttempts(retryAfter: secondsUntilFree(outcome.oldest))
            case "account": throw IdentityError.accountLocked(retryAfter: secondsUntilFree(outcome.oldest))
            default:
                guard let id = outcome.attemptId else { throw StoreError.unavailable(cause: "login_attempt_begin recorded no attempt") }
                return Attempt(id: id, source: source, account: account)
            }
        }
        let id = try await store.write { db -> Int64 in
            try await dialect.lockForTransaction(Self.lockKey, on: db)
            struct Count: Decodable { let n: Int; let oldest: Date? }
            struct Inserted: Decodable { let id: Int64 }
            let bySource = try await db.raw("""
                SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE source = \(bind: source) AND at > \(bind: since)
                """).first(decoding: Count.self) ?? Count(n: 0, oldest: nil)
            if bySource.n >= limit { throw IdentityError.tooManyAttempts(retryAfter: secondsUntilFree(bySource.oldest)) }
            let byAccount = try await db.raw("""
                SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures
                WHERE username = \(bind: account) AND source = \(bind: source) AND at > \(bind: since)
                """).first(decoding: Count.self) ?? Count(n: 0, oldest: nil)
            if byAccount.n >= accountLimit { throw IdentityError.accountLocked(retryAfter: secondsUntilFree(byAccount.oldest)) }
            return try await db.raw("""
                INSERT INTO login_failures (source, username, at) VALUES (\(bind: source), \(bind: account), \(bind: now)) RETURNING id
                """).first(decoding: Inserted.self)!.id
        }
        return Attempt(id: id, source: source, account: account)
    }

    /// Uncounts an attempt; with `resetAccount`, also the account's earlier failures from that address.
    public func clear(_ attempt: Attempt, resetAccount: Bool) async throws {
        try await store.write { db in
            if resetAccount {
                try await db.raw("""
                    DELETE FROM login_failures WHERE id = \(bind: attempt.id) OR (username = \(bind: attempt.account) AND source = \(bind: attempt.source))
                    """).run()
            } else {
                try await db.raw("DELETE FROM login_failures WHERE id = \(bind: attempt.id)").run()
            }
        }
    }

    /// Accounts are counted case-blind and bounded, so `Admin` and `admin` share a count and a
    /// megabyte username stores 80 characters.
    static func accountKey(_ account: String) -> String {
        Text.storable(account.lowercased(), maxCharacters: 80)
    }

    /// Deletes failures older than a day.
    public func purge() async throws {
        let cutoff = clock.now().addingTimeInterval(-86_400)
        try await store.write { db in
            try await db.raw("DELETE FROM login_failures WHERE at < \(bind: cutoff)").run()
        }
    }
}
