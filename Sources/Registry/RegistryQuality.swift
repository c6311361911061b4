import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// The registries a quality report covers.
public enum RegistryName: String, Sendable, Codable, CaseIterable {
    case persons, entities
}

/// A data-quality report of one registry within a scope: per source and field how complete the
/// sources' current records are, indicators of doubtful values and likely duplicates, and per
/// field the golden records whose sources disagree.
public struct QualityReport: Sendable, Codable {
    public struct SourceQuality: Sendable, Codable {
        public let source: String
        /// The source's current records (its newest version of each subject).
        public let records: Int
        /// Per field (column name): the share of those records that hold a value, 0…1.
        public let completeness: [String: Double]
    }

    /// A count of golden records that something is wrong with, or may be.
    public struct Indicator: Sendable, Codable {
        public let code: String
        public let zh: String
        public let en: String
        public let count: Int
        /// For duplicate indicators: how many groups the records fall in.
        public let groups: Int?
    }

    public struct FieldConflicts: Sendable, Codable {
        public let field: String
        /// Golden records whose sources disagree on this field.
        public let records: Int
        /// Per disagreeing source, how many of those records it disagrees on.
        public let bySource: [String: Int]
    }

    public let registry: RegistryName
    public let scope: DivisionCode
    public let generatedAt: Date
    /// Golden records in scope.
    public let total: Int
    public let sources: [SourceQuality]
    public let validity: [Indicator]
    public let duplicates: [Indicator]
    public let conflicts: [FieldConflicts]
    /// How long building it took, in milliseconds.
    public var durationMs: Int = 0
}

/// What asking for a quality report gives: the latest one built for the scope, and whether a
/// fresher one is being built.
public struct QualityAnswer: Sendable {
    public let report: QualityReport?
    /// A build was queued by this request or an earlier one and has not finished.
    public let refreshing: Bool
}

/// Quality reports of the registries, for data stewards and auditors within their scope. A report
/// reads every record in scope (minutes at the city's 9 million), so it is built by a background
/// job (`registry.quality`, claimed by one server process) and stored; asking answers the latest one
/// built and queues a new build when it is older than `maxAge` or when asked to refresh. Every
/// answer is audited.
public struct RegistryQuality: Sendable {
    let store: Store
    let clock: any WallClock
    let audit: AuditLog
    /// A stored report older than this is rebuilt when asked for.
    public var maxAge: TimeInterval = 3_600

    public static let jobKind = "registry.quality"

    public init(store: Store, audit: AuditLog, clock: any WallClock = SystemClock()) {
        self.store = store
        self.audit = audit
        self.clock = clock
    }

