import CityCore
import CityStore
import Crypto
import Foundation
import Identity
import SQLKit
import Synchronization

/// A query of a resource's rows through the data API.
public struct DataQuery: Sendable, Equatable {
    /// The fields wanted (all granted ones when empty).
    public var fields: [String]
    /// Field → value each row must equal (granted fields the source can filter by).
    public var filters: [String: String]
    /// The previous answer's `next` cursor.
    public var cursor: String?
    public var limit: Int

    public init(fields: [String] = [], filters: [String: String] = [:], cursor: String? = nil, limit: Int = 100) {
        self.fields = fields
        self.filters = filters
        self.cursor = cursor
        self.limit = limit
    }

    public static let maxLimit = 1_000
}

/// What the data API answers: the body exactly as hashed into the message log.
public struct DataAnswer: Sendable {
    /// `application/json`: resource, grant, fields, rows, next cursor.
    public let body: Data
    public let rows: Int
    /// SHA-256 of `body`, hex: what the message log holds.
    public let sha256: String
    public let grantID: Int64
}

/// The data API (X-Road's security server, in one process): a caller's organisation reads a
/// resource's rows only under a live grant: only granted fields, personal ones masked unless the
/// grant says plain, within its division scope, at most the grant's calls a minute (counted in
/// the database, so across every process). Every answered call is written to the message log
/// (the audit chain): caller, grant, query, row count and the SHA-256 of the body it was sent.
public struct DataGateway: Sendable {
    let store: Store
    let clock: any WallClock
    /// The registries' and the cases' rows, by resource code; datasets are read here.
    let sources: [String: any RowSource]
    /// The cursor key, read from the database once: it never changes after it is first written.
    let seal = SealBox()

    public init(store: Store, clock: any WallClock, sources: [String: any RowSource]) {
        self.store = store
        self.clock = clock
        self.sources = sources
    }

    func cursorSeal() async throws -> CursorSeal {
        if let known = seal.value.withLock({ $0 }) { return known }
        let loaded = try await CursorSeal.load(store: store)
        seal.value.withLock { $0 = loaded }
        return loaded
    }

