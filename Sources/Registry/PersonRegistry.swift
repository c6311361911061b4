import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// What one batch of source records did.
public struct PersonImportCounts: Sendable, Equatable, Codable {
    /// Rows that brought a source's first record of a person.
    public var imported = 0
    /// Rows that changed a source's record of a person.
    public var updated = 0
    /// Rows identical to the source's current record.
    public var unchanged = 0
    /// Golden records created and changed.
    public var personsCreated = 0
    public var personsChanged = 0

    public init() {}

    public static func += (lhs: inout PersonImportCounts, rhs: PersonImportCounts) {
        lhs.imported += rhs.imported
        lhs.updated += rhs.updated
        lhs.unchanged += rhs.unchanged
        lhs.personsCreated += rhs.personsCreated
        lhs.personsChanged += rhs.personsChanged
    }
}

/// The persons registry (自然人库): every source's records with their provenance, one golden record
/// per person, reads masked unless a grant allows plain values, every read audited.
public struct PersonRegistry: Sendable {
    /// Whether a golden record exists for `idNumber`, in the caller's transaction: a link, not a
    /// read of anyone's data (another module links a reporter or a holder to the registry by it).
    public static func isRegistered(_ idNumber: ResidentID, on db: any SQLDatabase) async throws -> Bool {
        let number = idNumber.rawValue
        return try await db.raw("""
            SELECT 1 AS found FROM persons WHERE id_division = \(bind: String(number.prefix(6))) AND id_number = \(bind: number)
            """).first() != nil
    }

    let store: Store
    let clock: any WallClock
    /// The platform's audit log (its group commit is what makes auditing every read affordable).
    let auditLog: AuditLog

    public init(store: Store, audit: AuditLog, clock: any WallClock = SystemClock()) {
        self.store = store
        self.auditLog = audit
        self.clock = clock
    }

    // MARK: Loading

