import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

public typealias EntityRecordVersion = SourceRecordVersion<EntitySource>

/// A legal entity's history: every source record version, newest first.
public struct EntityHistory: Sendable, Equatable {
    public let creditCode: String
    public let masked: Bool
    public let versions: [EntityRecordVersion]
}

extension EntityRegistry {
    /// The golden record of `code` within the caller's scope (its registered division), the legal
    /// representative's ID number masked unless `view: .plain` with a grant and a purpose. Every
    /// read is audited (the representative is a person); outside the scope it is unknown.
    public func entity(_ code: CreditCode, view: PersonView = .masked, by caller: Principal, origin: AuditOrigin) async throws -> EntityRecord {
        let disclosure = try await PersonGrants.disclosure(view, of: "entities", to: caller, origin: origin, store: store, at: clock.now())
        let found = try await store.read { db in try await Self.storedGolden(of: [code], on: db)[code] }
        let golden = try await visible(code, action: "registry.entity.read", by: caller, origin: origin, found)
        let record = try golden.record(disclosure)
        try await audit(caller, "registry.entity.read", code.rawValue, origin, outcome: "ok", division: record.divisionCode, detail: disclosure.plain ? "plain" : "masked")
        return record
    }

    /// Legal entities named `name` (or whose name starts with it, with `prefix`) in `division`
    /// (default: the caller's scope), ordered by name then credit code. Audited as one read naming
    /// the query and the codes returned (their representatives are persons). `total` counts up to
    /// 10,000. Uses the `(name, division_code)` index, as the persons search does.
    public func search(name: String, prefix: Bool = false, division: DivisionCode? = nil, page: PageRequest, view: PersonView = .masked,
                       by caller: Principal, origin: AuditOrigin) async throws -> Page<EntityRecord> {
        let search = try NameSearch(name: name, prefix: prefix, division: division, maxLength: 200, what: ("名称", "name"), by: caller)
        let disclosure = try await PersonGrants.disclosure(view, of: "entities", to: caller, origin: origin, store: store, at: clock.now())
        let (rows, total) = try await search.run("entities", key: "credit_code", page: page, on: store) {
            try $0.decode(model: GoldenRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        let items = try rows.map { try $0.record(disclosure) }
        try await audit(caller, "registry.entity.search", nil, origin, outcome: "ok", division: search.within.root.rawValue,
                        detail: search.auditDetail(shown: rows.map(\.creditCode), total: total, plain: disclosure.plain))
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Every version of every source's record of `code`, newest first, the representative masked
    /// as `entity` masks it.
    public func history(_ code: CreditCode, view: PersonView = .masked, by caller: Principal, origin: AuditOrigin) async throws -> EntityHistory {
        let disclosure = try await PersonGrants.disclosure(view, of: "entities", to: caller, origin: origin, store: store, at: clock.now())
        let (stored, rows) = try await store.read { db in
            let stored = try await Self.storedGolden(of: [code], on: db)[code]
            let rows = try await db.raw("SELECT * FROM entity_records WHERE \(Self.match([code])) ORDER BY source, version")
                .all(decoding: RecordRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (stored, rows)
        }
        let golden = try await visible(code, action: "registry.entity.history", by: caller, origin: origin, stored)
        var previous: [EntitySource: EntitySourceRecord] = [:]
        var versions: [EntityRecordVersion] = []
        for row in rows {
            let record = try row.record()
            let before = previous[record.source]
            let changed = EntityField.allCases.filter { before == nil ? record.values[$0] != nil : before?.values[$0] != record.values[$0] }.map(\.column)
            previous[record.source] = record
            var values: [String: String] = [:]
            for (field, value) in record.values { values[field.column] = field == .legalRepIdNumber ? disclosure.showIDNumber(value) : value }
            versions.append(EntityRecordVersion(source: record.source, version: row.version, receivedAt: row.receivedAt, origin: row.origin,
                                                changed: changed, values: values))
        }
        versions.sort { ($0.receivedAt, $0.source.rawValue, $0.version) > ($1.receivedAt, $1.source.rawValue, $1.version) }
        try await audit(caller, "registry.entity.history", code.rawValue, origin, outcome: "ok", division: golden.divisionCode,
                        detail: "\(versions.count) versions, \(disclosure.plain ? "plain" : "masked")")
        return EntityHistory(creditCode: code.rawValue, masked: !disclosure.plain, versions: versions)
    }

    /// `found` when the caller's scope holds it; otherwise the read is audited as `not-found` and
    /// answered as unknown, like a code nobody holds.
    func visible(_ code: CreditCode, action: String, by caller: Principal, origin: AuditOrigin, _ found: GoldenRow?) async throws -> GoldenRow {
        guard let found, let division = found.divisionCode.flatMap(DivisionCode.init), caller.canSee(division) else {
            try await audit(caller, action, code.rawValue, origin, outcome: "not-found", division: nil, detail: nil)
            throw RegistryError.unknownEntity
        }
        return found
    }

    func audit(_ caller: Principal, _ action: String, _ code: String?, _ origin: AuditOrigin, outcome: String, division: String?, detail: String?) async throws {
        try await auditLog.append(AuditEntry(actor: caller.auditActor, action: action, recordType: "entity", recordID: code,
                                             divisionCode: division, origin: origin, outcome: outcome, detail: detail))
    }
}

extension EntityRegistry.GoldenRow {
    struct ProvenanceJSON: Decodable { let source: EntitySource; let receivedAt: String?; let disagreeing: [EntitySource] }

    /// The entity as `disclosure` lets the reader see it.
    func record(_ disclosure: Disclosure) throws -> EntityRecord {
        guard let code = CreditCode(creditCode), let division = divisionCode.flatMap(DivisionCode.init) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "entities row \(creditCode) has no valid code or division"))
        }
        let parsed = try JSONDecoder().decode([String: ProvenanceJSON].self, from: Data(provenance.utf8))
        return EntityRecord(
            creditCode: creditCode, name: name ?? "", kind: kind ?? code.kind,
            legalRepIdNumber: legalRepIdNumber.map(disclosure.showIDNumber), address: address, divisionCode: division.rawValue,
            status: status.flatMap(EntityStatus.init) ?? .active, statusDate: statusDate, businessScope: businessScope,
            registeredElsewhere: registeredElsewhere, sources: sources.split(separator: ",").compactMap { EntitySource(rawValue: String($0)) },
            provenance: parsed.mapValues { EntityFieldProvenance(source: $0.source, receivedAt: $0.receivedAt.flatMap { try? Date($0, strategy: .iso8601) }, disagreeing: $0.disagreeing) },
            masked: !disclosure.plain, updatedAt: updatedAt)
    }
}
