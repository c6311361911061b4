import CityCore
import Foundation
import SQLKit

/// What a transaction writes at its end, one statement per table however many changes it holds:
/// new rows, audit entries, change-log rows and jobs. `Store.writeBatched` gives one to every
/// change of a batch, so a batch of case intakes costs one insert into `cases`, one into its
/// timeline, one audit append and one change-log append, not one of each per case. A change that
/// throws takes back what it deferred (as its savepoint takes back what it wrote).
///
/// Only rows nobody reads back in the same transaction may be deferred (a new record, its first
/// timeline events); updates, and anything a later change of the batch must see, are written at
/// once. What is deferred commits in the same transaction as the change that deferred it.
public final class BatchedWrites: @unchecked Sendable {
    private struct Insert {
        let table: String
        let columns: [String]
        var rows: [[any Encodable & Sendable]]
    }

    private let mutex = NSLock()
    private var inserts: [Insert] = []
    private var audit: [(AuditEntry, Date)] = []
    private var changes: [(NewChange, Date)] = []
    private var jobs: [(NewJob, Date)] = []
    private var memos: [String: any Sendable] = [:]
    private var counters: [Counter.Key: (reserved: Int, used: Int)] = [:]

    public init() {}

    /// A stored counter: a table with key columns and the last number taken (`case_counters`:
    /// division and day → last case number).
    public struct Counter: Sendable, Hashable {
        public let table: String
        public let keyColumns: [String]
        public let lastColumn: String

        public init(table: String, keyColumns: [String], lastColumn: String = "last") {
            self.table = table
            self.keyColumns = keyColumns
            self.lastColumn = lastColumn
        }

        struct Key: Hashable {
            let counter: Counter
            let values: [String]
        }
    }

    /// Numbers reserved at a time: a batch's changes take theirs from memory.
    static let counterBlock = 64

    /// The next number of `counter` for `key`, in order and without gaps, as if each change took
    /// its own from the table: the first taker in a transaction reserves a block with one upsert
    /// (which, on PostgreSQL, also locks the counter's row until the commit), the others count in
    /// memory, and the flush gives back what was not taken. A change that throws gives its numbers
    /// back with its savepoint.
    public func next(_ counter: Counter, key: [String], on db: any SQLDatabase) async throws -> Int {
        precondition(key.count == counter.keyColumns.count, "a counter's key needs one value per key column")
        let id = Counter.Key(counter: counter, values: key)
        let taken: Int? = mutex.withLock {
            guard let current = counters[id], current.used < current.reserved else { return nil }
            counters[id] = (current.reserved, current.used + 1)
            return current.used + 1
        }
        if let taken { return taken }
        struct Last: Decodable { let last: Int }
        let block = Self.counterBlock
        let (table, last) = (counter.table, counter.lastColumn)
        var query = SQLQueryString("INSERT INTO " + table + " (" + (counter.keyColumns + [last]).joined(separator: ", ") + ") VALUES (")
        for value in key { query += "\(bind: value), " }
        query += "\(bind: block)) ON CONFLICT (\(unsafeRaw: counter.keyColumns.joined(separator: ", "))) DO UPDATE SET \(unsafeRaw: last) = "
        query += "\(unsafeRaw: table).\(unsafeRaw: last) + \(bind: block) RETURNING \(unsafeRaw: last) AS last"
        guard let reserved = try await db.raw(query).first(decoding: Last.self)?.last else {
            throw StoreError.unavailable(cause: "the counter \(counter.table) returned no row")
        }
        return mutex.withLock {
            counters[id] = (reserved, reserved - block + 1)
            return reserved - block + 1
        }
    }

    /// Inserts a row into `table` at the end of the transaction, after the rows deferred before it.
    public func insert(into table: String, columns: [String], values: [any Encodable & Sendable]) {
        precondition(values.count == columns.count, "a deferred row needs one value per column")
        mutex.withLock {
            // Rows go in per table in the order tables were first named, so a row is inserted
            // after the rows it refers to when those were deferred first.
            if let i = inserts.firstIndex(where: { $0.table == table && $0.columns == columns }) {
                inserts[i].rows.append(values)
            } else {
                inserts.append(Insert(table: table, columns: columns, rows: [values]))
            }
        }
    }

