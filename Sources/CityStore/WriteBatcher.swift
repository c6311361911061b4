import Foundation
import Logging
import NIOCore
import SQLKit

/// Group commit for ordinary writes (`Store.writeBatched`, on `GroupCommit`): transactions
/// submitted at the same moment by many tasks of this process run one after another inside one
/// database transaction, each in a savepoint of its own, and commit together. What they defer
/// (`BatchedWrites`: new rows, audit entries, change-log rows, jobs) is written once for the batch,
/// one statement per table, before the commit. One that throws is rolled back to its savepoint,
/// takes back what it deferred and is answered with its error; the others still commit. When the
/// batch as a whole fails (a deferred row refused), each runs again alone, so one bad change
/// cannot fail the others. A change's savepoint costs two statements, and only once the change runs a statement
/// of its own.
final class WriteBatcher: Sendable {
    typealias Work = @Sendable (any SQLDatabase, BatchedWrites) async throws -> Void
    struct Item: Sendable {
        let store: Store
        let work: Work
        /// Tells the caller that its change failed where `work` could not see it (at the end of its transaction).
        let failed: @Sendable (any Error) -> Void
    }
    /// Most transactions committed together.
    static let maxBatch = 64
    private let commit = GroupCommit<Item, Void>(maxBatch: maxBatch) { batch in
        guard let store = batch.first?.store else { return [] }
        let dialect = store.dialect
        do {
            try await store.write { db in
                let deferred = BatchedWrites()
                for item in batch {
                    // The savepoint is taken before the work's first statement: a change that only
                    // defers (a case intake, once the batch's first has reserved its numbers)
                    // costs no statement of its own.
                    let own = SavepointOnFirstUse(db)
                    let mark = deferred.mark
                    do {
                        try await item.work(own, deferred)
                    } catch {
                        if own.opened { try await db.raw("ROLLBACK TO SAVEPOINT cityhub_batched").run() }
                        deferred.rollBack(to: mark)
                    }
                    if own.opened { try await db.raw("RELEASE SAVEPOINT cityhub_batched").run() }
                }
                try await deferred.flush(dialect: dialect, on: db)
            }
        } catch where batch.count > 1 && !Store.isUnavailable(error) {
            for item in batch {
                do {
                    try await store.write(deferring: item.work)
                } catch {
                    item.failed(error)
                }
            }
        }
        return batch.map { _ in () }
    }

    /// Runs `work` in a batch on `store`; returns once its batch committed. An error `work` threw is
    /// kept by the caller's own wrapper, not thrown here (its savepoint was rolled back, the batch went on).
    func submit(to store: Store, _ work: @escaping Work, failed: @escaping @Sendable (any Error) -> Void) async throws {
        try await commit.submit(Item(store: store, work: work, failed: failed))
    }
}

/// A batched change's view of the batch's transaction: its first statement opens the change's
/// savepoint. The change runs alone on it (the batch runs its changes one after another).
final class SavepointOnFirstUse: SQLDatabase, @unchecked Sendable {
    private let database: any SQLDatabase
    private let state = NSLock()
    private var isOpen = false

    init(_ database: any SQLDatabase) {
        self.database = database
    }

    /// Whether a statement ran, so the savepoint exists.
    var opened: Bool { state.withLock { isOpen } }

    var logger: Logger { database.logger }
    var eventLoop: any EventLoop { database.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { database.version }
    var dialect: any SQLDialect { database.dialect }
    var queryLogLevel: Logger.Level? { database.queryLogLevel }

    private func open() async throws {
        guard !opened else { return }
        try await database.raw("SAVEPOINT cityhub_batched").run()
        state.withLock { isOpen = true }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await open()
        try await database.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
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
    /// its work alone and is thrown here; its work, and what it deferred to `BatchedWrites`, is
    /// committed when this returns. For the hot, short writes many callers make at once (case
    /// intake and transitions); `body` must not depend on committing alone (no retry loops, no
    /// long reads), and may run a second time, alone, when its batch failed as a whole: it must
    /// do nothing outside the transaction that cannot be done twice.
    public func writeBatched<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase, BatchedWrites) async throws -> T) async throws -> T {
        let result = BatchedResult<T>()
        try await batcher.submit(to: self, { db, deferred in
            do {
                result.set(.success(try await body(db, deferred)))
            } catch {
                result.set(.failure(error))
                throw error
            }
        }, failed: { result.set(.failure($0)) })
        return try result.get()
    }
}
