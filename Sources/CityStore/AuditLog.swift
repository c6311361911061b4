import CityCore
import Crypto
import Foundation
import SQLKit
import SQLiteKit

/// One audit entry to append: who did what to which record, when, from where, for what purpose.
public struct AuditEntry: Sendable, Equatable {
    /// Who: `staff:<username>`, `apikey:<id>`, `citizen:<id>`, `system`, `anonymous`.
    public var actor: String
    /// What, as `module.verb`: `identity.login`, `registry.division.read`.
    public var action: String
    public var recordType: String?
    public var recordID: String?
    /// The division the record belongs to, for scoped review.
    public var divisionCode: String?
    /// Why the data was read or changed (the purpose a grant names, or the caller's stated one).
    public var purpose: String?
    /// From where: the client address.
    public var source: String?
    public var requestID: String?
    /// `ok`, `denied` or `failed`.
    public var outcome: String
    public var detail: String?

    public init(actor: String, action: String, recordType: String? = nil, recordID: String? = nil, divisionCode: String? = nil,
                purpose: String? = nil, source: String? = nil, requestID: String? = nil, outcome: String = "ok", detail: String? = nil) {
        self.actor = actor
        self.action = action
        self.recordType = recordType
        self.recordID = recordID
        self.divisionCode = divisionCode
        self.purpose = purpose
        self.source = source
        self.requestID = requestID
        self.outcome = outcome
        self.detail = detail
    }
}

extension AuditEntry {
    /// The most characters each field keeps; longer values are cut and marked with `…`.
    public static let limits = (actor: 120, action: 80, recordType: 60, recordID: 200, divisionCode: 12, purpose: 200,
                                source: 64, requestID: 100, outcome: 16, detail: 1_000)

    /// The entry as it is stored and hashed: forbidden control characters replaced, every field
    /// bounded. Applying it twice changes nothing, so `verify` recomputes the same hash.
    public var storable: AuditEntry {
        let l = Self.limits
        func cut(_ text: String?, _ max: Int) -> String? { text.map { Text.storable($0, maxCharacters: max) } }
        return AuditEntry(actor: cut(actor, l.actor)!, action: cut(action, l.action)!, recordType: cut(recordType, l.recordType),
                          recordID: cut(recordID, l.recordID), divisionCode: cut(divisionCode, l.divisionCode), purpose: cut(purpose, l.purpose),
                          source: cut(source, l.source), requestID: cut(requestID, l.requestID), outcome: cut(outcome, l.outcome)!,
                          detail: cut(detail, l.detail))
    }
}

/// A stored audit entry with its place in the chain.
public struct AuditRecord: Sendable, Equatable, Codable {
    public let seq: Int64
    public let at: Date
    public let actor: String
    public let action: String
    public let recordType: String?
    public let recordID: String?
    public let divisionCode: String?
    public let purpose: String?
    public let source: String?
    public let requestID: String?
    public let outcome: String
    public let detail: String?
    public let prevHash: String
    public let hash: String
}

/// A problem `verify` found in the chain.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The row's content no longer matches its hash.
        case edited
        /// Rows are missing before this one.
        case deleted
        /// The row is intact but not where the chain puts it.
        case reordered
        /// The chain ends before a row a signed checkpoint names.
        case truncated
        /// A row differs from what a signed checkpoint says it was (the chain was re-hashed).
        case rewritten
        /// A checkpoint whose signature does not verify.
        case forgedCheckpoint
    }

    public let kind: Kind
    public let seq: Int64
    public let message: String

    public var description: String { "seq \(seq): \(kind.rawValue): \(message)" }
}

/// The result of checking the whole chain.
public struct AuditVerification: Sendable {
    /// Rows read.
    public let checked: Int
    /// Problems, in chain order (at most 1,000 are listed).
    public let problems: [AuditProblem]
    /// The hash of the last row.
    public let headHash: String
    /// Signed checkpoints checked (0 when the chain was checked on its own).
    public var checkpoints = 0
    /// The latest row a genuine checkpoint anchors.
    public var anchoredAt: Int64? = nil
    public var isIntact: Bool { problems.isEmpty }
}

