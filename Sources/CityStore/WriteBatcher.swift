import Foundation
import SQLKit

/// Group commit for ordinary writes (`Store.writeBatched`, on `GroupCommit`): transactions
/// submitted at the same moment by many tasks of this process run one after another inside one
/// database transaction, each in a savepoint of its own, and commit together. One that throws is
/// rolled back to its savepoint and answered with its error; the others still commit. Alone, a
/// caller pays two savepoint statements more than `Store.write`.
final class WriteBatcher: Sendable {
    typealias Work = @Sendable (any SQLDatabase) async throws -> Void
    /// Most transactions committed together.
    static let maxBatch = 64
    private let commit = GroupCommit<(store: Store, work: Work), Void>(maxBatch: maxBatch) { batch in
        guard let store = batch.first?.store else { return [] }
        try await store.write { db in
            for (_, work) in batch {
                try await db.raw("SAVEPOINT cityhub_batched").run()
                do {
                    try await work(db)
                } catch {
                    try await db.raw("ROLLBACK TO SAVEPOINT cityhub_batched").run()
                }
                try await db.raw("RELEASE SAVEPOINT cityhub_batched").run()
            }
        }
        return batch.map { _ in () }
    }

    /// Runs `work` in a batch on `store`; returns once its batch committed. An error `work` threw is
    /// kept by the caller's own wrapper, not thrown here (its savepoint was rolled back, the batch went on).
    func submit(to store: Store, _ work: @escaping Work) async throws {
        try await commit.submit((store, work))
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