    /// The latest stored report of `registry` for `division` (default: the caller's scope root), and
    /// a build queued when there is none, it is older than `maxAge`, or `refresh` asks for one.
    public func report(_ registry: RegistryName, division: DivisionCode? = nil, refresh: Bool = false, by caller: Principal,
                       origin: AuditOrigin) async throws -> QualityAnswer {
        try caller.require(anyOf: .dataSteward, .auditor)
        if let division { try caller.requireScope(division) }
        let scope = try division ?? caller.staffScope().root
        let now = clock.now()
        struct Stored: Decodable { let body: String; let generatedAt: Date }
        let stored = try await store.read { db in
            try await db.raw("SELECT body, generated_at FROM quality_reports WHERE registry = \(bind: registry.rawValue) AND division_code = \(bind: scope.rawValue)")
                .first(decoding: Stored.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        let report = try stored.map { try JSONDecoder.iso8601.decode(QualityReport.self, from: Data($0.body.utf8)) }
        var refreshing = false
        if refresh || stored.map({ now.timeIntervalSince($0.generatedAt) > maxAge }) ?? true {
            let payload = #"{"registry":"\#(registry.rawValue)","division":"\#(scope.rawValue)"}"#
            // One build at a time per registry and scope: none is queued while one waits or runs,
            // and at most one a minute however many ask at once (the queue's dedupe key).
            struct Pending: Decodable { let n: Int }
            let pending = try await store.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = \(bind: Self.jobKind) AND payload = \(bind: payload) AND state IN ('queued', 'running')")
                    .first(decoding: Pending.self)?.n ?? 0
            }
            if pending == 0 {
                let minute = Int(now.timeIntervalSince1970 / 60)
                _ = try await JobQueue(store: store, clock: clock).enqueue(NewJob(kind: Self.jobKind, payload: payload,
                                                                                 dedupeKey: "\(Self.jobKind):\(registry.rawValue):\(scope.rawValue):\(minute)", maxAttempts: 2))
            }
            refreshing = true
        }
        try await audit.append(AuditEntry(actor: caller.auditActor, action: "registry.quality.report", recordType: registry.rawValue, recordID: nil,
                                          divisionCode: scope.rawValue, origin: origin,
                                          detail: report.map { "report of \($0.generatedAt.millisecondISO8601), \($0.total) records" } ?? "none yet"
                                              + (refreshing ? "; build queued" : "")))
        return QualityAnswer(report: report, refreshing: refreshing)
    }

    /// The job: builds the report a `registry.quality` job's payload names and stores it.
    public func run(_ job: Job) async throws {
        struct Payload: Decodable { let registry: RegistryName; let division: String }
        let payload = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
        guard let division = DivisionCode(payload.division) else { throw RegistryError.unknownDivision(DivisionCode.zhoukou) }
        try await build(payload.registry, scope: DivisionScope(division))
    }

    /// Builds and stores the report of `registry` within `scope` (the job's work; tests call it directly).
    @discardableResult
    public func build(_ registry: RegistryName, scope: DivisionScope) async throws -> QualityReport {
        let started = ContinuousClock.now
        var report = try await compute(registry, scope: scope)
        let elapsed = ContinuousClock.now - started
        report.durationMs = Int(elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let body = String(decoding: try JSONEncoder.iso8601.encode(report), as: UTF8.self)
        let stored = report
        try await store.write { db in
            try await db.raw("DELETE FROM quality_reports WHERE registry = \(bind: registry.rawValue) AND division_code = \(bind: scope.root.rawValue)").run()
            try await db.raw("""
                INSERT INTO quality_reports (registry, division_code, generated_at, duration_ms, body)
                VALUES (\(bind: registry.rawValue), \(bind: scope.root.rawValue), \(bind: stored.generatedAt), \(bind: stored.durationMs), \(bind: body))
                """).run()
        }
        return report
    }

    struct Tables {
        let records: String, golden: String, key: [String], fields: [String]
    }

    static func tables(_ registry: RegistryName) -> Tables {
        switch registry {
        case .persons: Tables(records: "person_records", golden: "persons", key: ["id_division", "id_number"], fields: PersonField.allCases.map(\.column))
        case .entities: Tables(records: "entity_records", golden: "entities", key: ["reg_division", "credit_code"], fields: EntityField.allCases.map(\.column))
        }
    }

    func compute(_ registry: RegistryName, scope: DivisionScope) async throws -> QualityReport {
        let t = Self.tables(registry)
        let like = scope.likePattern
        let city = DivisionScope.city.likePattern
        struct Count: Decodable { let n: Int?; let g: Int? }
        let (total, sources, validity, duplicates, conflicts) = try await store.read { db in
            func count(_ sql: SQLQueryString) async throws -> (Int, Int?) {
                let row = try await db.raw(sql).first(decoding: Count.self)
                return (row?.n ?? 0, row?.g)
            }
            let total = try await count("SELECT COUNT(*) AS n FROM \(unsafeRaw: t.golden) WHERE division_code LIKE \(bind: like)").0
            // Each source's newest version of each subject.
            let partition = t.key.joined(separator: ", ")
            let counts = t.fields.map { "COUNT(\($0)) AS \($0)" }.joined(separator: ", ")
            let rows = try await db.raw("""
                SELECT source, COUNT(*) AS records, \(unsafeRaw: counts) FROM (
                    SELECT r.*, ROW_NUMBER() OVER (PARTITION BY \(unsafeRaw: partition), source ORDER BY version DESC) AS rn FROM \(unsafeRaw: t.records) r
                ) AS c WHERE rn = 1 AND division_code LIKE \(bind: like) GROUP BY source ORDER BY source
                """).all()
            var sources: [QualityReport.SourceQuality] = []
            for row in rows {
                let records = try row.decode(column: "records", as: Int.self)
                var completeness: [String: Double] = [:]
                for field in t.fields { completeness[field] = records == 0 ? 0 : Double(try row.decode(column: field, as: Int.self)) / Double(records) }
                sources.append(.init(source: try row.decode(column: "source", as: String.self), records: records, completeness: completeness))
            }
            var validity: [QualityReport.Indicator] = []
            var duplicates: [QualityReport.Indicator] = []
            switch registry {
            case .persons:
                validity.append(.init(code: "registration-outside-city", zh: "身份证号码登记地不在本市（可能为旧区划代码或外地户籍）",
                                      en: "ID numbers whose place of first registration lies outside the city (an old division code, or born elsewhere)",
                                      count: try await count("SELECT COUNT(*) AS n FROM persons WHERE division_code LIKE \(bind: like) AND id_division NOT LIKE \(bind: city)").0,
                                      groups: nil))
                validity.append(.init(code: "no-phone", zh: "没有任何来源提供联系电话", en: "No source gives a phone number",
                                      count: try await count("SELECT COUNT(*) AS n FROM persons WHERE division_code LIKE \(bind: like) AND phone IS NULL").0, groups: nil))
                let same = try await count("""
                    SELECT COUNT(*) AS g, CAST(SUM(k) AS BIGINT) AS n FROM (SELECT COUNT(*) AS k FROM persons WHERE division_code LIKE \(bind: like) AND name IS NOT NULL
                    GROUP BY name, birth_date, division_code HAVING COUNT(*) > 1) AS d
                    """)
                duplicates.append(.init(code: "same-name-birth-date-division", zh: "同一区划内姓名和出生日期相同的不同身份证号码",
                                        en: "Different ID numbers with the same name and birth date in one division", count: same.0, groups: same.1 ?? 0))
                let phones = try await count("""
                    SELECT COUNT(*) AS g, CAST(SUM(k) AS BIGINT) AS n FROM (SELECT COUNT(*) AS k FROM persons WHERE division_code LIKE \(bind: like) AND phone IS NOT NULL
                    GROUP BY phone HAVING COUNT(*) > 3) AS d
                    """)
                duplicates.append(.init(code: "phone-shared-by-more-than-3", zh: "同一电话号码对应 3 人以上", en: "One phone number given for more than 3 persons",
                                        count: phones.0, groups: phones.1 ?? 0))
            case .entities:
                validity.append(.init(code: "registered-elsewhere", zh: "统一社会信用代码的登记地不在本市（外地企业分支机构）",
                                      en: "Credit codes registered outside the city (branches of entities registered elsewhere)",
                                      count: try await count("SELECT COUNT(*) AS n FROM entities WHERE division_code LIKE \(bind: like) AND registered_elsewhere = \(bind: true)").0,
                                      groups: nil))
                validity.append(.init(code: "representative-unknown", zh: "法定代表人不在自然人库中", en: "Legal representatives the persons registry does not hold",
                                      count: try await count("""
                                          SELECT COUNT(*) AS n FROM entities e WHERE e.division_code LIKE \(bind: like) AND e.legal_rep_id_number IS NOT NULL
                                          AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id_division = substr(e.legal_rep_id_number, 1, 6) AND p.id_number = e.legal_rep_id_number)
                                          """).0, groups: nil))
                let same = try await count("""
                    SELECT COUNT(*) AS g, CAST(SUM(k) AS BIGINT) AS n FROM (SELECT COUNT(*) AS k FROM entities WHERE division_code LIKE \(bind: like) AND name IS NOT NULL
                    GROUP BY name, division_code HAVING COUNT(*) > 1) AS d
                    """)
                duplicates.append(.init(code: "same-name-division", zh: "同一区划内名称相同的不同代码", en: "Different codes with the same name in one division",
                                        count: same.0, groups: same.1 ?? 0))
            }
            // Disagreements are read from the golden records' provenance, a page at a time.
            var conflicts: [String: (records: Int, bySource: [String: Int])] = [:]
            struct Provenance: Decodable { let disagreeing: [String] }
            var after = ["", ""]
            while true {
                let page = try await db.raw("""
                    SELECT \(unsafeRaw: t.key[0]) AS k0, \(unsafeRaw: t.key[1]) AS k1, provenance FROM \(unsafeRaw: t.golden)
                    WHERE division_code LIKE \(bind: like) AND provenance LIKE \(bind: "%\"disagreeing\":[\"%")
                    AND (\(unsafeRaw: t.key[0]) > \(bind: after[0]) OR (\(unsafeRaw: t.key[0]) = \(bind: after[0]) AND \(unsafeRaw: t.key[1]) > \(bind: after[1])))
                    ORDER BY \(unsafeRaw: t.key[0]), \(unsafeRaw: t.key[1]) LIMIT 5000
                    """).all()
                for row in page {
                    let fields = try JSONDecoder().decode([String: Provenance].self, from: Data(try row.decode(column: "provenance", as: String.self).utf8))
                    for (field, p) in fields where !p.disagreeing.isEmpty {
                        let column = PersonField(rawValue: field)?.column ?? field
                        conflicts[column, default: (0, [:])].records += 1
                        for source in p.disagreeing { conflicts[column, default: (0, [:])].bySource[source, default: 0] += 1 }
                    }
                }
                guard page.count == 5000, let last = page.last else { break }
                after = [try last.decode(column: "k0", as: String.self), try last.decode(column: "k1", as: String.self)]
            }
            return (total, sources, validity, duplicates,
                    conflicts.map { QualityReport.FieldConflicts(field: $0.key, records: $0.value.records, bySource: $0.value.bySource) }.sorted { $0.field < $1.field })
        }
        return QualityReport(registry: registry, scope: scope.root, generatedAt: clock.now(), total: total, sources: sources, validity: validity,
                             duplicates: duplicates, conflicts: conflicts)
    }
}

extension JSONEncoder {
    /// Dates as ISO 8601, keys sorted: how stored reports are written.
    static var iso8601: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