/// The append-only, hash-chained audit log. Each row carries SHA-256(previous hash ‖ its own
/// content), so an edited, deleted or reordered row breaks the chain at that row.
///
/// Entries are stored, and hashed, in a bounded form (`AuditEntry.storable`): what an attacker
/// sends (a megabyte username, a NUL byte) is recorded faithfully enough to read, but can neither
/// fill the disk nor make the stored row differ from the hashed one.
public struct AuditLog: Sendable {
    let store: Store
    let clock: any WallClock
    let batcher: AuditBatcher
    let refusals = RefusalFolder()

    public static let genesisHash = String(repeating: "0", count: 64)
    static let lockKey: Int64 = 4_116_000_002

    public init(store: Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
        self.batcher = AuditBatcher(store: store)
    }

    /// Appends an entry in a transaction of its own, grouped with the entries other tasks of this
    /// process append at the same moment (group commit: one transaction, one lock on the chain,
    /// many entries). Returns once the entry is committed.
    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> AuditRecord {
        try await batcher.append(entry, at: clock.now())
    }

    /// Appends a refusal that needs no sign-in to provoke (a forged token, a throttled login): the
    /// first with `foldKey` each minute is written, carrying the count of those folded since, so
    /// nobody can fill the log and the disk without signing in. Returns whether it was written.
    @discardableResult
    public func appendRefusal(_ entry: AuditEntry, foldKey: String) async throws -> Bool {
        guard let folded = refusals.admit(foldKey, now: clock.now()) else { return false }
        var entry = entry
        if folded > 0 {
            entry.detail = [entry.detail, "+\(folded) similar refusals from this address folded"].compactMap { $0 }.joined(separator: "; ")
        }
        try await append(entry)
        return true
    }

    /// Appends an entry inside the caller's transaction, so the record of a change commits with it.
    @discardableResult
    public static func append(_ entry: AuditEntry, at date: Date, dialect: Dialect, on db: any SQLDatabase) async throws -> AuditRecord {
        try await append([(entry, date)], dialect: dialect, on: db)[0]
    }

    /// Inserts records chained ahead of time (`chain(_:after:)`), provided the chain still ends at
    /// the head the first one follows; nil when it does not (nothing was inserted). It is one
    /// statement, so it is a transaction of its own (one round trip).
    ///
    /// On SQLite the insert checks the head (sequence number and hash) itself: writers hold the
    /// file's write lock for the whole transaction. Its values are bound directly on the writer
    /// connection (the date as SQLiteKit binds it): on the hot path of every audited request,
    /// SQLKit's serialising and encoding cost more than the insert. On PostgreSQL
    /// `audit_log_append` (store migration 4) takes the chain's lock, then checks the head with what
    /// has committed by the time the lock was granted (a statement of its own, with its own snapshot).
    static func insert(_ records: [AuditRecord], into store: Store) async throws -> [AuditRecord]? {
        guard let first = records.first else { return [] }
        let inserted: Int
        if store.dialect.engine == .postgres {
            // The rows as one JSON parameter: the statement's text is the same for every batch.
            let query: SQLQueryString = "SELECT audit_log_append(\(bind: jsonRows(records))::json, \(bind: first.seq - 1), \(bind: first.prevHash)) AS seq"
            inserted = try await store.withConnection { db in try await db.raw(query).all().count }
        } else {
            var sql = "INSERT INTO audit_log (" + columns.joined(separator: ", ") + ") SELECT * FROM (VALUES "
            let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
            var binds: [SQLiteData] = []
            binds.reserveCapacity(records.count * columns.count + 2)
            func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
            for (i, r) in records.enumerated() {
                sql += i == 0 ? row : ", " + row
                binds += [.integer(Int(r.seq)), r.at.sqliteData ?? .null, .text(r.actor), .text(r.action), text(r.recordType), text(r.recordID),
                          text(r.divisionCode), text(r.purpose), text(r.source), text(r.requestID), .text(r.outcome), text(r.detail),
                          .text(r.prevHash), .text(r.hash)]
            }
            sql += ") AS v WHERE COALESCE((SELECT seq || ':' || hash FROM audit_log ORDER BY seq DESC LIMIT 1), ?) = ? RETURNING seq"
            binds += [.text("0:" + genesisHash), .text("\(first.seq - 1):\(first.prevHash)")]
            let (statement, values) = (sql, binds)
            do {
                inserted = try await store.withSQLiteWriter { connection in try await connection.query(statement, values).count }
            } catch let error as SQLiteError where [.busy, .busyInSnapshot].contains(error.reason) {
                // Another process wrote after this statement's snapshot began (SQLite refuses the
                // upgrade to a write at once: no busy wait helps), or held the write lock past the
                // busy timeout. Nothing was inserted; the caller appends after the head read under
                // the write lock.
                return nil
            }
        }
        // Counted, not decoded: a row per entry inserted.
        return inserted == records.count ? records : nil
    }

