import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// A case category: a component (部件) or event (事件) code with its Chinese names, or one of the
/// hotline's own (a family of its own, `hotline`).
public struct CaseCategory: Sendable, Equatable, Codable {
    public var code: String
    /// `component`, `event` or `hotline`.
    public var family: String
    public var major: String
    public var name: String
    public var majorName: String
    public var active: Bool

    public init(code: String, family: String, major: String, name: String, majorName: String, active: Bool = true) {
        self.code = code
        self.family = family
        self.major = major
        self.name = name
        self.majorName = majorName
        self.active = active
    }
}

/// A routing rule: cases of a category (or a prefix of its code) in a division (or a prefix of
/// its code) go to an organisation.
public struct RoutingRule: Sendable, Equatable, Codable {
    public var categoryPrefix: String
    public var divisionPrefix: String
    public var organisationCode: String

    public init(categoryPrefix: String, divisionPrefix: String, organisationCode: String) {
        self.categoryPrefix = categoryPrefix
        self.divisionPrefix = divisionPrefix
        self.organisationCode = organisationCode
    }
}

/// A deadline rule: handling a case of a category prefix, hotline kind and urgency ("" = any)
/// may take `limit`.
public struct DeadlineRule: Sendable, Equatable, Codable {
    public var categoryPrefix: String
    public var kind: String
    public var urgency: String
    public var limit: TimeLimit

    public init(categoryPrefix: String = "", kind: String = "", urgency: String = "", limit: TimeLimit) {
        self.categoryPrefix = categoryPrefix
        self.kind = kind
        self.urgency = urgency
        self.limit = limit
    }
}

/// The command center's reference data: categories, routing rules, deadline rules and the
/// working-day calendar. Seeded, then edited by operators; `CaseDesk` reads them through its
/// `CatalogueCache`, checked against their version inside the transaction that uses them, so every
/// server process sees an edit at once.
public struct CaseCatalogue: Sendable {
    let store: Store
    let clock: any WallClock

