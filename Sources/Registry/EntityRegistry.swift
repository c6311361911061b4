import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// A legal entity as a reader sees it: the golden record, the legal representative's ID number
/// masked unless plain, with provenance.
public struct EntityRecord: Sendable, Equatable, Codable {
    public let creditCode: String
    public let name: String
    public let kind: String
    public let legalRepIdNumber: String?
    public let address: String?
    public let divisionCode: String
    public let status: EntityStatus
    public let statusDate: String?
    public let businessScope: String?
    /// The code's registration division lies outside the city (a branch registered elsewhere).
    public let registeredElsewhere: Bool
    public let sources: [EntitySource]
    public let provenance: [String: EntityFieldProvenance]
    public let masked: Bool
    public let updatedAt: Date
}

/// Where an entity's golden field came from, and who says otherwise.
public struct EntityFieldProvenance: Sendable, Equatable, Codable {
    public let source: EntitySource
    /// When that source's record was received; nil when the code itself is the source.
    public let receivedAt: Date?
    public let disagreeing: [EntitySource]
}

/// The legal-entity registry (法人库): every source department's records kept in versions, one
/// golden record per entity by `LegalEntity.merge`, every change in the platform change log, every
/// read audited. Keyed by the registration division (the code's characters 3-8) and the code, so
/// Citus could distribute it as it does persons.
public struct EntityRegistry: Sendable {
    let store: Store
    let clock: any WallClock
    let auditLog: AuditLog

    public init(store: Store, audit: AuditLog, clock: any WallClock = SystemClock()) {
        self.store = store
        self.auditLog = audit
        self.clock = clock
    }

    static let recordColumns = ["reg_division", "credit_code", "source", "version", "received_at"] + EntityField.allCases.map(\.column) + ["origin"]
    static let goldenColumns = ["reg_division", "credit_code"] + EntityField.allCases.map(\.column)
        + ["registered_elsewhere", "sources", "provenance", "created_at", "updated_at"]