    /// Appends an audit entry to the chain at the end of the transaction.
    public func audit(_ entry: AuditEntry, at date: Date) {
        mutex.withLock { audit.append((entry, date)) }
    }

    /// Records changes in the platform change log at the end of the transaction.
    public func record(_ changes: [NewChange], at date: Date) {
        mutex.withLock { self.changes += changes.map { ($0, date) } }
    }

    /// Enqueues jobs at the end of the transaction (a dedupe key already queued is left out).
    public func enqueue(_ jobs: [NewJob], now: Date) {
        mutex.withLock { self.jobs += jobs.map { ($0, now) } }
    }

    /// A value read once per transaction (reference data every change of a batch checks): the
    /// first change reads it, the others reuse it.
    public func memo<T: Sendable>(_ key: String, _ read: () async throws -> T) async throws -> T {
        if let value = mutex.withLock({ memos[key] }) as? T { return value }
        let value = try await read()
        mutex.withLock { memos[key] = value }
        return value
    }

    /// Where the deferred writes stand, to take back a change that failed.
    struct Mark {
        let inserts: [Int]
        let audit: Int, changes: Int, jobs: Int
        let counters: [Counter.Key: (reserved: Int, used: Int)]
    }

    var mark: Mark {
        mutex.withLock { Mark(inserts: inserts.map(\.rows.count), audit: audit.count, changes: changes.count, jobs: jobs.count, counters: counters) }
    }

    /// Takes back what was deferred after `mark`.
    func rollBack(to mark: Mark) {
        mutex.withLock {
            inserts = inserts.prefix(mark.inserts.count).enumerated().map { i, insert in
                var kept = insert
                kept.rows.removeLast(insert.rows.count - mark.inserts[i])
                return kept
            }
            audit.removeLast(audit.count - mark.audit)
            changes.removeLast(changes.count - mark.changes)
            jobs.removeLast(jobs.count - mark.jobs)
            // The savepoint took back the reservations made since (and the numbers taken).
            counters = mark.counters
            // A memo is a read, not a write: it stays.
        }
    }

    /// Most bound values in one statement: below SQLite's 32,766 and PostgreSQL's 65,535.
    static let maxBinds = 30_000

