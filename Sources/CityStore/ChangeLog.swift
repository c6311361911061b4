import CityCore
import Foundation
import SQLKit

/// What happened to a record.
public enum ChangeOperation: String, Sendable, Codable {
    case created, updated, deleted
}

/// A change to record, written in the change's own transaction.
public struct NewChange: Sendable, Equatable {
    /// The module that owns the record (`registry`, `cases`).
    public var module: String
    /// The kind of record (`division`, `person`, `case`).
    public var recordType: String
    /// The record's key (a division code, an ID number, a case number).
    public var recordKey: String
    /// The division the record belongs to, for readers within a scope.
    public var divisionCode: String?
    public var operation: ChangeOperation
    /// The fields that changed (all of them for a creation).
    public var fields: [String]
    /// Who changed it (`staff:zhang.wei`, `cli:root`).
    public var actor: String

    public init(module: String, recordType: String, recordKey: String, divisionCode: String?, operation: ChangeOperation, fields: [String], actor: String) {
        self.module = module
        self.recordType = recordType
        self.recordKey = recordKey
        self.divisionCode = divisionCode
        self.operation = operation
        self.fields = fields
        self.actor = actor
    }
}

/// One row of the platform change log, as readers see it.
public struct Change: Sendable, Codable, Equatable {
    /// Position in the log: strictly increasing in commit order, without gaps.
    public let cursor: Int64
    public let at: Date
    public let module: String
    public let recordType: String
    public let recordKey: String
    public let divisionCode: String?
    public let operation: ChangeOperation
    public let fields: [String]
    public let actor: String
}

/// The platform change log: one row per change to a record of any module, written in the change's
/// own transaction and read by cursor. The wall display streams from it, the exchange delivers
/// from it, subscriptions replay from it; there is no second one.
///
/// Cursors are assigned under the lock the audit chain uses, held until the transaction commits,
/// so they are handed out in commit order: a reader that has seen cursor N never later finds a new
/// row below N (an identity column alone would let a slow transaction commit a smaller number
/// after a reader moved past it). Every change is audited anyway, so the lock costs no extra wait.
public struct ChangeLog: Sendable {
    /// The NOTIFY channel that wakes readers on PostgreSQL (SQLite readers poll).
    public static let channel = "cityhub_changes"
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    static let columns = ["cursor", "at", "module", "record_type", "record_key", "division_code", "operation", "fields", "actor"]

    /// Records changes inside the caller's transaction; returns their cursors. With the
    /// transaction's `copier` (a bulk load), the rows go in by COPY on PostgreSQL and by
    /// directly bound multi-row inserts on SQLite.
    @discardableResult
    public static func record(_ changes: [NewChange], at date: Date, dialect: Dialect, on db: any SQLDatabase, copier: BulkCopier? = nil) async throws -> [Int64] {
        guard let copier else { return try await record(dated: changes.map { ($0, date) }, dialect: dialect, on: db) }
        guard !changes.isEmpty else { return [] }
        try await dialect.lockForTransaction(AuditLog.lockKey, on: db)
        let head = try await head(on: db)
        let cursors = (1...Int64(changes.count)).map { head + $0 }
        let rows: [[BulkValue]] = zip(cursors, changes).map { cursor, change in
            [.int(cursor), .date(date), .text(change.module), .text(change.recordType), .text(change.recordKey),
             change.divisionCode.map { .text($0) } ?? .null, .text(change.operation.rawValue), .text(change.fields.joined(separator: ",")), .text(change.actor)]
        }
        try await copier.copy(into: "change_log", columns: columns, rows: rows)
        try await dialect.notify(channel, on: db)
        return cursors
    }

    /// Records changes, each at its own time, inside the caller's transaction; returns their cursors.
    @discardableResult
    static func record(dated changes: [(NewChange, Date)], dialect: Dialect, on db: any SQLDatabase, locked: Bool = false) async throws -> [Int64] {
        guard !changes.isEmpty else { return [] }
        if !locked { try await dialect.lockForTransaction(AuditLog.lockKey, on: db) }
        let head = try await head(on: db)
        for query in insertQueries(dated: changes, after: head) { try await db.raw(query).run() }
        try await dialect.notify(channel, on: db)
        return (1...Int64(changes.count)).map { head + $0 }
    }

    /// The inserts of `changes` numbered after cursor `head` (which the caller read under the lock).
    static func insertQueries(dated changes: [(NewChange, Date)], after head: Int64) -> [SQLQueryString] {
        var queries: [SQLQueryString] = []
        for (chunk, base) in zip(changes.chunked(2_000), stride(from: 0, to: changes.count, by: 2_000)) {
            var query: SQLQueryString = "INSERT INTO change_log (cursor, at, module, record_type, record_key, division_code, operation, fields, actor) VALUES "
            for (i, (change, date)) in chunk.enumerated() {
                if i > 0 { query += ", " }
                query += """
                    (\(bind: head + Int64(base + i + 1)), \(bind: date), \(bind: change.module), \(bind: change.recordType), \(bind: change.recordKey), \
                    \(bind: change.divisionCode), \(bind: change.operation.rawValue), \(bind: change.fields.joined(separator: ",")), \(bind: change.actor))
                    """
            }
            queries.append(query)
        }
        return queries
    }