    public init(store: Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    // MARK: Categories

    public func categories(includeInactive: Bool = false) async throws -> [CaseCategory] {
        try await store.read { db in
            try await db.raw(includeInactive ? "SELECT * FROM case_categories ORDER BY code" : "SELECT * FROM case_categories WHERE active = \(bind: true) ORDER BY code")
                .all(decoding: CaseCategory.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Adds or changes categories (platform administrators and command center operators).
    public func upsert(_ categories: [CaseCategory], by caller: Principal, origin: AuditOrigin = AuditOrigin()) async throws {
        try caller.require(anyOf: .commandOperator)
        for c in categories {
            guard c.code.count >= 2, c.code.count <= 12, c.code.allSatisfy(\.isASCIIDigit) else {
                throw CasesError.invalidField("code", zh: "类别编码应为 2 到 12 位数字", en: "A category code is 2 to 12 digits")
            }
            guard ["component", "event", "hotline"].contains(c.family), (1...64).contains(c.name.count), (1...64).contains(c.majorName.count),
                  (1...12).contains(c.major.count), c.major.allSatisfy(\.isASCIIDigit), !Text.hasForbiddenControl(c.name + c.majorName) else {
                throw CasesError.invalidField("family", zh: "类别应为部件、事件或热线类，名称 1 到 64 字", en: "family is component, event or hotline; names 1 to 64 characters")
            }
        }
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            for c in categories {
                try await db.raw("""
                    INSERT INTO case_categories (code, family, major, name, major_name, active, updated_at)
                    VALUES (\(bind: c.code), \(bind: c.family), \(bind: c.major), \(bind: c.name), \(bind: c.majorName), \(bind: c.active), \(bind: now))
                    ON CONFLICT (code) DO UPDATE SET family = excluded.family, major = excluded.major, name = excluded.name,
                        major_name = excluded.major_name, active = excluded.active, updated_at = excluded.updated_at
                    """).run()
            }
            try await Self.audit("cases.categories.set", "\(categories.count) categories: \(categories.map(\.code).prefix(50).joined(separator: ","))",
                                 by: caller, origin: origin, at: now, dialect: dialect, on: db)
        }
    }

    /// The audit entry of an edit, in its transaction.
    static func audit(_ action: String, _ detail: String, by caller: Principal, origin: AuditOrigin, at now: Date, dialect: Dialect,
                      on db: any SQLDatabase) async throws {
        try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: action, recordType: "case-catalogue", origin: origin, detail: detail),
                                  at: now, dialect: dialect, on: db)
    }

    /// Throws unless an organisation `code` exists.
    static func requireOrganisation(_ code: String, on db: any SQLDatabase) async throws {
        struct Found: Decodable { let code: String }
        guard try await db.raw("SELECT code FROM organisations WHERE code = \(bind: code)").first(decoding: Found.self) != nil else {
            throw CasesError.unknownOrganisation(code)
        }
    }

    // MARK: Routing

    public func routingRules() async throws -> [RoutingRule] {
        try await store.read { db in
            try await db.raw("SELECT category_prefix, division_prefix, organisation_code FROM case_routing_rules ORDER BY category_prefix, division_prefix")
                .all(decoding: RoutingRule.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// The routing rules, for the command center, dispatchers and auditors.
    public func routingRules(by caller: Principal) async throws -> [RoutingRule] {
        try caller.require(anyOf: .commandOperator, .dispatcher, .auditor)
        return try await routingRules()
    }

    /// Sets routing rules (a rule for the same category and division prefixes is replaced).
    public func setRoutingRules(_ rules: [RoutingRule], by caller: Principal, origin: AuditOrigin = AuditOrigin()) async throws {
        try caller.require(anyOf: .commandOperator, .dispatcher)
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            for rule in rules {
                guard rule.categoryPrefix.allSatisfy(\.isASCIIDigit), rule.categoryPrefix.count <= 12, rule.divisionPrefix.allSatisfy(\.isASCIIDigit),
                      rule.divisionPrefix.count <= 12 else {
                    throw CasesError.invalidField("categoryPrefix", zh: "类别和区划前缀应为数字", en: "Category and division prefixes are digits")
                }
                try await Self.requireOrganisation(rule.organisationCode, on: db)
                try await db.raw("""
                    INSERT INTO case_routing_rules (category_prefix, division_prefix, organisation_code, updated_at)
                    VALUES (\(bind: rule.categoryPrefix), \(bind: rule.divisionPrefix), \(bind: rule.organisationCode), \(bind: now))
                    ON CONFLICT (category_prefix, division_prefix) DO UPDATE SET organisation_code = excluded.organisation_code, updated_at = excluded.updated_at
                    """).run()
            }
            try await Self.audit("cases.routing.set", rules.map { "\($0.categoryPrefix)×\($0.divisionPrefix)→\($0.organisationCode)" }.prefix(50).joined(separator: ", "),
                                 by: caller, origin: origin, at: now, dialect: dialect, on: db)
        }
    }

    // MARK: Deadlines

    public func deadlineRules() async throws -> [DeadlineRule] {
        try await store.read { db in try await Self.deadlineRules(on: db) }
    }

    /// The deadline rules, for the command center, dispatchers and auditors.
    public func deadlineRules(by caller: Principal) async throws -> [DeadlineRule] {
        try caller.require(anyOf: .commandOperator, .dispatcher, .auditor)
        return try await deadlineRules()
    }

    public func setDeadlineRules(_ rules: [DeadlineRule], by caller: Principal, origin: AuditOrigin = AuditOrigin()) async throws {
        try caller.require(anyOf: .commandOperator)
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            for rule in rules {
                guard (1...10_000).contains(rule.limit.amount), rule.categoryPrefix.count <= 12, rule.categoryPrefix.allSatisfy(\.isASCIIDigit),
                      rule.kind.isEmpty || HotlineKind(rawValue: rule.kind) != nil, rule.urgency.isEmpty || CaseUrgency(rawValue: rule.urgency) != nil else {
                    throw CasesError.invalidField("limit", zh: "时限规则无效", en: "A deadline rule has a bad prefix, kind, urgency or amount")
                }
                try await db.raw("""
                    INSERT INTO case_deadline_rules (category_prefix, kind, urgency, amount, unit, updated_at)
                    VALUES (\(bind: rule.categoryPrefix), \(bind: rule.kind), \(bind: rule.urgency), \(bind: rule.limit.amount), \(bind: rule.limit.unit.rawValue), \(bind: now))
                    ON CONFLICT (category_prefix, kind, urgency) DO UPDATE SET amount = excluded.amount, unit = excluded.unit, updated_at = excluded.updated_at
                    """).run()
            }
            try await Self.audit("cases.deadlines.set", rules.map { "\($0.categoryPrefix)/\($0.kind)/\($0.urgency)=\($0.limit)" }.prefix(50).joined(separator: ", "),
                                 by: caller, origin: origin, at: now, dialect: dialect, on: db)
        }
    }

    static func deadlineRules(on db: any SQLDatabase) async throws -> [DeadlineRule] {
        struct Row: Decodable { let categoryPrefix: String; let kind: String; let urgency: String; let amount: Int; let unit: String }
        return try await db.raw("SELECT category_prefix, kind, urgency, amount, unit FROM case_deadline_rules").all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .compactMap { row in TimeLimit.Unit(rawValue: row.unit).map { DeadlineRule(categoryPrefix: row.categoryPrefix, kind: row.kind, urgency: row.urgency, limit: TimeLimit(row.amount, $0)) } }
    }

    /// The limit of the most specific matching rule: urgency first, then hotline kind, then the
    /// longest category prefix. Without any rule, 3 working days.
    static func limit(category: String, kind: HotlineKind?, urgency: CaseUrgency, rules: [DeadlineRule]) -> TimeLimit {
        rules.filter { category.hasPrefix($0.categoryPrefix) && ($0.kind.isEmpty || $0.kind == kind?.rawValue) && ($0.urgency.isEmpty || $0.urgency == urgency.rawValue) }
            .max { Self.specificity($0) < Self.specificity($1) }?
            .limit ?? TimeLimit(3, .workingDays)
    }

    /// How specific a rule is: urgency weighs most, then kind, then the category prefix's length.
    static func specificity(_ rule: DeadlineRule) -> Int {
        (rule.urgency.isEmpty ? 0 : 10_000) + (rule.kind.isEmpty ? 0 : 100) + rule.categoryPrefix.count
    }

    // MARK: Calendar

    /// A year's schedule as the calendar files write it (`Seed/calendar-2026.json`, the
    /// reference's `cn-2026.json`): `{"year", "holidays": [{"date","name"}], "workdays": [...]}`.
    public struct Schedule: Decodable, Sendable {
        public struct Day: Decodable, Sendable { public let date: String; public let name: String }
        public let year: Int
        public let holidays: [Day]
        public let workdays: [Day]

        /// The schedule in `data`, or `cases.invalid-field` naming what is wrong with the file.
        public static func parse(_ data: Data) throws -> Schedule {
            do {
                return try JSONDecoder().decode(Schedule.self, from: data)
            } catch {
                throw CasesError.invalidField("file", zh: "日历文件应为 {\"year\", \"holidays\": [{\"date\",\"name\"}], \"workdays\": [...]}：\(error)",
                                              en: "A calendar file is {\"year\", \"holidays\": [{\"date\",\"name\"}], \"workdays\": [...]}: \(error)")
            }
        }
    }

    /// Loads a year's schedule from its file (see `Schedule`).
    public func loadCalendar(_ schedule: Schedule, by caller: Principal, origin: AuditOrigin = AuditOrigin()) async throws {
        guard (2000...2100).contains(schedule.year) else {
            throw CasesError.invalidField("year", zh: "年份应为 2000 到 2100", en: "year is 2000 to 2100")
        }
        try await loadCalendar(year: schedule.year, holidays: schedule.holidays.map { ($0.date, $0.name) }, workdays: schedule.workdays.map { ($0.date, $0.name) },
                               by: caller, origin: origin)
    }

    /// Loads a year's schedule (replacing what that year had): days off and working weekend days.
    public func loadCalendar(year: Int, holidays: [(day: String, name: String)], workdays: [(day: String, name: String)], by caller: Principal,
                             origin: AuditOrigin = AuditOrigin()) async throws {
        try caller.require(anyOf: .platformAdmin)
        var seen: Set<String> = []
        for (day, name) in holidays + workdays {
            let parts = Self.components(day)
            guard day.count == 10, day.hasPrefix("\(year)-"), let date = WorkCalendar.gregorian.date(from: parts),
                  WorkCalendar.dayKey(date.addingTimeInterval(12 * 3600)) == day else {
                throw CasesError.invalidField("date", zh: "日期 \(day) 应为 \(year) 年的 YYYY-MM-DD", en: "Date \(day) must be YYYY-MM-DD within \(year)")
            }
            guard seen.insert(day).inserted else {
                throw CasesError.invalidField("date", zh: "日期 \(day) 出现了两次", en: "Date \(day) appears twice")
            }
            guard (1...40).contains(name.count), !Text.hasForbiddenControl(name) else {
                throw CasesError.invalidField("name", zh: "节日名称应为 1 到 40 字", en: "A holiday's name is 1 to 40 characters")
            }
        }
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            try await db.raw("DELETE FROM work_calendar_days WHERE year = \(bind: year)").run()
            for (kind, days) in [("holiday", holidays), ("workday", workdays)] {
                for (day, name) in days {
                    // Two processes seeding the same year at once both succeed (the second waits, then writes the same).
                    try await db.raw("""
                        INSERT INTO work_calendar_days (day, year, kind, name) VALUES (\(bind: day), \(bind: year), \(bind: kind), \(bind: name))
                        ON CONFLICT (day) DO UPDATE SET year = excluded.year, kind = excluded.kind, name = excluded.name
                        """).run()
                }
            }
            try await Self.audit("cases.calendar.load", "\(year): \(holidays.count) holidays, \(workdays.count) working weekend days", by: caller, origin: origin, at: now, dialect: dialect, on: db)
        }
    }

    static func components(_ day: String) -> DateComponents {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        return DateComponents(year: parts.first, month: parts.count > 1 ? parts[1] : nil, day: parts.count > 2 ? parts[2] : nil)
    }

    public func calendar() async throws -> WorkCalendar {
        try await store.read { db in try await Self.calendar(on: db) }
    }

    static func calendar(on db: any SQLDatabase) async throws -> WorkCalendar {
        struct Row: Decodable { let day: String; let year: Int; let kind: String }
        let rows = try await db.raw("SELECT day, year, kind FROM work_calendar_days").all(decoding: Row.self)
        return WorkCalendar(holidays: Set(rows.filter { $0.kind == "holiday" }.map(\.day)), workdays: Set(rows.filter { $0.kind == "workday" }.map(\.day)),
                            years: Set(rows.map(\.year)))
    }
}
