import CityCore
import CityStore
import Foundation
import Logging
import SQLKit

/// What a revocation ends.
public enum RevocationKind: String, Sendable {
    /// One session (by its token hash).
    case session
    /// Every session of a staff account (new password, deactivation).
    case staff
    /// Every session of a citizen account.
    case citizen
    /// An API key.
    case apiKey
}

/// The revocations feed: every ended session, revoked key and changed account, written in the
/// transaction of the change, read by sequence. Each server process follows it to drop what its
/// `PrincipalCache` holds: PostgreSQL wakes followers with NOTIFY (and they poll as a fallback),
/// SQLite followers poll (the CLI is another process writing the same file).
public struct Revocations: Sendable {
    static let channel = "cityhub_revocations"
    let store: Store
    let cache: PrincipalCache
    let logger: Logger

    public init(store: Store, cache: PrincipalCache, logger: Logger = Logger(label: "cityhub.revocations")) {
        self.store = store
        self.cache = cache
        self.logger = logger
    }

    /// How often a follower reads the feed without being woken: SQLite has no NOTIFY, so this is
    /// how soon another process's revocation holds here.
    public var pollInterval: Duration { store.engine == .sqlite ? .milliseconds(100) : .seconds(1) }

    /// Waits until every follower has read the feed at least once since now (two poll intervals):
    /// a command-line revocation returns only when it holds on every running server.
    public func settle() async {
        try? await Task.sleep(for: pollInterval * 2 + .milliseconds(50))
    }

    /// Records a revocation inside the caller's transaction (and wakes the other processes when it commits).
    static func record(_ kind: RevocationKind, _ id: String, at date: Date, dialect: Dialect, on db: any SQLDatabase) async throws {
        try await db.raw("INSERT INTO revocations (subject_kind, subject_id, at) VALUES (\(bind: kind.rawValue), \(bind: id), \(bind: date))").run()
        try await dialect.notify(channel, on: db)
    }

    /// Drops this process's cached callers for revocations committed since the last catch-up. The
    /// first call only learns where the feed stands (nothing is cached before it).
    public func catchUp() async throws {
        guard let last = cache.lastApplied else {
            let head = try await store.read { db in
                struct Head: Decodable { let seq: Int64? }
                return try await db.raw("SELECT MAX(seq) AS seq FROM revocations").first(decoding: Head.self)?.seq
            }
            cache.setApplied(head ?? 0)
            return
        }
        struct Row: Decodable { let seq: Int64; let subject_kind: String; let subject_id: String }
        let rows = try await store.read { db in
            try await db.raw("SELECT seq, subject_kind, subject_id FROM revocations WHERE seq > \(bind: last) ORDER BY seq LIMIT 10000")
                .all(decoding: Row.self)
        }
        guard let newest = rows.last?.seq else { return }
        if rows.count == 10_000 {
            cache.evictAll()
        } else {
            for row in rows { cache.evict(subject: "\(row.subject_kind):\(row.subject_id)") }
        }
        cache.setApplied(newest)
    }

    /// Follows the feed until cancelled (a background service of `cityhub serve`).
    public func follow() async {
        while !Task.isCancelled {
            do {
                try await catchUp()
                try await store.watch(channel: Self.channel, interval: pollInterval) {
                    do { try await catchUp() } catch {
                        // Nothing read means nothing applied: the entries' lifetime still bounds them.
                        logger.warning("could not read the revocations feed", metadata: ["error": "\(error)"])
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("revocations feed interrupted; retrying", metadata: ["error": "\(error)"])
                cache.evictAll()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
