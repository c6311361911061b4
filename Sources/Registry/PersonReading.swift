import CityCore
import CityStore
import Exchange
import Foundation
import Synchronization
import Identity
import SQLKit

/// How a reader wants personal fields: masked (the default) or plain, which needs a grant and a purpose.
public enum PersonView: String, Sendable, Codable, CaseIterable {
    case masked, plain
}

/// Who may read persons, and how. Plain values need an ordinary exchange grant with plain values
/// on the registry's resource (`persons`, or `entities` for representatives), held by the
/// caller's organisation and read by its data stewards; the big-data bureaus hold standing grants
/// the seed writes (revocable like any other). Everyone else reads masked values.
public enum PersonGrants {
    /// Whether `caller` may see plain personal values of `resource` now.
    public static func allowsPlain(_ caller: Principal, resource: String, store: Store, at now: Date) async throws -> Bool {
        guard caller.kind == .staff, caller.roles.contains(.dataSteward) else { return false }
        return try await SharingDesk.holdsPlain(resource, organisation: caller.organisationCode, at: now, store: store)
    }

    /// Whether `caller`'s work needs names (those who contact or serve people: the roles that may
    /// read persons at all, besides platform administrators); others see names masked too.
    public static func needsNames(_ caller: Principal) -> Bool {
        !caller.roles.isDisjoint(with: [.dataSteward, .departmentHandler, .commandOperator, .dispatcher, .inspector])
    }
}

extension PersonGrants {
    /// Checks that `caller` may read personal data (of persons, or of legal entities'
    /// representatives) in `view`, and what they are shown. (A refusal is audited where it is
    /// answered: the HTTP layer audits every 403.)
    static func disclosure(_ view: PersonView, of resource: String, to caller: Principal, origin: AuditOrigin, store: Store,
                           at now: Date) async throws -> Disclosure {
        try caller.require(anyOf: .dataSteward, .departmentHandler, .commandOperator, .dispatcher, .inspector)
        _ = try caller.staffScope()
        guard view == .plain else { return Disclosure(plain: false, names: needsNames(caller)) }
        guard try await allowsPlain(caller, resource: resource, store: store, at: now) else { throw RegistryError.noGrantForPlain }
        guard origin.statedPurpose != nil else { throw RegistryError.purposeRequired }
        return Disclosure(plain: true, names: true)
    }
}

/// A field's provenance in the golden record, as readers see it.
public struct FieldProvenance: Sendable, Equatable, Codable {
    public let source: PersonSource
    /// When that source's record was received; nil when the ID number itself is the source.
    public let receivedAt: Date?
    public let disagreeing: [PersonSource]
}

/// A person as a reader sees them: the golden record, masked or plain, with provenance.
public struct PersonRecord: Sendable, Equatable, Codable {
    public let idNumber: String
    public let name: String?
    public let sex: Sex
    public let birthDate: String
    public let phone: String?
    public let address: String?
    public let divisionCode: String
    public let sources: [PersonSource]
    public let provenance: [String: FieldProvenance]
    public let masked: Bool
    public let createdAt: Date
    public let updatedAt: Date
}

/// One version of one source department's record (of a person or a legal entity), as a history
/// shows it.
public struct SourceRecordVersion<Source: Sendable & Equatable & Codable>: Sendable, Equatable, Codable {
    public let source: Source
    public let version: Int
    public let receivedAt: Date
    /// The file or request it came in.
    public let origin: String
    /// The fields that differ from this source's previous version (all of them for the first).
    public let changed: [String]
    public let values: [String: String]
}

public typealias PersonRecordVersion = SourceRecordVersion<PersonSource>

/// A person's history: every source record version, newest first.
public struct PersonHistory: Sendable, Equatable, Codable {
    public let idNumber: String
    public let masked: Bool
    public let versions: [PersonRecordVersion]
}

/// What a reader is shown: plain values, or masked ones with or without names.
struct Disclosure {
    let plain: Bool
    /// Whether names are shown (always with plain values; masked values show them to those whose work needs them).
    let names: Bool

    func show(_ field: PersonField, _ value: String) -> String {
        if plain { return value }
        return switch field {
        case .name: names ? value : Mask.name(value)
        case .phone: Mask.phone(value)
        case .address: Mask.address(value)
        case .birthDate: Mask.birthDate(value)
        case .sex, .divisionCode: value
        }
    }