    public func query(_ code: String, _ query: DataQuery, by caller: Principal, origin: AuditOrigin) async throws -> DataAnswer {
        guard caller.kind == .staff || caller.kind == .apiKey, let consumer = caller.organisationCode, let scope = caller.scope else { throw ExchangeError.noGrant }
        guard let resource = try await ResourceCatalogue(store: store, clock: clock).find(code) else { throw ExchangeError.unknownResource }
        let now = clock.now()
        guard let grant = try await Self.usableGrant(resource: resource.code, consumer: consumer, caller: caller, at: now, store: store) else {
            throw ExchangeError.noGrant
        }
        let fields = query.fields.isEmpty ? grant.fields : query.fields
        let refused = fields.filter { !grant.fields.contains($0) }
        guard refused.isEmpty else { throw ExchangeError.fieldsNotGranted(refused) }
        let source = try DatasetRows.source(of: resource, store: store, sources: sources)
        for name in query.filters.keys {
            guard grant.fields.contains(name) else { throw ExchangeError.fieldsNotGranted([name]) }
            guard source.filterable.contains(name) else {
                throw ExchangeError.invalidField(name, zh: "不能按 \(name) 筛选", en: "Rows cannot be filtered by \(name)")
            }
        }
        guard (1...DataQuery.maxLimit).contains(query.limit) else {
            throw ExchangeError.invalidField("limit", zh: "limit 应为 1 至 \(DataQuery.maxLimit)", en: "limit must be 1 to \(DataQuery.maxLimit)")
        }
        let cursors = try await cursorSeal()
        let after = try query.cursor.map { try cursors.open($0, resource: resource.code) }
        let rows = try await source.rows(RowQuery(after: after, limit: query.limit, divisionPrefix: scope.root.significantPrefix, filters: query.filters))
        let next = rows.count == query.limit ? rows.last.map { cursors.seal($0.key, resource: resource.code) } : nil
        let body = Self.body(resource: resource, grant: grant, fields: fields, rows: rows, next: next)
        let digest = SHA256.hash(data: body).hexString
        let dialect = store.dialect
        let month = ResourceCatalogue.month(of: now)
        let detail = Self.detail(resource: resource.code, query: query, rows: rows.count, sha256: digest)
        try await store.write { db in
            // The call counts against this minute's window; none is served on a grant revoked meanwhile.
            let windowStart = now.addingTimeInterval(-60)
            let counted = try await db.raw("""
                UPDATE exchange_grants SET
                    window_calls = CASE WHEN window_start IS NULL OR window_start <= \(bind: windowStart) THEN 1 ELSE window_calls + 1 END,
                    window_start = CASE WHEN window_start IS NULL OR window_start <= \(bind: windowStart) THEN \(bind: now) ELSE window_start END
                WHERE id = \(bind: grant.id) AND revoked_at IS NULL AND expires_at > \(bind: now)
                    AND (window_start IS NULL OR window_start <= \(bind: windowStart) OR window_calls < rate_per_minute)
                RETURNING id
                """).all()
            if counted.isEmpty {
                struct Window: Decodable { let revokedAt: Date?; let expiresAt: Date; let windowStart: Date? }
                let window = try await db.raw("SELECT revoked_at, expires_at, window_start FROM exchange_grants WHERE id = \(bind: grant.id)")
                    .first(decoding: Window.self, keyDecodingStrategy: .convertFromSnakeCase)
                guard let window, window.revokedAt == nil, window.expiresAt > now, let start = window.windowStart else { throw ExchangeError.noGrant }
                throw ExchangeError.rateLimited(seconds: max(1, Int((start.timeIntervalSince(now) + 60).rounded(.up))))
            }
            try await db.raw("""
                INSERT INTO exchange_usage (grant_id, month, resource_code, calls, row_count) VALUES (\(bind: grant.id), \(bind: month), \(bind: resource.code), 1, \(bind: rows.count))
                ON CONFLICT (grant_id, month) DO UPDATE SET calls = exchange_usage.calls + 1, row_count = exchange_usage.row_count + excluded.row_count
                """).run()
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.query", recordType: "grant", recordID: String(grant.id),
                                                 divisionCode: scope.root.rawValue, purpose: grant.purpose, source: origin.source, requestID: origin.requestID,
                                                 detail: detail), at: now, dialect: dialect, on: db)
        }
        return DataAnswer(body: body, rows: rows.count, sha256: digest, grantID: grant.id)
    }

    /// The live grant the caller may call under: one bound to the caller's key, or one bound to no
    /// key (for the organisation's staff and systems).
    static func usableGrant(resource: String, consumer: String, caller: Principal, at now: Date, store: Store) async throws -> Grant? {
        let grants = try await store.read { db in
            try await db.raw("""
                SELECT * FROM exchange_grants WHERE consumer_code = \(bind: consumer) AND resource_code = \(bind: resource)
                    AND revoked_at IS NULL AND starts_at <= \(bind: now) AND expires_at > \(bind: now) ORDER BY id DESC
                """).all(decoding: GrantRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.grant)
        }
        let mine = caller.kind == .apiKey ? grants.first { $0.apiKeyID == caller.id } : nil
        return mine ?? grants.first { $0.apiKeyID == nil }
    }

    /// The answer's body: granted fields only, personal ones masked unless the grant says plain.
    static func body(resource: Resource, grant: Grant, fields: [String], rows: [SharedRow], next: String?) -> Data {
        let columns = fields.compactMap { resource.field($0) }
        var json = JSONWriter(capacity: 256 + rows.count * 48 * max(columns.count, 1))
        json.beginObject()
        json.field("resource", resource.code)
        json.key("grantId")
        json.integer(Int(grant.id))
        json.field("fields", strings: columns.map(\.name))
        json.field("masked", !grant.plain && columns.contains { $0.sensitivity == .personal })
        json.key("rows")
        json.beginArray()
        for row in rows { grant.write(row.values, columns: columns, into: &json) }
        json.endArray()
        json.key("next")
        json.string(next)
        json.endObject()
        return Data(json.text.utf8)
    }

    /// The message log's record of a call: the query as asked, rows served, the body's hash.
    static func detail(resource: String, query: DataQuery, rows: Int, sha256: String) -> String {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.field("resource", resource)
        json.field("fields", strings: query.fields)
        json.key("filters")
        json.beginObject()
        for (name, value) in query.filters.sorted(by: { $0.key < $1.key }) { json.field(name, String(value.prefix(100))) }
        json.endObject()
        json.field("cursor", query.cursor.map { String($0.prefix(120)) })
        json.key("limit")
        json.integer(query.limit)
        json.key("rows")
        json.integer(rows)
        json.field("sha256", sha256)
        json.endObject()
        return json.text
    }
}

extension Grant {
    /// A row as this grant lets it leave: the columns asked for, personal ones masked unless the grant says plain.
    func write(_ values: [String: JSONValue], columns: [ResourceField], into json: inout JSONWriter) {
        json.beginObject()
        for column in columns {
            json.key(column.name)
            let value = values[column.name] ?? .null
            json.value(plain ? value : column.masked(value))
        }
        json.endObject()
    }
}