    /// Writes everything deferred, in the caller's transaction: rows table by table, then jobs,
    /// then the audit entries (one append), then the change-log rows (one append).
    public func flush(dialect: Dialect, on db: any SQLDatabase) async throws {
        let (inserts, audit, changes, jobs, counters) = mutex.withLock {
            defer {
                self.inserts = []
                self.audit = []
                self.changes = []
                self.jobs = []
                self.counters = [:]
            }
            return (self.inserts, self.audit, self.changes, self.jobs, self.counters)
        }
        var statements: [SQLQueryString] = []
        for insert in inserts where !insert.rows.isEmpty {
            let perStatement = max(1, Self.maxBinds / insert.columns.count)
            for chunk in insert.rows.chunked(perStatement) {
                var query = SQLQueryString("INSERT INTO " + insert.table + " (" + insert.columns.joined(separator: ", ") + ") VALUES ")
                for (i, row) in chunk.enumerated() {
                    query += i == 0 ? "(" : ", ("
                    for (j, value) in row.enumerated() {
                        query += j == 0 ? "\(bind: value)" : ", \(bind: value)"
                    }
                    query += ")"
                }
                statements.append(query)
            }
        }
        for (key, numbers) in counters where numbers.used < numbers.reserved {
            // Give back what the block reserved and nobody took: the next number follows the last taken.
            var query = SQLQueryString("UPDATE " + key.counter.table + " SET " + key.counter.lastColumn + " = ")
            query += "\(bind: numbers.used) WHERE "
            for (i, value) in key.values.enumerated() {
                query += i == 0 ? "" : " AND "
                query += "\(unsafeRaw: key.counter.keyColumns[i]) = \(bind: value)"
            }
            statements.append(query)
        }
        if !jobs.isEmpty { statements.append(JobQueue.enqueueQuery(dated: jobs)) }
        guard dialect.engine == .postgres else {
            for query in statements { try await db.raw(query).run() }
            if !audit.isEmpty { _ = try await AuditLog.append(audit, dialect: dialect, on: db) }
            if !changes.isEmpty { try await ChangeLog.record(dated: changes, dialect: dialect, on: db, locked: !audit.isEmpty) }
            return
        }
        // On PostgreSQL the statements are sent one after another without waiting for each
        // answer: the connection pipelines them and the server runs them in order, so each group
        // costs one round trip. The chains' lock is taken last, after the rows (as every writer
        // takes it, so none waits for a row while holding it), with both heads read under it in
        // the same round trip (`chain_heads`, store migration 6); the audit entries and change-log
        // rows chained after those heads go out in a second round trip.
        guard !audit.isEmpty || !changes.isEmpty else { return try await Self.pipeline(statements, on: db) }
        let heads = HeadsBox()
        try await Self.pipeline(statements, on: db, then: "SELECT audit_seq, audit_hash, change_cursor FROM chain_heads()") { row in
            heads.set(try row.decode(model: Heads.self, keyDecodingStrategy: .convertFromSnakeCase))
        }
        guard let read = heads.value else { throw StoreError.unavailable(cause: "chain_heads() returned no row") }
        var chained: [SQLQueryString] = []
        if !audit.isEmpty {
            chained.append(AuditLog.insertQuery(AuditLog.chain(audit, after: (read.auditSeq ?? 0, read.auditHash ?? AuditLog.genesisHash))))
        }
        if !changes.isEmpty {
            chained += ChangeLog.insertQueries(dated: changes, after: read.changeCursor)
            chained.append(dialect.notifyQuery(ChangeLog.channel))
        }
        try await Self.pipeline(chained, on: db)
    }

    /// The chains' heads as `chain_heads()` reads them.
    struct Heads: Decodable, Sendable { let auditSeq: Int64?; let auditHash: String?; let changeCursor: Int64 }

    private final class HeadsBox: @unchecked Sendable {
        private let mutex = NSLock()
        private var heads: Heads?
        func set(_ value: Heads) { mutex.withLock { heads = value } }
        var value: Heads? { mutex.withLock { heads } }
    }

    /// Sends `statements`, then `reading`, without waiting between them, and waits for every
    /// answer; the first error is thrown (the statements after it fail with it, in the same
    /// transaction). The rows `reading` returns go to `onRow`.
    private static func pipeline(_ statements: [SQLQueryString], on db: any SQLDatabase, then reading: SQLQueryString? = nil,
                                 onRow: @escaping @Sendable (any SQLRow) throws -> Void = { _ in }) async throws {
        var sent = statements.map { query in db.execute(sql: query) { _ in } }
        let decodeFailure = FailureBox()
        if let reading {
            sent.append(db.execute(sql: reading) { row in
                do { try onRow(row) } catch { decodeFailure.set(error) }
            })
        }
        var failure: (any Error)?
        for answer in sent {
            do { try await answer.get() } catch { failure = failure ?? error }
        }
        if let failure = failure ?? decodeFailure.value { throw failure }
    }

    private final class FailureBox: @unchecked Sendable {
        private let mutex = NSLock()
        private var error: (any Error)?
        func set(_ value: any Error) { mutex.withLock { error = error ?? value } }
        var value: (any Error)? { mutex.withLock { error } }
    }
}

extension Store {
    /// A transaction whose deferred writes (`BatchedWrites`) are written at its end, before it
    /// commits: the same code runs alone here and in a batch under `writeBatched`.
    public func write<T: Sendable>(deferring body: @escaping @Sendable (any SQLDatabase, BatchedWrites) async throws -> T) async throws -> T {
        let dialect = self.dialect
        return try await write { db in
            let deferred = BatchedWrites()
            let result = try await body(db, deferred)
            try await deferred.flush(dialect: dialect, on: db)
            return result
        }
    }
}