    func showIDNumber(_ text: String) -> String { plain ? text : Mask.idNumber(text) }
}

extension PersonRegistry {
    /// Whether `caller` may ask for plain values of `resource` (`persons` or `entities`) now.
    public func allowsPlain(_ caller: Principal, resource: String = "persons") async throws -> Bool {
        try await PersonGrants.allowsPlain(caller, resource: resource, store: store, at: clock.now())
    }

    /// The golden record of `id`, within the caller's scope. Plain values need `view: .plain`, a
    /// grant and a stated purpose; every read (plain, masked or refused) is audited with its purpose.
    /// A person outside the caller's scope is answered as unknown, so scope does not reveal who exists.
    public func person(_ id: ResidentID, view: PersonView = .masked, by caller: Principal, origin: AuditOrigin) async throws -> PersonRecord {
        let disclosure = try await PersonGrants.disclosure(view, of: "persons", to: caller, origin: origin, store: store, at: clock.now())
        let found = try await store.readRows("SELECT * FROM persons WHERE \(Self.keyMatch([id]))").first
            .map(StoredGolden.init(row:))
        let stored = try await visible(id, action: "registry.person.read", by: caller, origin: origin, found)
        let record = try stored.record(disclosure)
        try await audit(caller, "registry.person.read", id.rawValue, origin, outcome: "ok", division: stored.divisionCode, detail: disclosure.plain ? "plain" : "masked")
        return record
    }

    /// Whether the registry's name for `id` is `name` (核验): yes or no, and the person's division,
    /// without disclosing the name, so a department can check what an applicant states against the
    /// registry without a plain grant. Audited like a read; outside the scope the person is unknown.
    public func confirm(_ id: ResidentID, name: String, by caller: Principal, origin: AuditOrigin) async throws -> (matches: Bool, divisionCode: String) {
        let found = try await store.readRows("SELECT * FROM persons WHERE \(Self.keyMatch([id]))").first
            .map(StoredGolden.init(row:))
        let stored = try await visible(id, action: "registry.person.confirm", by: caller, origin: origin, found)
        let matches = stored.name == name.trimmingCharacters(in: .whitespaces)
        try await audit(caller, "registry.person.confirm", id.rawValue, origin, outcome: "ok", division: stored.divisionCode, detail: matches ? "name matches" : "name differs")
        return (matches, stored.divisionCode)
    }

