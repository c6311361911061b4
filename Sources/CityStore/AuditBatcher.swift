import CityCore
import Foundation
import SQLKit

/// Group commit for the audit log: entries appended at the same moment by many tasks of this
/// process go into one statement that takes the chain's lock once and inserts every entry. Each
/// caller is answered only after the transaction holding its entry has committed (or with the error
/// that stopped it), so nothing acknowledged is lost and the chain stays one chain.
///
/// The first caller into an idle batcher leads: it writes its own entry with every entry waiting,
/// answers their callers, and hands the lead to the first caller that arrived meanwhile. No task of
/// the batcher's own runs between a caller and its commit.
final class AuditBatcher: @unchecked Sendable {
    private enum Turn { case written(AuditRecord), lead }
    private typealias Waiter = (entry: AuditEntry, at: Date, continuation: CheckedContinuation<Turn, any Error>)

    private let store: Store
    private let mutex = NSLock()
    private var pending: [Waiter] = []
    /// Whether a caller leads (writes a batch) now.
    private var leading = false
    /// The chain's head after this process's last batch; only the leader touches it.
    private var head: (seq: Int64, hash: String)?
    /// Most entries in one transaction: 500 × 14 bound values stays far below both engines' limits.
    static let maxBatch = 500

    init(store: Store) {
        self.store = store
    }

    func append(_ entry: AuditEntry, at date: Date) async throws -> AuditRecord {
        let turn: Turn = try await withCheckedThrowingContinuation { continuation in
            let lead: Bool = mutex.withLock {
                if leading {
                    pending.append((entry, date, continuation))
                    return false
                }
                leading = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .written(let record):
            return record
        case .lead:
            return try await lead(with: (entry, date))
        }
    }

    /// Writes `own` with the entries waiting, answers their callers, then hands the lead to the
    /// first caller that arrived meanwhile.
    private func lead(with own: (AuditEntry, Date)) async throws -> AuditRecord {
        let others: [Waiter] = mutex.withLock {
            let batch = Array(pending.prefix(Self.maxBatch - 1))
            pending.removeFirst(batch.count)
            return batch
        }
        let result: Result<[AuditRecord], any Error>
        do {
            result = .success(try await write([own] + others.map { ($0.entry, $0.at) }))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let records):
            for (waiter, record) in zip(others, records.dropFirst()) { waiter.continuation.resume(returning: .written(record)) }
        case .failure(let error):
            for waiter in others { waiter.continuation.resume(throwing: error) }
        }
        let next: Waiter? = mutex.withLock {
            if pending.isEmpty {
                leading = false
                return nil
            }
            return pending.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        return try result.get()[0]
    }

    /// One batch. Chained after the head this process wrote last, the insert checks that head
    /// itself and is the whole transaction, one round trip; when another process appended in
    /// between (or the head is not known yet), the entries go in after the head read under the
    /// chain's lock.
    private func write(_ entries: [(AuditEntry, Date)]) async throws -> [AuditRecord] {
        let dialect = store.dialect
        if let known = head {
            let records = AuditLog.chain(entries, after: known)
            if let inserted = try await store.withConnection({ db in try await AuditLog.insert(records, dialect: dialect, on: db) }) {
                head = inserted.last.map { ($0.seq, $0.hash) }
                return inserted
            }
        }
        head = nil
        let records = try await store.write { db in try await AuditLog.append(entries, dialect: dialect, on: db) }
        head = records.last.map { ($0.seq, $0.hash) }
        return records
    }
}