    /// Changes after `cursor`, oldest first, at most `limit`; only those of divisions within
    /// `scopePattern` (a SQL LIKE pattern such as `4116%`) when given, and only of `recordTypes`.
    /// With `through`, none after that cursor.
    public func changes(after cursor: Int64, through last: Int64? = nil, limit: Int = 500, scopePattern: String? = nil,
                        recordTypes: [String]? = nil) async throws -> [Change] {
        struct Row: Decodable {
            let cursor: Int64; let at: Date; let module: String; let recordType: String; let recordKey: String; let divisionCode: String?
            let operation: String; let fields: String; let actor: String
        }
        let query = Self.changesQuery(after: cursor, through: last, limit: limit, scopePattern: scopePattern, recordTypes: recordTypes)
        // One statement sees one state: no transaction around it (followers read after every commit).
        let rows = try await store.readRows(query).map { try $0.decode(model: Row.self, keyDecodingStrategy: .convertFromSnakeCase) }
        return rows.map { row in
            Change(cursor: row.cursor, at: row.at, module: row.module, recordType: row.recordType, recordKey: row.recordKey, divisionCode: row.divisionCode,
                   operation: ChangeOperation(rawValue: row.operation) ?? .updated, fields: row.fields.isEmpty ? [] : row.fields.split(separator: ",").map(String.init),
                   actor: row.actor)
        }
    }

    /// The read behind `changes`. With record types it is answered from `change_log_type_cursor`:
    /// each type's rows after the cursor, not every row of the type.
    static func changesQuery(after cursor: Int64, through last: Int64?, limit: Int, scopePattern: String?, recordTypes: [String]?) -> SQLQueryString {
        var query: SQLQueryString = "SELECT * FROM change_log WHERE cursor > \(bind: cursor)"
        if let last { query += " AND cursor <= \(bind: last)" }
        if let scopePattern { query += " AND division_code LIKE \(bind: scopePattern)" }
        if let recordTypes, !recordTypes.isEmpty { query += " AND record_type IN (\(binds: recordTypes))" }
        query += " ORDER BY cursor LIMIT \(bind: min(max(limit, 1), 10_000))"
        return query
    }

    /// The latest cursor (0 for an empty log): where a new reader that wants only what comes next starts.
    public func head() async throws -> Int64 {
        try await store.readRows(Self.headQuery).first?.decode(column: "cursor", as: Int64.self) ?? 0
    }

    static let headQuery: SQLQueryString = "SELECT COALESCE(MAX(cursor), 0) AS cursor FROM change_log"

    static func head(on db: any SQLDatabase) async throws -> Int64 {
        struct Head: Decodable { let cursor: Int64 }
        return try await db.raw(headQuery).first(decoding: Head.self)?.cursor ?? 0
    }

    /// Calls `onChanges` with every batch of changes after `cursor` as they commit, until cancelled:
    /// woken by NOTIFY on PostgreSQL (and polled every `interval` as well), polled on SQLite.
    /// With `recordTypes`, only changes to those (and the cursor still moves past the others).
    /// `passOver` is asked, with the head, before the changes up to it are read: when it answers
    /// true (nobody wants them now, e.g. no wall display is open), the cursor moves to the head
    /// without reading them.
    public func follow(after cursor: Int64, recordTypes: [String]? = nil, interval: Duration = .milliseconds(250),
                       passOver: @Sendable @escaping (_ head: Int64) -> Bool = { _ in false },
                       _ onChanges: @Sendable @escaping ([Change]) async -> Void) async throws {
        let position = CursorBox(cursor)
        let log = self
        try await store.watch(channel: Self.channel, interval: interval) {
            // Up to the head read first: when the changes wanted are few among many others, the
            // cursor still moves to the head, so the others are passed over once, not at every wake.
            while let head = try? await log.head(), head > position.value {
                if passOver(head) {
                    position.value = head
                    break
                }
                guard let batch = try? await log.changes(after: position.value, through: head, recordTypes: recordTypes) else { break }
                if !batch.isEmpty { await onChanges(batch) }
                position.value = batch.count == 500 ? batch.last!.cursor : head
                if batch.count < 500 { break }
            }
        }
    }
}

/// A cursor shared between a follower's wake-ups (they run one at a time).
private final class CursorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int64
    init(_ value: Int64) { stored = value }
    var value: Int64 {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
