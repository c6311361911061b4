import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// What a queue shows: filters on top of what the caller's role puts in it.
public struct CaseFilter: Sendable, Equatable {
    public var states: [CaseState]
    public var categoryPrefix: String?
    public var organisationCode: String?
    public var division: DivisionCode?
    public var channel: CaseChannel?
    /// Only cases past their deadline and still open for handling.
    public var overdueOnly: Bool
    /// A case number, or words of the description or address.
    public var text: String?
    /// `mine`: the caller's role decides (a department's own cases, an inspector's checks, the
    /// dispatcher's registered cases); `all`: everything within scope.
    public var mine: Bool

    public init(states: [CaseState] = [], categoryPrefix: String? = nil, organisationCode: String? = nil, division: DivisionCode? = nil,
                channel: CaseChannel? = nil, overdueOnly: Bool = false, text: String? = nil, mine: Bool = true) {
        self.states = states
        self.categoryPrefix = categoryPrefix
        self.organisationCode = organisationCode
        self.division = division
        self.channel = channel
        self.overdueOnly = overdueOnly
        self.text = text
        self.mine = mine
    }
}

extension CaseDesk {
    /// A page of cases for the caller, most urgent deadline first (then the newest): with `mine`,
    /// what the role works on (a department's dispatched and handling cases, an inspector's
    /// cases to verify, the dispatcher's registered ones, the command center's open ones); always
    /// within the caller's division scope. Citizens and systems see the cases they filed.
    public func queue(_ filter: CaseFilter, page: PageRequest, by caller: Principal) async throws -> Page<Case> {
        if let text = filter.text, text.count > 100 || Text.hasForbiddenControl(text) {
            throw CasesError.invalidField("q", zh: "搜索词过长或含控制字符", en: "The search text is longer than 100 characters or holds control characters")
        }
        var conditions: [SQLQueryString] = []
        switch caller.kind {
        case .citizen, .apiKey:
            conditions.append("reporter_account = \(bind: caller.auditActor)")
        case .staff, .commandLine:
            let scope = try caller.staffScope()
            if let division = filter.division { try caller.requireScope(division) }
            conditions.append("division_code LIKE \(bind: (filter.division.map(DivisionScope.init) ?? scope).likePattern)")
            if filter.mine, !caller.roles.contains(.platformAdmin) {
                var mine: [SQLQueryString] = []
                // The command center's own queue is every open case (callbacks: `state=closed`).
                if caller.roles.contains(.commandOperator) { mine.append("state IN ('reported', 'registered', 'dispatched', 'handling', 'reportedBack')") }
                if caller.roles.contains(.dispatcher) { mine.append("state = 'registered'") }
                if caller.roles.contains(.departmentHandler) {
                    mine.append("(organisation_code = \(bind: caller.organisationCode ?? "") AND state IN ('dispatched', 'handling', 'parked'))")
                }
                if caller.roles.contains(.inspector) { mine.append("state = 'reportedBack'") }
                guard !mine.isEmpty else { return Page(items: [], total: 0, limit: page.limit, offset: page.offset) }
                conditions.append("(" + mine.joined(separator: " OR ") + ")")
            }
        }
        if !filter.states.isEmpty { conditions.append("state IN \(SQLBind.group(filter.states.map(\.rawValue)))") }
        if let prefix = filter.categoryPrefix {
            // Codes are digits: the codes starting with `prefix` lie between it and `prefix:` (':' follows '9'), a range the index reads.
            conditions.append("category_code >= \(bind: prefix) AND category_code < \(bind: prefix + ":")")
        }
        if let organisation = filter.organisationCode { conditions.append("organisation_code = \(bind: organisation)") }
        if let channel = filter.channel { conditions.append("channel = \(bind: channel.rawValue)") }
        if filter.overdueOnly { conditions.append("overdue_at IS NOT NULL AND state IN ('dispatched', 'handling')") }
        if let text = filter.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            if CaseNumber.division(of: text) != nil {
                conditions.append("number = \(bind: text)")
            } else {
                let like = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
                conditions.append("(description LIKE \(bind: like) OR address LIKE \(bind: like))")
            }
        }
        let whereClause = conditions.joined(separator: " AND ")
        let (rows, total) = try await store.read { db -> ([CaseRow], Int) in
            // The page's keys first (from the queue index alone when the filters allow), then its rows.
            let order: SQLQueryString = "ORDER BY CASE WHEN deadline_at IS NULL THEN 1 ELSE 0 END, deadline_at, reported_at DESC, number"
            let rows = try await db.raw("""
                SELECT * FROM cases WHERE (division_code, number) IN (
                    SELECT division_code, number FROM cases WHERE \(whereClause) \(order) LIMIT \(bind: page.limit) OFFSET \(bind: page.offset))
                \(order)
                """).all(decoding: CaseRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            struct Count: Decodable { let n: Int }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM (SELECT 1 FROM cases WHERE \(whereClause) LIMIT 10000) AS m").first(decoding: Count.self)?.n ?? 0
            return (rows, total)
        }
        return Page(items: rows.map { $0.view(masked: !Self.seesReporter(caller, $0), categoryName: nil) }, total: total, limit: page.limit, offset: page.offset)
    }
}

extension Array where Element == SQLQueryString {
    func joined(separator: String) -> SQLQueryString {
        var out = SQLQueryString("")
        for (i, part) in enumerated() {
            if i > 0 { out += SQLQueryString(separator) }
            out += part
        }
        return out
    }
}