    /// Records as a JSON array whose keys are the table's columns, for `json_populate_recordset`.
    static func jsonRows(_ records: [AuditRecord]) -> String {
        // JSONWriter appends in place: this runs for every audited request on PostgreSQL. Absent
        // values are written as null, every row has every column.
        var json = JSONWriter(capacity: records.count * 640)
        func field(_ name: String, _ value: String?) {
            json.key(name)
            json.string(value)
        }
        json.beginArray()
        for r in records {
            json.beginObject()
            json.key("seq")
            json.integer(Int(r.seq))
            field("at", r.at.millisecondISO8601)
            field("actor", r.actor)
            field("action", r.action)
            field("record_type", r.recordType)
            field("record_id", r.recordID)
            field("division_code", r.divisionCode)
            field("purpose", r.purpose)
            field("source", r.source)
            field("request_id", r.requestID)
            field("outcome", r.outcome)
            field("detail", r.detail)
            field("prev_hash", r.prevHash)
            field("hash", r.hash)
            json.endObject()
        }
        json.endArray()
        return json.text
    }

    /// The columns an entry fills, in the order `appendValues` binds them.
    static let columns = ["seq", "at", "actor", "action", "record_type", "record_id", "division_code", "purpose", "source", "request_id",
                          "outcome", "detail", "prev_hash", "hash"]

    /// The insert's head.
    static var insertInto: SQLQueryString {
        SQLQueryString("INSERT INTO audit_log (" + columns.joined(separator: ", ") + ")")
    }

    /// Records for `entries` chained after `head`, in their stored (bounded) form.
    static func chain(_ entries: [(AuditEntry, Date)], after head: (seq: Int64, hash: String)) -> [AuditRecord] {
        var (seq, prevHash) = head
        var records: [AuditRecord] = []
        records.reserveCapacity(entries.count)
        for (raw, date) in entries {
            let entry = raw.storable
            // Millisecond precision, the same on both engines, so the hash recomputes exactly.
            let at = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
            let hash = chainHash(prevHash: prevHash, at: at, entry: entry)
            seq += 1
            records.append(AuditRecord(seq: seq, at: at, actor: entry.actor, action: entry.action, recordType: entry.recordType, recordID: entry.recordID,
                                       divisionCode: entry.divisionCode, purpose: entry.purpose, source: entry.source, requestID: entry.requestID,
                                       outcome: entry.outcome, detail: entry.detail, prevHash: prevHash, hash: hash))
            prevHash = hash
        }
        return records
    }

