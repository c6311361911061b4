import CityCore
import CityStore
import Foundation
import SQLKit

/// Limits failed logins per client address, across every account and every server process:
/// the per-account lock stops guessing one password, this stops trying one password on many
/// accounts. Failures are kept in the database, so all processes count together.
public struct LoginThrottle: Sendable {
    let store: Store
    let clock: any WallClock
    /// Failed logins one address may make within `window` before it must wait.
    public let limit: Int
    public let window: TimeInterval

    public init(store: Store, clock: any WallClock = SystemClock(), limit: Int = 30, window: TimeInterval = 15 * 60) {
        self.store = store
        self.clock = clock
        self.limit = limit
        self.window = window
    }

    /// Throws `tooManyAttempts` when `source` has used up its failures in the window.
    public func check(source: String?) async throws {
        guard let source else { return }
        let since = clock.now().addingTimeInterval(-window)
        let count = try await store.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM login_failures WHERE source = \(bind: source) AND at > \(bind: since)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
        if count >= limit { throw IdentityError.tooManyAttempts }
    }

    /// Counts one failed login from `source`.
    public func recordFailure(source: String?, username: String) async throws {
        guard let source else { return }
        let now = clock.now()
        try await store.write { db in
            try await db.raw("INSERT INTO login_failures (source, username, at) VALUES (\(bind: source), \(bind: String(username.prefix(80))), \(bind: now))").run()
        }
    }

    /// Deletes failures older than a day.
    public func purge() async throws {
        let cutoff = clock.now().addingTimeInterval(-86_400)
        try await store.write { db in
            try await db.raw("DELETE FROM login_failures WHERE at < \(bind: cutoff)").run()
        }
    }
}
