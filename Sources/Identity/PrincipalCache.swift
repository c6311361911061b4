import CityCore
import Foundation

/// The callers this process has recently resolved from a session token or API key, so an
/// authorised request need not read the database. An entry lives at most `ttl` seconds and never
/// past its session's expiry; revocations (logout, a new password, a revoked key) evict at once in
/// the process that made them and, through `Revocations`, in every other process within its poll
/// interval (PostgreSQL: at the NOTIFY). Keys are SHA-256 hashes of the credentials, never the
/// credentials themselves.
public final class PrincipalCache: @unchecked Sendable {
    struct Entry {
        let principal: Principal
        let expiresAt: Date
        let cachedAt: Date
        /// What revokes it: `session:<token hash>`, `staff:<username>`, `citizen:<id>`, `apiKey:<id>`.
        let subjects: [String]
    }

    private let mutex = NSLock()
    private var entries: [String: Entry] = [:]
    /// The last revocation this process has applied.
    private var appliedSeq: Int64?
    /// Longest an entry is trusted without a fresh read, whatever the revocation feed says.
    public let ttl: TimeInterval
    public let capacity: Int

    public init(ttl: TimeInterval = 60, capacity: Int = 50_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func get(_ key: String, now: Date) -> Principal? {
        mutex.withLock {
            guard let entry = entries[key] else { return nil }
            guard entry.expiresAt > now, now.timeIntervalSince(entry.cachedAt) < ttl else {
                entries[key] = nil
                return nil
            }
            return entry.principal
        }
    }

    func put(_ key: String, _ principal: Principal, expiresAt: Date, subjects: [String], now: Date) {
        mutex.withLock {
            // Until the feed's position is known, a revocation could be missed: cache nothing.
            guard appliedSeq != nil else { return }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(principal: principal, expiresAt: expiresAt, cachedAt: now, subjects: subjects)
        }
    }

    /// Drops every entry a revocation of `subject` covers.
    func evict(subject: String) {
        mutex.withLock {
            entries = entries.filter { !$0.value.subjects.contains(subject) }
        }
    }

    /// Drops everything.
    public func evictAll() {
        mutex.withLock { entries.removeAll() }
    }

    var lastApplied: Int64? { mutex.withLock { appliedSeq } }

    func setApplied(_ seq: Int64) {
        mutex.withLock { appliedSeq = max(appliedSeq ?? seq, seq) }
    }

    /// How many entries are held (for tests and metrics).
    public var count: Int { mutex.withLock { entries.count } }
}
