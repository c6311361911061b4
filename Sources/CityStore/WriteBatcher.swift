import Foundation
import SQLKit

/// Group commit for ordinary writes (`Store.writeBatched`): transactions submitted at the same
/// moment by many tasks of this process run one after another inside one database transaction,
/// each in a savepoint of its own, and commit together. One that throws is rolled back to its
/// savepoint and answered with its error; the others still commit. Every caller is answered only
/// once the transaction holding its work has committed (or with the error that stopped the
/// commit), so nothing acknowledged is lost.
///
/// The first caller into an idle batcher leads, as in the audit log's batcher: it runs its own
/// work with every work waiting, answers their callers and hands the lead to the first caller that
/// arrived meanwhile. Alone, a caller pays two savepoint statements more than `Store.write`.
final class WriteBatcher: @unchecked Sendable {
    typealias Work = @Sendable (any SQLDatabase) async throws -> Void
    private enum Turn { case done, lead }
    private typealias Waiter = (work: Work, continuation: CheckedContinuation<Turn, any Error>)

    private let mutex = NSLock()
    private var pending: [Waiter] = []
    private var leading = false
    /// Most transactions committed together.
    static let maxBatch = 64

    /// Runs `work` in a batch; returns once its batch committed. An error `work` threw is kept by
    /// the caller's own wrapper, not thrown here (its savepoint was rolled back, the batch went on).
    func submit(to store: Store, _ work: @escaping Work) async throws {
        let turn: Turn = try await withCheckedThrowingContinuation { continuation in
            let lead: Bool = mutex.withLock {
                if leading {
                    pending.append((work, continuation))
                    return false
                }
                leading = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        if case .lead = turn { try await lead(with: work, store: store) }
    }

    private func lead(with own: @escaping Work, store: Store) async throws {
        let others: [Waiter] = mutex.withLock {
            let batch = Array(pending.prefix(Self.maxBatch - 1))
            pending.removeFirst(batch.count)
            return batch
        }
        let works = [own] + others.map(\.work)
        let result: Result<Void, any Error>
        do {
            try await store.write { db in
                for work in works {
                    try await db.raw("SAVEPOINT cityhub_batched").run()
                    do {
                        try await work(db)
                    } catch {
                        try await db.raw("ROLLBACK TO SAVEPOINT cityhub_batched").run()
                    }
                    try await db.raw("RELEASE SAVEPOINT cityhub_batched").run()
                }
            }
            result = .success(())
        } catch {
            result = .failure(error)
        }
        for waiter in others {
            switch result {
            case .success: waiter.continuation.resume(returning: .done)
            case .failure(let error): waiter.continuation.resume(throwing: error)
            }
        }
        let next: Waiter? = mutex.withLock {
            if pending.isEmpty {
                leading = false
                return nil
            }
            return pending.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        try result.get()
    }
}

/// What one batched transaction returned or threw, kept until its batch has committed.
final class BatchedResult<T: Sendable>: @unchecked Sendable {
    private let mutex = NSLock()
    private var value: Result<T, any Error>?

    func set(_ result: Result<T, any Error>) { mutex.withLock { value = result } }
    func get() throws -> T {
        guard let value = mutex.withLock({ value }) else { throw StoreError.unavailable(cause: "a batched write ended without a result") }
        return try value.get()
    }
}

extension Store {
    /// Runs `body` in a transaction that may be shared with other writes submitted at the same
    /// moment (group commit): `body` runs in a savepoint of its own, so what it throws rolls back
    /// its work alone and is thrown here; its work is committed when this returns. For the hot,
    /// short writes many callers make at once (case intake and transitions); `body` must not
    /// depend on committing alone (no retry loops, no long reads).
    public func writeBatched<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let result = BatchedResult<T>()
        try await batcher.submit(to: self) { db in
            do {
                result.set(.success(try await body(db)))
            } catch {
                result.set(.failure(error))
                throw error
            }
        }
        return try result.get()
    }
}
