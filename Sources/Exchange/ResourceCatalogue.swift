import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// The catalogue (政务信息资源目录): every resource with its metadata and sharing terms. The
/// registries and the cases are entered by the platform itself; departments publish their
/// thematic datasets. Any member of staff or system may browse it; only a provider's data
/// stewards publish for their organisation.
public struct ResourceCatalogue: Sendable {
    let store: Store
    let clock: any WallClock
    /// Serialises catalogue-code assignment across processes.
    static let lockKey: Int64 = 0x4558_4348_0001

    public init(store: Store, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    // MARK: Reading

    /// A resource by catalogue code or short code; nil when there is none.
    public func find(_ code: String) async throws -> Resource? {
        try await store.read { db in try await Self.find(code, on: db) }
    }

    static func find(_ code: String, on db: any SQLDatabase) async throws -> Resource? {
        try await db.raw("SELECT * FROM exchange_resources WHERE code = \(bind: code) OR short_code = \(bind: code)")
            .first(decoding: ResourceRow.self, keyDecodingStrategy: .convertFromSnakeCase)?.resource()
    }

    /// A resource, for staff and systems.
    public func resource(_ code: String, by caller: Principal) async throws -> Resource {
        try Self.requireReader(caller)
        guard let resource = try await find(code) else { throw ExchangeError.unknownResource }
        return resource
    }

    /// The catalogue, searched by words in the name, summary or code, optionally of one provider, by code.
    public func list(search: String? = nil, provider: String? = nil, kind: ResourceKind? = nil, page: PageRequest, by caller: Principal) async throws -> Page<Resource> {
        try Self.requireReader(caller)
        let words = search?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard words.count <= 100 else { throw ExchangeError.invalidField("q", zh: "检索词不超过 100 个字符", en: "q must be at most 100 characters") }
        return try await store.read { db in
            var filter: SQLQueryString = " WHERE 1 = 1"
            if !words.isEmpty {
                let like = "%" + words.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
                filter += " AND (LOWER(name) LIKE \(bind: like) OR LOWER(COALESCE(name_en, '')) LIKE \(bind: like) OR LOWER(summary) LIKE \(bind: like)"
                filter += " OR code LIKE \(bind: like) OR COALESCE(short_code, '') LIKE \(bind: like))"
            }
            if let provider { filter += " AND provider_code = \(bind: provider)" }
            if let kind { filter += " AND kind = \(bind: kind.rawValue)" }
            struct Count: Decodable { let n: Int }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM exchange_resources" + filter).first(decoding: Count.self)?.n ?? 0
            let rows = try await db.raw("SELECT * FROM exchange_resources" + filter + " ORDER BY code LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)")
                .all(decoding: ResourceRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            return Page(items: try rows.map { try $0.resource() }, total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// Who may browse: staff of any role, and other government systems (API keys).
    static func requireReader(_ caller: Principal) throws {
        guard caller.kind == .staff || caller.kind == .apiKey || caller.kind == .commandLine else { throw IdentityError.missingRole([.dataSteward]) }
    }

    // MARK: Statistics

    /// A resource's use: consumers holding a live grant, calls and rows served this month (UTC+8).
    public struct Statistics: Sendable, Equatable {
        public let consumers: Int
        public let liveGrants: Int
        public let calls: Int
        public let rows: Int
        public let month: String
    }

    public func statistics(_ code: String, by caller: Principal) async throws -> Statistics {
        let resource = try await resource(code, by: caller)
        let now = clock.now()
        let month = Self.month(of: now)
        return try await store.read { db in
            struct Grants: Decodable { let consumers: Int; let grants: Int }
            struct Use: Decodable { let calls: Int?; let rows: Int? }
            let grants = try await db.raw("""
                SELECT COUNT(DISTINCT consumer_code) AS consumers, COUNT(*) AS grants FROM exchange_grants
                WHERE resource_code = \(bind: resource.code) AND revoked_at IS NULL AND expires_at > \(bind: now)
                """).first(decoding: Grants.self)
            let use = try await db.raw("""
                SELECT CAST(SUM(calls) AS BIGINT) AS calls, CAST(SUM(row_count) AS BIGINT) AS rows FROM exchange_usage WHERE resource_code = \(bind: resource.code) AND month = \(bind: month)
                """).first(decoding: Use.self)
            return Statistics(consumers: grants?.consumers ?? 0, liveGrants: grants?.grants ?? 0, calls: use?.calls ?? 0, rows: use?.rows ?? 0, month: month)
        }
    }

    /// `YYYY-MM` in China's time, the month usage is counted in.
    static func month(of date: Date) -> String {
        String(date.addingTimeInterval(8 * 3600).millisecondISO8601.prefix(7))
    }

    // MARK: Publishing

    /// Publishes a department's thematic dataset: the caller's organisation provides it.
    public func publish(_ dataset: NewDataset, by caller: Principal, origin: AuditOrigin) async throws -> Resource {
        try caller.require(anyOf: .dataSteward)
        let scope = try caller.staffScope()
        guard let provider = caller.organisationCode else { throw ExchangeError.notProvider }
        try Self.validate(dataset)
        let now = clock.now()
        let dialect = store.dialect
        return try await store.write { db in
            try await dialect.lockForTransaction(Self.lockKey, on: db)
            if let short = dataset.shortCode, try await Self.find(short, on: db) != nil { throw ExchangeError.shortCodeTaken(short) }
            struct Count: Decodable { let n: Int }
            let serial = (try await db.raw("SELECT COUNT(*) AS n FROM exchange_resources WHERE provider_code = \(bind: provider)").first(decoding: Count.self)?.n ?? 0) + 1
            let code = "\(provider).\(String(format: "%04d", serial))"
            let resource = Resource(code: code, shortCode: dataset.shortCode, name: dataset.name, nameEn: dataset.nameEn, providerCode: provider,
                                    divisionCode: scope.root.rawValue, summary: dataset.summary, kind: .dataset, keyField: dataset.keyField, divisionField: dataset.divisionField,
                                    fields: dataset.fields, updateCycle: dataset.updateCycle, sharing: dataset.sharing, sharingBasis: dataset.sharingBasis,
                                    openness: dataset.openness, recordTypes: [Self.datasetRecordType(code)], createdAt: now, updatedAt: now)
            try await Self.insert(resource, on: db)
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "exchange.resource.publish", recordType: "resource", recordID: code,
                                                 divisionCode: scope.root.rawValue, origin: origin, detail: dataset.name), at: now, dialect: dialect, on: db)
            try await ChangeLog.record([NewChange(module: "exchange", recordType: "resource", recordKey: code, divisionCode: scope.root.rawValue,
                                                  operation: .created, fields: ["name", "fields", "sharing", "openness"], actor: caller.auditActor)],
                                       at: now, dialect: dialect, on: db)
            return resource
        }
    }

    /// The change-log record type of a dataset's rows.
    static func datasetRecordType(_ code: String) -> String { "dataset:" + code }

    /// Enters (or refreshes) the platform's own resources: the registries and the cases. Their
    /// terms follow the release; the date they first entered the catalogue stays.
    public func registerBuiltIns(_ resources: [Resource]) async throws {
        try await store.write { db in
            for resource in resources {
                try await Self.insert(resource, on: db, refresh: true)
            }
        }
    }

    /// Built-in entries take the release's terms; `created_at` stays.
    static let refreshing: SQLQueryString = """
         ON CONFLICT (code) DO UPDATE SET short_code = excluded.short_code, name = excluded.name, name_en = excluded.name_en,
            provider_code = excluded.provider_code, summary = excluded.summary, kind = excluded.kind, key_field = excluded.key_field,
            division_field = excluded.division_field, fields = excluded.fields, update_cycle = excluded.update_cycle, sharing = excluded.sharing,
            sharing_basis = excluded.sharing_basis, openness = excluded.openness, record_types = excluded.record_types
        """

    static func insert(_ r: Resource, on db: any SQLDatabase, refresh: Bool = false) async throws {
        let fields = String(decoding: try JSONEncoder().encode(r.fields), as: UTF8.self)
        try await db.raw("""
            INSERT INTO exchange_resources (code, short_code, name, name_en, provider_code, division_code, summary, kind, key_field, division_field, fields,
                update_cycle, sharing, sharing_basis, openness, record_types, created_at, updated_at)
            VALUES (\(bind: r.code), \(bind: r.shortCode), \(bind: r.name), \(bind: r.nameEn), \(bind: r.providerCode), \(bind: r.divisionCode), \(bind: r.summary),
                \(bind: r.kind.rawValue), \(bind: r.keyField), \(bind: r.divisionField), \(bind: fields), \(bind: r.updateCycle.rawValue), \(bind: r.sharing.rawValue),
                \(bind: r.sharingBasis), \(bind: r.openness.rawValue), \(bind: r.recordTypes.joined(separator: ",")), \(bind: r.createdAt), \(bind: r.updatedAt))
            """ + (refresh ? Self.refreshing : "")).run()
    }

    static func validate(_ d: NewDataset) throws {
        func bad(_ field: String, _ zh: String, _ en: String) -> ExchangeError { .invalidField(field, zh: zh, en: en) }
        guard (1...200).contains(d.name.trimmingCharacters(in: .whitespaces).count), !Text.hasForbiddenControl(d.name) else {
            throw bad("name", "名称应为 1 至 200 个字符", "name must be 1 to 200 characters")
        }
        guard d.summary.count <= 2_000, !Text.hasForbiddenControl(d.summary) else { throw bad("summary", "摘要不超过 2000 个字符", "summary must be at most 2,000 characters") }
        if let short = d.shortCode {
            guard short.count >= 2, short.count <= 40, short.first!.isASCII, short.first!.isLowercase,
                  short.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw bad("shortCode", "简码应为 2 至 40 个小写字母、数字或连字符，以字母开头", "shortCode must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter")
            }
        }
        guard (1...200).contains(d.fields.count) else { throw bad("fields", "字段应有 1 至 200 个", "fields must list 1 to 200 fields") }
        var names = Set<String>()
        for (i, field) in d.fields.enumerated() {
            guard Self.isFieldName(field.name), names.insert(field.name).inserted else {
                throw bad("fields/\(i)/name", "字段名应为字母开头的字母或数字（至多 63 个），且不重复", "field names are letters and digits starting with a letter (at most 63), each once")
            }
            guard (1...100).contains(field.title.count), !Text.hasForbiddenControl(field.title) else {
                throw bad("fields/\(i)/title", "字段标题应为 1 至 100 个字符", "a field's title must be 1 to 100 characters")
            }
        }
        guard let key = d.fields.first(where: { $0.name == d.keyField }), key.required, key.sensitivity != .secret, key.type != .boolean else {
            throw bad("keyField", "主键字段应为已声明的必填字段（非布尔、非涉密）", "keyField must name a declared required field that is neither boolean nor secret")
        }
        if let division = d.divisionField {
            guard d.fields.contains(where: { $0.name == division && $0.type == .divisionCode && $0.required }) else {
                throw bad("divisionField", "区划字段应为已声明的必填行政区划代码字段", "divisionField must name a declared required field of type divisionCode")
            }
        }
        if d.sharing != .unconditional {
            guard let basis = d.sharingBasis?.trimmingCharacters(in: .whitespaces), (4...1_000).contains(basis.count) else {
                throw bad("sharingBasis", "有条件共享或不予共享须说明依据", "conditional or not-shared resources must state their basis")
            }
        }
    }

    static func isFieldName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter, name.count <= 63 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

/// A catalogue row as stored.
struct ResourceRow: Decodable {
    let code: String
    let shortCode: String?
    let name: String
    let nameEn: String?
    let providerCode: String
    let divisionCode: String
    let summary: String
    let kind: String
    let keyField: String
    let divisionField: String?
    let fields: String
    let updateCycle: String
    let sharing: String
    let sharingBasis: String?
    let openness: String
    let recordTypes: String
    let createdAt: Date
    let updatedAt: Date

    func resource() throws -> Resource {
        Resource(code: code, shortCode: shortCode, name: name, nameEn: nameEn, providerCode: providerCode, divisionCode: divisionCode, summary: summary,
                 kind: ResourceKind(rawValue: kind) ?? .dataset, keyField: keyField, divisionField: divisionField,
                 fields: try JSONDecoder().decode([ResourceField].self, from: Data(fields.utf8)), updateCycle: UpdateCycle(rawValue: updateCycle) ?? .irregular,
                 sharing: Sharing(rawValue: sharing) ?? .notShared, sharingBasis: sharingBasis, openness: Openness(rawValue: openness) ?? .closed,
                 recordTypes: recordTypes.split(separator: ",").map(String.init), createdAt: createdAt, updatedAt: updatedAt)
    }
}