    /// Stores one batch of a source's records in one transaction, as `PersonRegistry.load` does for persons.
    public func load(_ records: [EntitySourceRecord], origin: String, by caller: Principal, audit: AuditOrigin) async throws -> (imported: Int, updated: Int, unchanged: Int) {
        try caller.require(anyOf: .dataSteward)
        for record in records {
            guard let division = record.values[.divisionCode].flatMap(DivisionCode.init) else {
                throw RegistryError.invalidField("division_code", zh: "\(record.creditCode) 缺少有效的行政区划代码", en: "\(record.creditCode) has no valid division_code")
            }
            try caller.requireScope(division)
        }
        guard !records.isEmpty else { return (0, 0, 0) }
        let now = clock.now()
        let dialect = store.dialect
        return try await store.bulkWrite { db, copier in
            let codes = Array(Set(records.map(\.creditCode)))
            var current = try await Self.currentRecords(of: codes, on: db)
            let golden = try await Self.storedGolden(of: codes, on: db)
            var counts = (imported: 0, updated: 0, unchanged: 0)
            var versions: [[BulkValue]] = []
            var touched: [CreditCode] = []
            var touchedSet: Set<CreditCode> = []
            for record in records {
                let key = "\(record.creditCode.rawValue)/\(record.source.rawValue)"
                if let held = current[key], held.record.values == record.values {
                    counts.unchanged += 1
                    continue
                }
                let version = (current[key]?.version ?? 0) + 1
                if version == 1 { counts.imported += 1 } else { counts.updated += 1 }
                current[key] = (version, record)
                func text(_ field: EntityField) -> BulkValue { record.values[field].map { .text($0) } ?? .null }
                versions.append([.text(Self.regDivision(record.creditCode)), .text(record.creditCode.rawValue), .text(record.source.rawValue),
                                 .int(Int64(version)), .date(record.receivedAt)] + EntityField.allCases.map(text) + [.text(origin)])
                if touchedSet.insert(record.creditCode).inserted { touched.append(record.creditCode) }
            }
            guard !touched.isEmpty else { return counts }
            var byCode: [CreditCode: [EntitySourceRecord]] = [:]
            for held in current.values where touchedSet.contains(held.record.creditCode) { byCode[held.record.creditCode, default: []].append(held.record) }
            var rows: [[BulkValue]] = []
            var replaced: [CreditCode] = []
            var changes: [NewChange] = []
            for code in touched {
                guard let entity = LegalEntity.merge(byCode[code] ?? []) else { continue }
                let row = Self.goldenRow(entity)
                let division = entity.fields[.divisionCode]?.value
                if let before = golden[code] {
                    let changed = zip(Self.goldenColumns, zip(before.values, row)).filter { $0.1.0 != $0.1.1 }.map(\.0)
                    guard !changed.isEmpty else { continue }
                    replaced.append(code)
                    rows.append(row + [.date(before.createdAt), .date(now)])
                    changes.append(NewChange(module: "registry", recordType: "entity", recordKey: code.rawValue, divisionCode: division, operation: .updated,
                                             fields: changed, actor: caller.auditActor))
                } else {
                    rows.append(row + [.date(now), .date(now)])
                    changes.append(NewChange(module: "registry", recordType: "entity", recordKey: code.rawValue, divisionCode: division, operation: .created,
                                             fields: EntityField.allCases.map(\.column), actor: caller.auditActor))
                }
            }
            try await copier.copy(into: "entity_records", columns: Self.recordColumns, rows: versions)
            for chunk in replaced.chunked(1_000) {
                for (division, group) in Dictionary(grouping: chunk, by: Self.regDivision) {
                    try await db.raw("DELETE FROM entities WHERE reg_division = \(bind: division) AND credit_code IN (\(binds: group.map(\.rawValue)))").run()
                }
            }
            try await copier.copy(into: "entities", columns: Self.goldenColumns, rows: rows)
            try await ChangeLog.record(changes, at: now, dialect: dialect, on: db, copier: copier)
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "registry.entity.load", recordType: "file", recordID: origin, origin: audit,
                                                 detail: "\(records.count) rows from \(records[0].source.rawValue): \(counts.imported) new, \(counts.updated) changed, \(counts.unchanged) unchanged"),
                                      at: now, dialect: dialect, on: db)
            return counts
        }
    }

    /// The code's registration division (characters 3-8), the distribution key.
    static func regDivision(_ code: CreditCode) -> String { String(code.rawValue.dropFirst(2).prefix(6)) }

    /// The golden record as its columns (without the two timestamps).
    static func goldenRow(_ entity: LegalEntity) -> [BulkValue] {
        var provenance: [String] = []
        for field in EntityField.allCases.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let value = entity.fields[field] else { continue }
            let received = value.receivedAt == .distantPast ? "null" : "\"\(value.receivedAt.millisecondISO8601)\""
            provenance.append("\"\(field.column)\":{\"source\":\"\(value.source.rawValue)\",\"receivedAt\":\(received),\"disagreeing\":["
                              + value.disagreeing.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]}")
        }
        return [.text(regDivision(entity.creditCode)), .text(entity.creditCode.rawValue)]
            + EntityField.allCases.map { entity.fields[$0].map { .text($0.value) } ?? .null }
            + [.bool(entity.registeredElsewhere), .text(entity.sources.map(\.rawValue).joined(separator: ",")), .text("{" + provenance.joined(separator: ",") + "}")]
    }

    struct RecordRow: Decodable {
        let creditCode: String; let source: String; let version: Int; let receivedAt: Date; let origin: String
        let name: String?; let kind: String?; let legalRepIdNumber: String?; let address: String?; let divisionCode: String?
        let status: String?; let statusDate: String?; let businessScope: String?

        func record() throws -> EntitySourceRecord {
            guard let code = CreditCode(creditCode), let source = EntitySource(rawValue: source) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "entity_records row \(creditCode) / \(self.source) is not a valid code and source"))
            }
            let values: [EntityField: String?] = [.name: name, .kind: kind, .legalRepIdNumber: legalRepIdNumber, .address: address, .divisionCode: divisionCode,
                                                  .status: status, .statusDate: statusDate, .businessScope: businessScope]
            return EntitySourceRecord(creditCode: code, source: source, receivedAt: receivedAt, values: values.compactMapValues { $0 })
        }
    }

    struct GoldenRow: Decodable {
        let creditCode: String; let name: String?; let kind: String?; let legalRepIdNumber: String?; let address: String?; let divisionCode: String?
        let status: String?; let statusDate: String?; let businessScope: String?; let registeredElsewhere: Bool; let sources: String; let provenance: String
        let createdAt: Date; let updatedAt: Date

        /// The same values `goldenRow` writes, for comparing.
        var values: [BulkValue] {
            func text(_ s: String?) -> BulkValue { s.map { .text($0) } ?? .null }
            return [.text(String(creditCode.dropFirst(2).prefix(6))), .text(creditCode), text(name), text(kind), text(legalRepIdNumber), text(address),
                    text(divisionCode), text(status), text(statusDate), text(businessScope), .bool(registeredElsewhere), .text(sources), .text(provenance)]
        }
    }

    static func match(_ codes: some Collection<CreditCode>) -> SQLQueryString {
        keyMatch(("reg_division", "credit_code"), codes.map { (regDivision($0), $0.rawValue) })
    }

    static func currentRecords(of codes: [CreditCode], on db: any SQLDatabase) async throws -> [String: (version: Int, record: EntitySourceRecord)] {
        var current: [String: (version: Int, record: EntitySourceRecord)] = [:]
        for chunk in codes.chunked(2_000) {
            for row in try await db.raw("SELECT * FROM entity_records WHERE \(match(chunk))").all(decoding: RecordRow.self, keyDecodingStrategy: .convertFromSnakeCase) {
                let key = "\(row.creditCode)/\(row.source)"
                if let held = current[key], held.version >= row.version { continue }
                current[key] = (row.version, try row.record())
            }
        }
        return current
    }

    static func storedGolden(of codes: [CreditCode], on db: any SQLDatabase) async throws -> [CreditCode: GoldenRow] {
        var found: [CreditCode: GoldenRow] = [:]
        for chunk in codes.chunked(2_000) {
            for row in try await db.raw("SELECT * FROM entities WHERE \(match(chunk))").all(decoding: GoldenRow.self, keyDecodingStrategy: .convertFromSnakeCase) {
                if let code = CreditCode(row.creditCode) { found[code] = row }
            }
        }
        return found
    }
}

/// An entities file's importer.
public typealias EntityImporter = RegistryImporter<EntityRegistry>

extension EntityRegistry: SourceFileLoader {
    public static var columns: [String] { EntityRow.columns }
    public static var repeatedKeyReason: String { "credit_code repeats an earlier row of this file / 统一社会信用代码在本文件中重复" }
    public static func record(_ values: [String: String], source: EntitySource, receivedAt: Date, scope: DivisionScope,
                              today: Date) -> Result<EntitySourceRecord, RowRejection> {
        EntityRow.record(values, source: source, receivedAt: receivedAt, scope: scope, today: today)
    }
    public static func key(of record: EntitySourceRecord) -> String { record.creditCode.rawValue }
    public func loadBatch(_ records: [EntitySourceRecord], origin: String, by caller: Principal, audit: AuditOrigin) async throws -> (imported: Int, updated: Int, unchanged: Int) {
        try await load(records, origin: origin, by: caller, audit: audit)
    }
}