/// This process's copy of the cursor key.
final class SealBox: Sendable {
    let value = Mutex<CursorSeal?>(nil)
}

/// Cursors the data API hands out are sealed (ChaCha20-Poly1305) with a key every process reads
/// from the database, so a cursor reveals nothing of the row it points at (a person's ID number)
/// and cannot be forged to start anywhere else; any process can open it.
struct CursorSeal: Sendable {
    let key: SymmetricKey

    static func load(store: Store) async throws -> CursorSeal {
        struct Row: Decodable { let value: String }
        if let row = try await store.read({ db in try await db.raw("SELECT value FROM exchange_secrets WHERE name = 'cursor-key'").first(decoding: Row.self) }),
           let data = Data(base64Encoded: row.value) {
            return CursorSeal(key: SymmetricKey(data: data))
        }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        let stored = try await store.write { db in
            try await db.raw("INSERT INTO exchange_secrets (name, value) VALUES ('cursor-key', \(bind: fresh)) ON CONFLICT (name) DO NOTHING").run()
            return try await db.raw("SELECT value FROM exchange_secrets WHERE name = 'cursor-key'").first(decoding: Row.self)!.value
        }
        return CursorSeal(key: SymmetricKey(data: Data(base64Encoded: stored)!))
    }

    func seal(_ rowKey: String, resource: String) -> String {
        let sealed = try! ChaChaPoly.seal(Data(rowKey.utf8), using: key, authenticating: Data(resource.utf8))
        return sealed.combined.base64URLEncoded
    }

    func open(_ cursor: String, resource: String) throws -> String {
        guard let data = Data(base64URLEncoded: cursor), let box = try? ChaChaPoly.SealedBox(combined: data),
              let plain = try? ChaChaPoly.open(box, using: key, authenticating: Data(resource.utf8)) else {
            throw ExchangeError.invalidField("cursor", zh: "cursor 无效（应为上一页返回的 next）", en: "cursor is not valid (use the previous answer's next)")
        }
        return String(decoding: plain, as: UTF8.self)
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    init?(base64URLEncoded text: String) {
        guard text.count <= 2_000 else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        self.init(base64Encoded: s)
    }
}

/// A thematic dataset's rows, read from the exchange's own table.
struct DatasetRows: RowSource {
    let store: Store
    let resource: Resource

    /// Where a resource's rows come from: the exchange's own table for a dataset, otherwise the
    /// owning module's source (by catalogue code or short code).
    static func source(of resource: Resource, store: Store, sources: [String: any RowSource]) throws -> any RowSource {
        if resource.kind == .dataset { return DatasetRows(store: store, resource: resource) }
        guard let source = sources[resource.code] ?? resource.shortCode.flatMap({ sources[$0] }) else { throw ExchangeError.unknownResource }
        return source
    }

    var filterable: Set<String> { Set(resource.fields.filter { $0.sensitivity != .secret }.map(\.name)) }

    func rows(_ query: RowQuery) async throws -> [SharedRow] {
        let engine = store.engine
        let fields = Dictionary(resource.fields.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        struct Row: Decodable { let rowKey: String; let divisionCode: String; let data: String }
        let rows = try await store.read { db in
            var sql: SQLQueryString = "SELECT row_key, division_code, data FROM exchange_dataset_rows WHERE resource_code = \(bind: resource.code)"
            if let after = query.after { sql += " AND row_key > \(bind: after)" }
            if let keys = query.keys { sql += keys.isEmpty ? " AND 1 = 0" : " AND row_key IN (\(binds: keys))" }
            if let prefix = query.divisionPrefix { sql += " AND division_code LIKE \(bind: prefix + "%")" }
            for (name, text) in query.filters.sorted(by: { $0.key < $1.key }) {
                guard let field = fields[name] else { continue }
                let value = (try? field.value(fromText: text).get()) ?? nil
                let json = value.map { v -> String in var w = JSONWriter(capacity: 32); w.value(v); return w.text } ?? "null"
                if engine == .postgres {
                    sql += " AND (data::jsonb -> \(bind: name)) = \(bind: json)::jsonb"
                } else {
                    sql += " AND json_extract(data, \(bind: "$." + name)) IS json_extract(\(bind: json), '$')"
                }
            }
            sql += " ORDER BY row_key LIMIT \(bind: query.limit)"
            return try await db.raw(sql).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return try rows.map { row in
            guard case .object(let pairs) = try JSONValue(json: row.data) else { return SharedRow(key: row.rowKey, divisionCode: row.divisionCode, values: [:]) }
            return SharedRow(key: row.rowKey, divisionCode: row.divisionCode, values: Dictionary(pairs, uniquingKeysWith: { a, _ in a }))
        }
    }
}
