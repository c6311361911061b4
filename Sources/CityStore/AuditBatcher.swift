import CityCore
import Foundation
import SQLKit

/// Group commit for the audit log (`GroupCommit`): entries appended at the same moment by many
/// tasks of this process go into one statement that takes the chain's lock once and inserts every
/// entry; each caller is answered once its entry is committed, and the chain stays one chain.
final class AuditBatcher: Sendable {
    /// Most entries in one transaction: 500 × 14 bound values stays far below both engines' limits.
    static let maxBatch = 500
    private let commit: GroupCommit<(AuditEntry, Date), AuditRecord>

    init(store: Store) {
        let head = HeadBox()
        commit = GroupCommit(maxBatch: Self.maxBatch) { entries in try await Self.write(entries, store: store, head: head) }
    }

    func append(_ entry: AuditEntry, at date: Date) async throws -> AuditRecord {
        try await commit.submit((entry, date))
    }

    /// The chain's head after this process's last batch; only the leader touches it.
    private final class HeadBox: @unchecked Sendable {
        var value: (seq: Int64, hash: String)?
    }

    /// One batch. Chained after the head this process wrote last, the insert checks that head
    /// itself and is the whole transaction, one round trip; when another process appended in
    /// between (or the head is not known yet), the entries go in after the head read under the
    /// chain's lock.
    private static func write(_ entries: [(AuditEntry, Date)], store: Store, head: HeadBox) async throws -> [AuditRecord] {
        let dialect = store.dialect
        if let known = head.value {
            let records = AuditLog.chain(entries, after: known)
            if let inserted = try await AuditLog.insert(records, into: store) {
                head.value = inserted.last.map { ($0.seq, $0.hash) }
                return inserted
            }
        }
        head.value = nil
        let records = try await store.write { db in try await AuditLog.append(entries, dialect: dialect, on: db) }
        head.value = records.last.map { ($0.seq, $0.hash) }
        return records
    }
}
