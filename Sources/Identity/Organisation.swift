import CityCore
import CityStore
import Foundation
import SQLKit

/// A government body: the city government, a department, a county branch, a unit within one.
public struct Organisation: Sendable, Codable, Equatable {
    /// Stable code: `<division code>-<short name>`, e.g. `411600-PSB`.
    public var code: String
    public var name: String
    public var nameEn: String?
    public var parentCode: String?
    public var divisionCode: DivisionCode
    /// `government`, `department`, `centre`, `unit`.
    public var kind: String

    public init(code: String, name: String, nameEn: String? = nil, parentCode: String?, divisionCode: DivisionCode, kind: String) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.parentCode = parentCode
        self.divisionCode = divisionCode
        self.kind = kind
    }
}

/// The organisation tree.
public struct OrganisationBook: Sendable {
    let store: Store
    let clock: any WallClock

    public init(store: Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Inserts or updates organisations (parents before children), in batches. Idempotent.
    public func upsert(_ organisations: [Organisation]) async throws {
        let now = clock.now()
        for batch in organisations.chunked(200) {
            try await store.write { db in
                var query: SQLQueryString = "INSERT INTO organisations (code, name, name_en, parent_code, division_code, kind, created_at) VALUES "
                for (i, o) in batch.enumerated() {
                    if i > 0 { query += ", " }
                    query += "(\(bind: o.code), \(bind: o.name), \(bind: o.nameEn), \(bind: o.parentCode), \(bind: o.divisionCode.rawValue), \(bind: o.kind), \(bind: now))"
                }
                query += """
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, parent_code = excluded.parent_code,
                     division_code = excluded.division_code, kind = excluded.kind
                    """
                try await db.raw(query).run()
            }
        }
    }

    /// Creates one organisation for `caller`: a platform administrator whose scope covers its
    /// division, a well-formed code that does not exist yet (409 also when two requests race: the
    /// insert decides), a parent that exists. The audit entry commits with the row.
    @discardableResult
    public func create(_ organisation: Organisation, by caller: Principal, origin: AuditOrigin) async throws -> Organisation {
        try caller.require(anyOf: .platformAdmin)
        try caller.requireScope(organisation.divisionCode)
        guard Self.isCode(organisation.code) else {
            throw IdentityError.invalidField("code", zh: "机构代码只能含字母、数字、点和连字符（2 至 40 位）", en: "code may hold letters, digits, dots and hyphens (2 to 40)")
        }
        guard (1...100).contains(organisation.name.count) else {
            throw IdentityError.invalidField("name", zh: "名称应为 1 至 100 个字符", en: "name must be 1 to 100 characters")
        }
        let now = clock.now()
        let dialect = store.dialect
        let o = organisation
        try await store.write { db in
            guard let parent = o.parentCode, try await db.raw("SELECT code FROM organisations WHERE code = \(bind: parent)").first() != nil else {
                throw IdentityError.unknownOrganisation(o.parentCode ?? "")
            }
            let inserted = try await db.raw("""
                INSERT INTO organisations (code, name, name_en, parent_code, division_code, kind, created_at)
                VALUES (\(bind: o.code), \(bind: o.name), \(bind: o.nameEn), \(bind: o.parentCode), \(bind: o.divisionCode.rawValue), \(bind: o.kind), \(bind: now))
                ON CONFLICT (code) DO NOTHING RETURNING code
                """).first()
            guard inserted != nil else { throw IdentityError.organisationExists(o.code) }
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "identity.organisation.create", recordType: "organisation", recordID: o.code,
                                                 divisionCode: o.divisionCode.rawValue, origin: origin),
                                      at: now, dialect: dialect, on: db)
        }
        return organisation
    }

    /// Whether `code` is a well-formed organisation code.
    public static func isCode(_ s: String) -> Bool {
        (2...40).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-".contains($0)) }
    }

    /// One organisation, or nil.
    public func find(_ code: String) async throws -> Organisation? {
        try await store.read { db in
            try await db.raw("SELECT * FROM organisations WHERE code = \(bind: code)").all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
                .first.map { try $0.organisation() }
        }
    }

    /// One organisation the caller may see. One outside the caller's scope is as unknown as one
    /// that does not exist (a 404 either way), so codes cannot be probed across counties.
    public func find(_ code: String, by caller: Principal) async throws -> Organisation {
        let scope = try caller.staffScope()
        guard let organisation = try await find(code), scope.contains(organisation.divisionCode) else {
            throw IdentityError.organisationNotFound(code)
        }
        return organisation
    }

    /// Organisations within the caller's scope, optionally only those of one division (which must
    /// lie within it), ordered by code.
    public func list(by caller: Principal, division: DivisionCode? = nil, page: PageRequest) async throws -> Page<Organisation> {
        let scope = try caller.staffScope()
        if let division { try caller.requireScope(division) }
        let pattern = division.map { DivisionScope($0).likePattern } ?? scope.likePattern
        return try await store.read { db in
            struct Count: Decodable { let n: Int }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM organisations WHERE division_code LIKE \(bind: pattern)").first(decoding: Count.self)?.n ?? 0
            let rows = try await db.raw("""
                SELECT * FROM organisations WHERE division_code LIKE \(bind: pattern)
                ORDER BY code LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            return Page(items: try rows.map { try $0.organisation() }, total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// Every organisation code.
    public func allCodes() async throws -> Set<String> {
        try await store.read { db in
            struct Row: Decodable { let code: String }
            return Set(try await db.raw("SELECT code FROM organisations").all(decoding: Row.self).map(\.code))
        }
    }

    /// How many organisations there are.
    public func count() async throws -> Int {
        try await store.read { db in
            struct Count: Decodable { let n: Int }
            return try await db.raw("SELECT COUNT(*) AS n FROM organisations").first(decoding: Count.self)?.n ?? 0
        }
    }

    /// An `organisations` row.
    struct Row: Decodable {
        let code: String
        let name: String
        let nameEn: String?
        let parentCode: String?
        let divisionCode: String
        let kind: String

        func organisation() throws -> Organisation {
            Organisation(code: code, name: name, nameEn: nameEn, parentCode: parentCode,
                         divisionCode: try .stored(divisionCode, column: "organisations.division_code"), kind: kind)
        }
    }
}