    /// Stores one batch of a source's records in one transaction: a record identical to the
    /// source's current one changes nothing; a new or different one is kept as the source's next
    /// version, the person's golden record is rebuilt by `GoldenRecordRules`, and each created or
    /// changed golden record goes into the platform change log. One audit entry names the batch.
    /// Each record must name where the person lives, within the caller's scope (`PersonRow.record`
    /// checks that row by row, so a file's rows are refused one by one rather than as a batch).
    /// Re-running a batch that committed changes nothing, so an interrupted import can simply run again.
    public func load(_ records: [PersonSourceRecord], origin: String, by caller: Principal, audit: AuditOrigin) async throws -> PersonImportCounts {
        try caller.require(anyOf: .dataSteward)
        for record in records {
            // Where the person lives decides who sees them: a record must say so, within the caller's scope.
            guard let division = record.values[.divisionCode].flatMap(DivisionCode.init) else {
                throw RegistryError.invalidField("division_code", zh: "\(record.idNumber.masked) 缺少有效的行政区划代码",
                                                 en: "\(record.idNumber.masked) has no valid division_code")
            }
            try caller.requireScope(division)
        }
        guard !records.isEmpty else { return PersonImportCounts() }
        let now = clock.now()
        let dialect = store.dialect
        return try await store.bulkWrite { db, copier in
            let keys = Array(Set(records.map(\.idNumber)))
            var current = try await Self.currentRecords(of: keys, on: db)
            let golden = try await Self.storedGolden(of: keys, on: db)
            var counts = PersonImportCounts()
            var versions: [[BulkValue]] = []
            var touched: [ResidentID] = []
            var touchedSet: Set<ResidentID> = []
            for record in records {
                let key = SourceKey(id: record.idNumber, source: record.source)
                if let held = current[key], held.record.values == record.values {
                    counts.unchanged += 1
                    continue
                }
                let version = (current[key]?.version ?? 0) + 1
                if version == 1 { counts.imported += 1 } else { counts.updated += 1 }
                current[key] = (version, record)
                versions.append(Self.row(record, version: version, origin: origin))
                if touchedSet.insert(record.idNumber).inserted { touched.append(record.idNumber) }
            }
            guard !touched.isEmpty else { return counts }
            var bySource: [ResidentID: [PersonSourceRecord]] = [:]
            for (key, held) in current where touchedSet.contains(key.id) { bySource[key.id, default: []].append(held.record) }
            var goldenRows: [[BulkValue]] = []
            var replaced: [ResidentID] = []
            var changes: [NewChange] = []
            for id in touched {
                guard let person = GoldenRecordRules.merge(bySource[id] ?? []) else { continue }
                let stored = StoredGolden(person)
                if let before = golden[id] {
                    let changed = before.changedFields(to: stored)
                    guard !changed.isEmpty || before.provenance != stored.provenance else { continue }
                    replaced.append(id)
                    counts.personsChanged += 1
                    goldenRows.append(stored.row(createdAt: before.createdAt, updatedAt: now))
                    changes.append(NewChange(module: "registry", recordType: "person", recordKey: id.rawValue, divisionCode: stored.divisionCode,
                                             operation: .updated, fields: changed.isEmpty ? ["provenance"] : changed, actor: caller.auditActor))
                } else {
                    counts.personsCreated += 1
                    goldenRows.append(stored.row(createdAt: now, updatedAt: now))
                    changes.append(NewChange(module: "registry", recordType: "person", recordKey: id.rawValue, divisionCode: stored.divisionCode,
                                             operation: .created, fields: PersonField.allCases.map(\.column), actor: caller.auditActor))
                }
            }
            try await copier.copy(into: "person_records", columns: Self.recordColumns, rows: versions)
            for chunk in replaced.chunked(2_000) {
                try await db.raw("DELETE FROM persons WHERE \(Self.keyMatch(chunk))").run()
            }
            try await copier.copy(into: "persons", columns: StoredGolden.columns, rows: goldenRows)
            try await ChangeLog.record(changes, at: now, dialect: dialect, on: db, copier: copier)
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "registry.person.load", recordType: "file", recordID: origin,
                                                 origin: audit, detail: "\(records.count) rows from \(records[0].source.rawValue): \(counts.imported) new, \(counts.updated) changed, \(counts.unchanged) unchanged; \(counts.personsCreated) persons created, \(counts.personsChanged) changed"),
                                      at: now, dialect: dialect, on: db)
            return counts
        }
    }

    struct SourceKey: Hashable {
        let id: ResidentID
        let source: PersonSource
    }

    static let recordColumns = ["id_division", "id_number", "source", "version", "received_at", "name", "sex", "birth_date", "phone", "address", "division_code", "origin"]

    static func row(_ record: PersonSourceRecord, version: Int, origin: String) -> [BulkValue] {
        func text(_ field: PersonField) -> BulkValue { record.values[field].map { .text($0) } ?? .null }
        return [.text(record.idNumber.registrationDivision), .text(record.idNumber.rawValue), .text(record.source.rawValue), .int(Int64(version)),
                .date(record.receivedAt), text(.name), text(.sex), text(.birthDate), text(.phone), text(.address), text(.divisionCode), .text(origin)]
    }

    /// `(id_division, id_number) IN (VALUES …)` for `ids`: both engines use the primary key.
    static func keyMatch(_ ids: some Collection<ResidentID>) -> SQLQueryString {
        Registry.keyMatch(("id_division", "id_number"), ids.map { ($0.registrationDivision, $0.rawValue) })
    }

    struct RecordRow: Decodable {
        let idNumber: String
        let source: String
        let version: Int
        let receivedAt: Date
        let name: String?
        let sex: String?
        let birthDate: String?
        let phone: String?
        let address: String?
        let divisionCode: String?
        let origin: String

        func record() throws -> PersonSourceRecord {
            guard let id = ResidentID(idNumber), let source = PersonSource(rawValue: source) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "person_records row \(idNumber) / \(self.source) is not a valid ID number and source"))
            }
            var values: [PersonField: String] = [:]
            values[.name] = name
            values[.sex] = sex
            values[.birthDate] = birthDate
            values[.phone] = phone
            values[.address] = address
            values[.divisionCode] = divisionCode
            return PersonSourceRecord(idNumber: id, source: source, receivedAt: receivedAt, values: values)
        }
    }

    /// Each source's newest record of each of `ids`, with its version.
    static func currentRecords(of ids: [ResidentID], on db: any SQLDatabase) async throws -> [SourceKey: (version: Int, record: PersonSourceRecord)] {
        var current: [SourceKey: (version: Int, record: PersonSourceRecord)] = [:]
        for chunk in ids.chunked(2_000) {
            let rows = try await db.raw("SELECT * FROM person_records WHERE \(keyMatch(chunk))")
                .all(decoding: RecordRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            for row in rows {
                let record = try row.record()
                let key = SourceKey(id: record.idNumber, source: record.source)
                if let held = current[key], held.version >= row.version { continue }
                current[key] = (row.version, record)
            }
        }
        return current
    }

    static func storedGolden(of ids: [ResidentID], on db: any SQLDatabase) async throws -> [ResidentID: StoredGolden] {
        var found: [ResidentID: StoredGolden] = [:]
        for chunk in ids.chunked(2_000) {
            for row in try await db.raw("SELECT * FROM persons WHERE \(keyMatch(chunk))").all().map(StoredGolden.init(row:)) {
                if let id = ResidentID(row.idNumber) { found[id] = row }
            }
        }
        return found
    }
}

