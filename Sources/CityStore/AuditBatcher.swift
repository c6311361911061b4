import CityCore
import Foundation
import SQLKit

/// Group commit for the audit log: entries appended at the same moment by many tasks of this
/// process go into one transaction that takes the chain's lock once, reads the head once and
/// inserts every entry with one statement. Each caller is answered only after the transaction
/// holding its entry has committed (or with the error that stopped it), so nothing acknowledged is
/// lost and the chain stays one chain. While one batch commits, the next one gathers.
final class AuditBatcher: @unchecked Sendable {
    private typealias Waiter = (entry: AuditEntry, at: Date, continuation: CheckedContinuation<AuditRecord, any Error>)

    private let store: Store
    private let mutex = NSLock()
    private var pending: [Waiter] = []
    private var flushing = false
    /// The chain's head after this process's last batch; only the flusher touches it.
    private var head: (seq: Int64, hash: String)?
    /// Most entries in one transaction: 500 × 14 bound values stays far below both engines' limits.
    static let maxBatch = 500

    init(store: Store) {
        self.store = store
    }

    func append(_ entry: AuditEntry, at date: Date) async throws -> AuditRecord {
        try await withCheckedThrowingContinuation { continuation in
            let lead: Bool = mutex.withLock {
                pending.append((entry, date, continuation))
                if flushing { return false }
                flushing = true
                return true
            }
            // The first caller into an idle batcher starts the flusher; it runs until nothing waits.
            if lead { Task { await self.flush() } }
        }
    }

    /// One batch. With the head this process wrote last, the insert checks that head itself and is
    /// the whole transaction, one round trip: on SQLite this process's writes are serialised on one
    /// connection and another process's take the file's write lock for their whole transaction; on
    /// PostgreSQL the statement takes the chain's lock, which in-transaction appends hold.
    /// When another writer appended in between, the head is read again.
    private func append(_ entries: [(AuditEntry, Date)], after known: (seq: Int64, hash: String)?, dialect: Dialect) async throws -> [AuditRecord] {
        if let known {
            let checked = try await store.withConnection { db in try await AuditLog.append(entries, after: known, dialect: dialect, on: db) }
            if let checked { return checked }
        }
        return try await store.write { db in try await AuditLog.append(entries, dialect: dialect, on: db) }
    }

    private func flush() async {
        let dialect = store.dialect
        while true {
            let batch: [Waiter] = mutex.withLock {
                let batch = Array(pending.prefix(Self.maxBatch))
                pending.removeFirst(batch.count)
                if batch.isEmpty { flushing = false }
                return batch
            }
            if batch.isEmpty { return }
            let entries = batch.map { ($0.entry, $0.at) }
            let known = head
            do {
                let records = try await append(entries, after: known, dialect: dialect)
                if let last = records.last { head = (last.seq, last.hash) }
                for (waiter, record) in zip(batch, records) { waiter.continuation.resume(returning: record) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
