import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// Loads a thematic dataset's rows (CSV, NDJSON or a JSON array) for its provider: each row is
/// checked against the declared schema; bad rows are reported by line and the good ones kept.
/// Rows go in by key, a chunk per transaction with its audit entry and change-log rows, so a
/// crash loses no chunk that was answered and a re-run skips what is already there unchanged.
public struct DatasetLoader: Sendable {
    let store: Store
    let clock: any WallClock

    public init(store: Store, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    public enum Format: String, Sendable, CaseIterable {
        case csv, ndjson, json
    }

    /// A row that was refused: its line (CSV, NDJSON) or position (JSON array), the field at fault and why.
    public struct Rejected: Sendable, Equatable {
        public let line: Int
        public let field: String?
        public let zh: String
        public let en: String
    }

    /// What a load did.
    public struct Report: Sendable, Equatable {
        public var received = 0
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        public var rejected: [Rejected] = []
    }

    /// Rows per transaction.
    static let chunk = 500

    public func load(_ code: String, data: Data, format: Format, by caller: Principal, origin: AuditOrigin) async throws -> Report {
        try caller.require(anyOf: .dataSteward)
        guard let resource = try await ResourceCatalogue(store: store, clock: clock).find(code) else { throw ExchangeError.unknownResource }
        guard resource.kind == .dataset else { throw ExchangeError.notADataset }
        guard caller.organisationCode == resource.providerCode || caller.kind == .commandLine else { throw ExchangeError.notProvider }
        var report = Report()
        var accepted: [(line: Int, row: CheckedRow)] = []
        var seen: [String: Int] = [:]
        for item in try Self.records(data, format: format, resource: resource) {
            report.received += 1
            switch item.row {
            case .failure(let problem):
                report.rejected.append(Rejected(line: item.line, field: problem.field, zh: problem.zh, en: problem.en))
            case .success(let row):
                if let first = seen[row.key] {
                    report.rejected.append(Rejected(line: item.line, field: resource.keyField, zh: "主键 \(row.key) 与第 \(first) 行重复",
                                                    en: "key \(row.key) repeats line \(first)"))
                    continue
                }
                guard let division = DivisionCode(row.divisionCode), let home = DivisionCode(resource.divisionCode), home.contains(division) else {
                    report.rejected.append(Rejected(line: item.line, field: resource.divisionField, zh: "区划 \(row.divisionCode) 不在提供单位的辖区内",
                                                    en: "division \(row.divisionCode) lies outside the provider's"))
                    continue
                }
                seen[row.key] = item.line
                accepted.append((item.line, row))
            }
        }
        let dialect = store.dialect
        for chunk in accepted.chunked(Self.chunk) {
            let now = clock.now()
            let counts = try await store.write { db in
                try await Self.write(chunk.map(\.row), into: resource, by: caller, origin: origin, at: now, dialect: dialect, on: db)
            }
            report.created += counts.created
            report.updated += counts.updated
            report.unchanged += counts.unchanged
        }
        return report
    }

    /// A row that passed its checks: its key, division and canonical JSON.
    struct CheckedRow {
        let key: String
        let divisionCode: String
        let values: [(String, JSONValue)]
        var json: String {
            var writer = JSONWriter(capacity: 256)
            writer.beginObject()
            for (name, value) in values { writer.key(name); writer.value(value) }
            writer.endObject()
            return writer.text
        }
    }

    static func write(_ rows: [CheckedRow], into resource: Resource, by caller: Principal, origin: AuditOrigin, at now: Date, dialect: Dialect,
                      on db: any SQLDatabase) async throws -> (created: Int, updated: Int, unchanged: Int) {
        struct Existing: Decodable { let rowKey: String; let data: String }
        let existing = try await db.raw("""
            SELECT row_key, data FROM exchange_dataset_rows WHERE resource_code = \(bind: resource.code) AND row_key IN (\(binds: rows.map(\.key)))
            """).all(decoding: Existing.self, keyDecodingStrategy: .convertFromSnakeCase)
        let before = Dictionary(existing.map { ($0.rowKey, $0.data) }, uniquingKeysWith: { a, _ in a })
        var changes: [NewChange] = []
        var created = 0, updated = 0, unchanged = 0
        let recordType = ResourceCatalogue.datasetRecordType(resource.code)
        for row in rows {
            let json = row.json
            if let old = before[row.key] {
                if old == json { unchanged += 1; continue }
                let oldValues: [String: JSONValue]
                if case .object(let pairs) = try JSONValue(json: old) { oldValues = Dictionary(pairs, uniquingKeysWith: { a, _ in a }) } else { oldValues = [:] }
                let newValues = Dictionary(row.values, uniquingKeysWith: { a, _ in a })
                let changed = resource.fields.map(\.name).filter { oldValues[$0] != newValues[$0] }
                try await db.raw("""
                    UPDATE exchange_dataset_rows SET data = \(bind: json), division_code = \(bind: row.divisionCode), updated_at = \(bind: now)
                    WHERE resource_code = \(bind: resource.code) AND row_key = \(bind: row.key)
                    """).run()
                changes.append(NewChange(module: "exchange", recordType: recordType, recordKey: row.key, divisionCode: row.divisionCode, operation: .updated,
                                         fields: changed, actor: caller.auditActor))
                updated += 1
            } else {
                try await db.raw("""
                    INSERT INTO exchange_dataset_rows (resource_code, row_key, division_code, data, updated_at)
                    VALUES (\(bind: resource.code), \(bind: row.key), \(bind: row.divisionCode), \(bind: json), \(bind: now))
                    """).run()
                changes.append(NewChange(module: "exchange", recordType: recordType, recordKey: row.key, divisionCode: row.divisionCode, operation: .created,
                                         fields: row.values.map(\.0), actor: caller.auditActor))
                created += 1
            }
        }
        try await ChangeLog.record(changes, at: now, dialect: dialect, on: db)
        try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.dataset.load", recordType: "resource", recordID: resource.code,
                                             divisionCode: resource.divisionCode, origin: origin,
                                             detail: "created \(created), updated \(updated), unchanged \(unchanged)"), at: now, dialect: dialect, on: db)
        return (created, updated, unchanged)
    }

    // MARK: Reading the upload

    /// The upload's rows, each checked or with the reason it was refused. A header (CSV) that names
    /// unknown fields or misses a required one refuses the whole upload.
    static func records(_ data: Data, format: Format, resource: Resource) throws -> [(line: Int, row: Result<CheckedRow, RowProblem>)] {
        switch format {
        case .json:
            guard case .array(let items) = try? JSONValue(json: String(decoding: data, as: UTF8.self)) else {
                throw ExchangeError.invalidField("body", zh: "JSON 上传应为对象数组", en: "A JSON upload must be an array of objects")
            }
            return items.enumerated().map { i, item in (i + 1, check(object: item, resource: resource)) }
        case .ndjson:
            let reader = RecordReader(data: data, format: .ndjson)
            var out: [(Int, Result<CheckedRow, RowProblem>)] = []
            while let next = reader.next() {
                switch next {
                case .failure(let error): out.append((error.line, .failure(RowProblem(field: nil, zh: error.reason, en: error.reason))))
                case .success(let record):
                    guard let value = try? JSONValue(json: record.raw) else {
                        out.append((record.line, .failure(RowProblem(field: nil, zh: "该行不是 JSON", en: "the line is not JSON"))))
                        continue
                    }
                    out.append((record.line, check(object: value, resource: resource)))
                }
            }
            return out
        case .csv:
            let reader = RecordReader(data: data, format: .csv)
            guard case .success(let header)? = reader.next() else {
                throw ExchangeError.invalidField("body", zh: "CSV 缺少表头", en: "The CSV has no header line")
            }
            let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            let columns = names.map { resource.field($0) }
            if let unknown = zip(names, columns).first(where: { $0.1 == nil })?.0 {
                throw ExchangeError.invalidField("header", zh: "表头中的 \(unknown) 不是该资源的字段", en: "\(unknown) in the header is not a field of this resource")
            }
            if let missing = resource.fields.first(where: { $0.required && !names.contains($0.name) }) {
                throw ExchangeError.invalidField("header", zh: "表头缺少必填字段 \(missing.name)", en: "The header lacks required field \(missing.name)")
            }
            var out: [(Int, Result<CheckedRow, RowProblem>)] = []
            while let next = reader.next() {
                switch next {
                case .failure(let error): out.append((error.line, .failure(RowProblem(field: nil, zh: error.reason, en: error.reason))))
                case .success(let record):
                    guard record.fields.count == columns.count else {
                        out.append((record.line, .failure(RowProblem(field: nil, zh: "该行有 \(record.fields.count) 列，表头有 \(columns.count) 列",
                                                                     en: "the line has \(record.fields.count) columns, the header \(columns.count)"))))
                        continue
                    }
                    var values: [String: JSONValue] = [:]
                    var problem: RowProblem?
                    for (field, text) in zip(columns, record.fields) {
                        switch field!.value(fromText: text) {
                        case .success(let value): if let value { values[field!.name] = value }
                        case .failure(let p): problem = problem ?? p
                        }
                    }
                    out.append((record.line, problem.map { .failure($0) } ?? check(values: values, resource: resource)))
                }
            }
            return out
        }
    }

    static func check(object: JSONValue, resource: Resource) -> Result<CheckedRow, RowProblem> {
        guard case .object(let pairs) = object else { return .failure(RowProblem(field: nil, zh: "每行应为 JSON 对象", en: "each row must be a JSON object")) }
        var values: [String: JSONValue] = [:]
        for (name, raw) in pairs {
            guard let field = resource.field(name) else {
                return .failure(RowProblem(field: name, zh: "\(name) 不是该资源的字段", en: "\(name) is not a field of this resource"))
            }
            switch field.value(from: raw) {
            case .success(let value): if let value { values[name] = value }
            case .failure(let problem): return .failure(problem)
            }
        }
        return check(values: values, resource: resource)
    }

    /// Required fields present; the row in the schema's order with its key and division.
    static func check(values: [String: JSONValue], resource: Resource) -> Result<CheckedRow, RowProblem> {
        if let missing = resource.fields.first(where: { $0.required && values[$0.name] == nil }) {
            return .failure(RowProblem(field: missing.name, zh: "缺少必填字段 \(missing.name)", en: "required field \(missing.name) is missing"))
        }
        guard let key = values[resource.keyField].flatMap(Self.keyText) else {
            return .failure(RowProblem(field: resource.keyField, zh: "主键无效", en: "the key is not valid"))
        }
        let division: String
        if let field = resource.divisionField, case .string(let code)? = values[field] { division = code } else { division = resource.divisionCode }
        let ordered = resource.fields.compactMap { f in values[f.name].map { (f.name, $0) } }
        return .success(CheckedRow(key: key, divisionCode: division, values: ordered))
    }

    /// A key value as text: a string as it is, an integer in decimal.
    static func keyText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s) where s.count <= 200: s
        case .number(let n) where n == n.rounded(): String(Int64(n))
        default: nil
        }
    }
}