extension PersonField {
    /// The field's column in the persons tables and its name in files and change-log entries.
    public var column: String {
        switch self {
        case .name: "name"
        case .sex: "sex"
        case .birthDate: "birth_date"
        case .phone: "phone"
        case .address: "address"
        case .divisionCode: "division_code"
        }
    }
}

/// A golden record as the `persons` table holds it: the chosen values in columns, and per field
/// where each came from and who disagrees (`provenance`, JSON).
struct StoredGolden: Decodable, Equatable {
    let idNumber: String
    let name: String?
    let sex: String
    let birthDate: String
    let phone: String?
    let address: String?
    let divisionCode: String
    let sources: String
    let provenance: String
    let createdAt: Date
    let updatedAt: Date

    static let columns = ["id_division", "id_number", "name", "sex", "birth_date", "phone", "address", "division_code", "sources", "provenance",
                          "created_at", "updated_at"]

    /// A persons row, read column by column (no key-conversion pass per column, as the row
    /// decoder with snake-case keys makes).
    init(row: any SQLRow) throws {
        idNumber = try row.decode(column: "id_number", as: String.self)
        name = try row.decode(column: "name", as: String?.self)
        sex = try row.decode(column: "sex", as: String.self)
        birthDate = try row.decode(column: "birth_date", as: String.self)
        phone = try row.decode(column: "phone", as: String?.self)
        address = try row.decode(column: "address", as: String?.self)
        divisionCode = try row.decode(column: "division_code", as: String.self)
        sources = try row.decode(column: "sources", as: String.self)
        provenance = try row.decode(column: "provenance", as: String.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
    }

    init(_ person: Person) {
        idNumber = person.idNumber.rawValue
        name = person.fields[.name]?.value
        sex = person.fields[.sex]?.value ?? person.idNumber.sex.rawValue
        birthDate = person.fields[.birthDate]?.value ?? person.idNumber.birthDate
        phone = person.fields[.phone]?.value
        address = person.fields[.address]?.value
        divisionCode = person.fields[.divisionCode]?.value ?? person.idNumber.registrationDivision
        sources = person.sources.map(\.rawValue).joined(separator: ",")
        provenance = Self.provenanceJSON(person)
        createdAt = .distantPast
        updatedAt = .distantPast
    }

    /// `{"name":{"source":"public-security","receivedAt":"…","disagreeing":["health"]},…}`, keys sorted.
    static func provenanceJSON(_ person: Person) -> String {
        // Each distinct date formatted once (a person's fields mostly come from one record): this
        // runs for every person of an import.
        var json = JSONWriter(capacity: 512)
        var formatted: (date: Date, text: String)?
        json.beginObject()
        for field in sortedFields {
            guard let value = person.fields[field] else { continue }
            json.key(field.rawValue)
            json.beginObject()
            json.field("source", value.source.rawValue)
            json.key("receivedAt")
            if value.receivedAt == .distantPast {
                json.string(nil)
            } else {
                if formatted?.date != value.receivedAt { formatted = (value.receivedAt, value.receivedAt.millisecondISO8601) }
                json.string(formatted?.text)
            }
            json.field("disagreeing", strings: value.disagreeing.map(\.rawValue))
            json.endObject()
        }
        json.endObject()
        return json.text
    }

    private static let sortedFields = PersonField.allCases.sorted { $0.rawValue < $1.rawValue }

    /// The golden fields whose value differs in `other`, by column name.
    func changedFields(to other: StoredGolden) -> [String] {
        var changed: [String] = []
        if name != other.name { changed.append("name") }
        if sex != other.sex { changed.append("sex") }
        if birthDate != other.birthDate { changed.append("birth_date") }
        if phone != other.phone { changed.append("phone") }
        if address != other.address { changed.append("address") }
        if divisionCode != other.divisionCode { changed.append("division_code") }
        return changed
    }

    func row(createdAt: Date, updatedAt: Date) -> [BulkValue] {
        func text(_ value: String?) -> BulkValue { value.map { .text($0) } ?? .null }
        return [.text(String(idNumber.prefix(6))), .text(idNumber), text(name), .text(sex), .text(birthDate), text(phone), text(address), .text(divisionCode),
                .text(sources), .text(provenance), .date(createdAt), .date(updatedAt)]
    }
}