    static func appendValues(_ records: [AuditRecord], to query: inout SQLQueryString) {
        for (i, r) in records.enumerated() {
            query += i == 0 ? " " : ", "
            query += """
                (\(bind: r.seq), \(bind: r.at), \(bind: r.actor), \(bind: r.action), \(bind: r.recordType), \(bind: r.recordID), \(bind: r.divisionCode), \
                \(bind: r.purpose), \(bind: r.source), \(bind: r.requestID), \(bind: r.outcome), \(bind: r.detail), \(bind: r.prevHash), \(bind: r.hash))
                """
        }
    }

    /// Appends entries in order inside the caller's transaction, with one multi-row insert.
    static func append(_ entries: [(AuditEntry, Date)], dialect: Dialect, on db: any SQLDatabase) async throws -> [AuditRecord] {
        guard !entries.isEmpty else { return [] }
        // One chain for every process: hold the chain's lock until this transaction ends.
        try await dialect.lockForTransaction(lockKey, on: db)
        struct Head: Decodable { let seq: Int64; let hash: String }
        let last = try await db.raw("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first(decoding: Head.self)
        let records = chain(entries, after: (last?.seq ?? 0, last?.hash ?? genesisHash))
        try await db.raw(insertQuery(records)).run()
        return records
    }

    /// One multi-row insert of `records`, chained already.
    static func insertQuery(_ records: [AuditRecord]) -> SQLQueryString {
        var query = insertInto + " VALUES"
        appendValues(records, to: &query)
        return query
    }

    /// The chain hash: SHA-256 over the previous hash and every field, each length-prefixed so no
    /// two different rows serialise alike.
    static func chainHash(prevHash: String, at: Date, entry: AuditEntry) -> String {
        let millis = Int64((at.timeIntervalSince1970 * 1000).rounded())
        // The fields laid out in one buffer and hashed at once (every audited request hashes one).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + (entry.detail?.utf8.count ?? 0))
        func field(_ text: String?) {
            guard var text else {
                bytes += absent
                return
            }
            text.withUTF8 { utf8 in
                // A count is a small string: no allocation.
                bytes += String(utf8.count).utf8
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: utf8)
            }
        }
        field(prevHash)
        field(String(millis))
        field(entry.actor)
        field(entry.action)
        field(entry.recordType)
        field(entry.recordID)
        field(entry.divisionCode)
        field(entry.purpose)
        field(entry.source)
        field(entry.requestID)
        field(entry.outcome)
        field(entry.detail)
        return SHA256.hash(data: bytes).hexString
    }

    private static let absent: [UInt8] = Array("-;".utf8)