    /// Persons named `name` (or whose name starts with it, with `prefix`) in `division` (default:
    /// the caller's scope), ordered by name then ID number. Audited as one read naming the query
    /// and the ID numbers returned. `total` counts up to 10,000.
    public func search(name: String, prefix: Bool = false, division: DivisionCode? = nil, page: PageRequest, view: PersonView = .masked,
                       by caller: Principal, origin: AuditOrigin) async throws -> Page<PersonRecord> {
        let search = try NameSearch(name: name, prefix: prefix, division: division, maxLength: 64, what: ("姓名", "name"), by: caller)
        let disclosure = try await PersonGrants.disclosure(view, of: "persons", to: caller, origin: origin, store: store, at: clock.now())
        let (rows, total) = try await search.run("persons", key: "id_number", page: page, on: store, StoredGolden.init(row:))
        let items = try rows.map { try $0.record(disclosure) }
        try await audit(caller, "registry.person.search", nil, origin, outcome: "ok", division: search.within.root.rawValue,
                        detail: search.auditDetail(shown: rows.map(\.idNumber), total: total, plain: disclosure.plain))
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Every version of every source's record of `id`, newest first, masked as `person` masks.
    public func history(_ id: ResidentID, view: PersonView = .masked, by caller: Principal, origin: AuditOrigin) async throws -> PersonHistory {
        let disclosure = try await PersonGrants.disclosure(view, of: "persons", to: caller, origin: origin, store: store, at: clock.now())
        let (stored, rows) = try await store.read { db in
            let stored = try await Self.storedGolden(of: [id], on: db)[id]
            let rows = try await db.raw("SELECT * FROM person_records WHERE \(Self.keyMatch([id])) ORDER BY source, version")
                .all(decoding: RecordRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (stored, rows)
        }
        let person = try await visible(id, action: "registry.person.history", by: caller, origin: origin, stored)
        var previous: [PersonSource: PersonSourceRecord] = [:]
        var versions: [PersonRecordVersion] = []
        for row in rows {
            let record = try row.record()
            let before = previous[record.source]
            let changed = PersonField.allCases.filter { before == nil ? record.values[$0] != nil : before?.values[$0] != record.values[$0] }.map(\.column)
            previous[record.source] = record
            var values: [String: String] = [:]
            for (field, value) in record.values { values[field.column] = disclosure.show(field, value) }
            versions.append(PersonRecordVersion(source: record.source, version: row.version, receivedAt: row.receivedAt, origin: row.origin,
                                                changed: changed, values: values))
        }
        versions.sort { ($0.receivedAt, $0.source.rawValue, $0.version) > ($1.receivedAt, $1.source.rawValue, $1.version) }
        try await audit(caller, "registry.person.history", id.rawValue, origin, outcome: "ok", division: person.divisionCode,
                        detail: "\(versions.count) versions, \(disclosure.plain ? "plain" : "masked")")
        return PersonHistory(idNumber: disclosure.showIDNumber(id.rawValue), masked: !disclosure.plain, versions: versions)
    }

    /// `stored` when the caller's scope holds it; otherwise the read is audited as `not-found` and
    /// answered as unknown, like a number nobody holds.
    func visible(_ id: ResidentID, action: String, by caller: Principal, origin: AuditOrigin, _ stored: StoredGolden?) async throws -> StoredGolden {
        guard let stored, caller.canSee(try DivisionCode.stored(stored.divisionCode, column: "persons.division_code")) else {
            try await audit(caller, action, id.rawValue, origin, outcome: "not-found", detail: nil)
            throw RegistryError.unknownPerson
        }
        return stored
    }

    func audit(_ caller: Principal, _ action: String, _ recordID: String?, _ origin: AuditOrigin, outcome: String, division: String? = nil,
               detail: String?) async throws {
        try await auditLog.append(AuditEntry(actor: caller.auditActor, action: action, recordType: "person", recordID: recordID,
                                             divisionCode: division, origin: origin, outcome: outcome, detail: detail))
    }
}

private let provenanceMemo = Mutex<[String: [String: FieldProvenance]]>([:])

extension StoredGolden {
    struct ProvenanceJSON: Decodable {
        let source: PersonSource
        let receivedAt: String?
        let disagreeing: [PersonSource]
    }

    /// The stored provenance, read. The text is a pure function of a load (every person of one
    /// file from one source shares it), so the parsed form is remembered per text: a bounded memo
    /// of this process, correct for every process because it only caches a parse.
    static func parseProvenance(_ text: String) throws -> [String: FieldProvenance] {
        if let known = provenanceMemo.withLock({ $0[text] }) { return known }
        let parsed = try JSONDecoder().decode([String: ProvenanceJSON].self, from: Data(text.utf8))
        var provenance: [String: FieldProvenance] = [:]
        for (key, value) in parsed {
            let column = PersonField(rawValue: key)?.column ?? key
            provenance[column] = FieldProvenance(source: value.source, receivedAt: value.receivedAt.flatMap { try? Date($0, strategy: .iso8601) },
                                                 disagreeing: value.disagreeing)
        }
        provenanceMemo.withLock { memo in
            if memo.count >= 4_096 { memo.removeAll(keepingCapacity: true) }
            memo[text] = provenance
        }
        return provenance
    }

    func record(_ disclosure: Disclosure) throws -> PersonRecord {
        let provenance = try Self.parseProvenance(provenance)
        guard let sex = Sex(rawValue: sex) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "persons.sex \(self.sex) of \(idNumber) is not male or female"))
        }
        func show(_ field: PersonField, _ value: String?) -> String? { value.map { disclosure.show(field, $0) } }
        return PersonRecord(idNumber: disclosure.showIDNumber(idNumber), name: show(.name, name), sex: sex,
                            birthDate: show(.birthDate, birthDate) ?? "", phone: show(.phone, phone), address: show(.address, address),
                            divisionCode: divisionCode, sources: sources.split(separator: ",").compactMap { PersonSource(rawValue: String($0)) },
                            provenance: provenance, masked: !disclosure.plain, createdAt: createdAt, updatedAt: updatedAt)
    }
}