    /// Entries, newest first, optionally for one record. `divisionPrefix` limits them to one scope
    /// (a county auditor reviews the county's entries); `includeUnscoped` adds entries that belong
    /// to no division (system, anonymous), for the city's own auditors.
    public func entries(recordType: String? = nil, recordID: String? = nil, divisionPrefix: String? = nil, includeUnscoped: Bool = true,
                        limit: Int = 100, offset: Int = 0) async throws -> [AuditRecord] {
        try await store.read { db in
            var query: SQLQueryString = "SELECT * FROM audit_log WHERE 1 = 1"
            if let recordType { query += " AND record_type = \(bind: recordType)" }
            if let recordID { query += " AND record_id = \(bind: recordID)" }
            if let divisionPrefix {
                query += includeUnscoped
                    ? " AND (division_code LIKE \(bind: divisionPrefix + "%") OR division_code IS NULL)"
                    : " AND division_code LIKE \(bind: divisionPrefix + "%")"
            }
            query += " ORDER BY seq DESC LIMIT \(bind: limit) OFFSET \(bind: offset)"
            return try await db.raw(query).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.record)
        }
    }

    /// An `audit_log` row.
    struct Row: Decodable {
        let seq: Int64; let at: Date; let actor: String; let action: String; let recordType: String?; let recordId: String?
        let divisionCode: String?; let purpose: String?; let source: String?; let requestId: String?; let outcome: String
        let detail: String?; let prevHash: String; let hash: String

        var record: AuditRecord {
            AuditRecord(seq: seq, at: at, actor: actor, action: action, recordType: recordType, recordID: recordId, divisionCode: divisionCode,
                        purpose: purpose, source: source, requestID: requestId, outcome: outcome, detail: detail, prevHash: prevHash, hash: hash)
        }
    }

    /// Walks the whole chain in order and reports every row that was edited, deleted or moved.
    public func verify(batchSize: Int = 5_000) async throws -> AuditVerification {
        var problems: [AuditProblem] = []
        var previous: AuditRecord? = nil
        var seenHashes: [String: Int64] = [:]
        var checked = 0
        var after: Int64 = -1
        func report(_ kind: AuditProblem.Kind, _ seq: Int64, _ message: String) {
            if problems.count < 1_000 { problems.append(AuditProblem(kind: kind, seq: seq, message: message)) }
        }
        while true {
            let cursor = after
            let batch = try await store.read { db in
                try await db.raw("SELECT * FROM audit_log WHERE seq > \(bind: cursor) ORDER BY seq LIMIT \(bind: batchSize)")
                    .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.record)
            }
            if batch.isEmpty { break }
            for row in batch {
                checked += 1
                let entry = AuditEntry(actor: row.actor, action: row.action, recordType: row.recordType, recordID: row.recordID,
                                       divisionCode: row.divisionCode, purpose: row.purpose, source: row.source, requestID: row.requestID,
                                       outcome: row.outcome, detail: row.detail)
                let recomputed = Self.chainHash(prevHash: row.prevHash, at: row.at, entry: entry)
                let expectedPrev = previous?.hash ?? Self.genesisHash
                let expectedSeq = (previous?.seq ?? 0) + 1
                if recomputed != row.hash {
                    report(.edited, row.seq, "content does not match its hash / 内容与哈希不符（被修改）")
                } else if row.prevHash != expectedPrev {
                    if row.seq != expectedSeq {
                        report(.deleted, row.seq, "rows \(expectedSeq)…\(row.seq - 1) are missing / 缺少第 \(expectedSeq)…\(row.seq - 1) 条")
                    } else if seenHashes[row.prevHash] != nil || row.prevHash != Self.genesisHash {
                        report(.reordered, row.seq, "row is intact but out of chain order / 记录完整但顺序被调换")
                    }
                } else if row.seq != expectedSeq {
                    report(.reordered, row.seq, "sequence number changed from \(expectedSeq) / 序号被改动")
                }
                seenHashes[row.hash] = row.seq
                previous = row
                after = row.seq
            }
        }
        return AuditVerification(checked: checked, problems: problems, headHash: previous?.hash ?? Self.genesisHash)
    }
}

/// Where a change comes from, for its audit entry: the request's address, id and stated purpose.
/// Module APIs take it beside the caller so the entry commits in the change's own transaction.
public struct AuditOrigin: Sendable {
    public var source: String?
    public var requestID: String?
    public var purpose: String?

    public init(source: String? = nil, requestID: String? = nil, purpose: String? = nil) {
        self.source = source
        self.requestID = requestID
        self.purpose = purpose
    }

    /// A command-line operator.
    public static let commandLine = AuditOrigin(source: "cli")

    /// The purpose the caller stated, if it says anything (not blank): what reading personal
    /// data in plain needs.
    public var statedPurpose: String? {
        guard let purpose, !purpose.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return purpose
    }
}

extension AuditEntry {
    /// An entry for `actor` doing `action`, from where `origin` says.
    public init(actor: String, action: String, recordType: String? = nil, recordID: String? = nil, divisionCode: String? = nil,
                origin: AuditOrigin, outcome: String = "ok", detail: String? = nil) {
        self.init(actor: actor, action: action, recordType: recordType, recordID: recordID, divisionCode: divisionCode, purpose: origin.purpose,
                  source: origin.source, requestID: origin.requestID, outcome: outcome, detail: detail)
    }
}
