import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// How indicators are counted: the choices cities make differently. The defaults follow
/// ../shared/reference/cases.md (GB/T 30428.4 and the cities' practice).
public struct IndicatorRules: Sendable, Equatable {
    /// Parked cases (挂账, approved) leave the denominators of the closure and on-time rates.
    public var parkedLeaveDenominators = true
    /// The command center's service levels: registered within this many seconds of the report,
    /// dispatched within this many of registration (Zhoukou: 5 and 3 minutes).
    public var registerWithin: TimeInterval = 300
    public var dispatchWithin: TimeInterval = 180

    public init(parkedLeaveDenominators: Bool = true, registerWithin: TimeInterval = 300, dispatchWithin: TimeInterval = 180) {
        self.parkedLeaveDenominators = parkedLeaveDenominators
        self.registerWithin = registerWithin
        self.dispatchWithin = dispatchWithin
    }
}

/// What indicators are grouped by.
public enum IndicatorGrouping: String, Sendable, CaseIterable {
    case organisation, division, grid, category, total

    var column: String? {
        switch self {
        case .organisation: "organisation_code"
        case .division: "division_code"
        case .grid: "grid_code"
        case .category: "category_code"
        case .total: nil
        }
    }
}

/// One row of the indicator table: the counts and the rates computed from them. The cohort is the
/// cases registered in the period (rejected, merged and handed-off ones are not cases of the
/// loop). With the default rules:
/// - closure rate 结案率 = closed / (registered − parked)
/// - on-time rate 按期处置率 = handled without going overdue / (due − parked due), where due = the
///   cases with a deadline that were handled (reported back or closed) or that the deadline
///   scheduler marked overdue (a parked case's clock stands still: it is due only if it went
///   overdue before it was parked)
/// - rework rate 返工率 = cases reworked at least once / cases handled
/// - satisfaction rate 满意率 = satisfied callbacks / callbacks made
/// - average handling hours = mean of (closed − dispatched) over closed cases
/// - overdue count 超期数 = cases marked overdue
/// - registered within 5 minutes = cases registered within `registerWithin` of their report /
///   registered; dispatched within 3 = dispatched within `dispatchWithin` of registration / dispatched
/// A rate is nil when its denominator is zero.
public struct IndicatorRow: Sendable, Equatable, Codable {
    public var key: String?
    public var registered: Int
    public var closed: Int
    public var parked: Int
    public var due: Int
    /// Parked cases among the due ones.
    public var dueParked: Int
    public var onTime: Int
    public var handled: Int
    public var reworked: Int
    public var callbacks: Int
    public var satisfied: Int
    public var overdue: Int
    public var dispatched: Int
    public var registeredInTime: Int
    public var dispatchedInTime: Int
    public var handlingSeconds: Double
    public var closureRate: Double?
    public var onTimeRate: Double?
    public var reworkRate: Double?
    public var satisfactionRate: Double?
    public var averageHandlingHours: Double?
    public var registeredInTimeRate: Double?
    public var dispatchedInTimeRate: Double?

    mutating func derive(_ rules: IndicatorRules) {
        func rate(_ n: Int, _ d: Int) -> Double? { d > 0 ? Double(n) / Double(d) : nil }
        let parkedOut = rules.parkedLeaveDenominators ? parked : 0
        closureRate = rate(closed, registered - parkedOut)
        onTimeRate = rate(onTime, due - (rules.parkedLeaveDenominators ? dueParked : 0))
        reworkRate = rate(reworked, handled)
        satisfactionRate = rate(satisfied, callbacks)
        averageHandlingHours = closed > 0 ? handlingSeconds / Double(closed) / 3600 : nil
        registeredInTimeRate = rate(registeredInTime, registered)
        dispatchedInTimeRate = rate(dispatchedInTime, dispatched)
    }
}

extension CaseDesk {
    /// The indicator table of the cases registered in [from, to) within `division` (default: the
    /// caller's scope), one row per group, for the command center, dispatchers and auditors.
    public func indicators(by grouping: IndicatorGrouping, from: Date, to: Date, division: DivisionCode? = nil, rules: IndicatorRules = IndicatorRules(),
                           by caller: Principal) async throws -> [IndicatorRow] {
        try caller.require(anyOf: .commandOperator, .dispatcher, .auditor)
        return try await indicators(by: grouping, from: from, to: to, division: division, rules: rules, by: caller, useRollup: true)
    }

    /// Within the caller's scope, whatever their role (the wall display's figures). `useRollup:
    /// false` counts over the cases themselves (what the kept table is tested against).
    func indicators(by grouping: IndicatorGrouping, from: Date, to: Date, division: DivisionCode?, rules: IndicatorRules, by caller: Principal,
                    useRollup: Bool) async throws -> [IndicatorRow] {
        guard from < to, to.timeIntervalSince(from) <= 400 * 86_400 else {
            throw CasesError.invalidField("from", zh: "统计区间应在 400 天以内且起点早于终点", en: "The period must start before it ends and span at most 400 days")
        }
        let scope = try caller.staffScope()
        if let division { try caller.requireScope(division) }
        let within = division.map(DivisionScope.init) ?? scope
        let rows: [IndicatorRow]
        if useRollup, rules.registerWithin == IndicatorRules().registerWithin, rules.dispatchWithin == IndicatorRules().dispatchWithin,
           IndicatorRollup.isMidnight(from), IndicatorRollup.isMidnight(to) {
            // Whole days at the default service levels: the table kept by the triggers.
            let grouped: SQLQueryString = grouping.column == nil ? "" : "GROUP BY key ORDER BY key"
            let kept = IndicatorRollup.counters("x", postgres: false).map { (column: $0.column, value: $0.column) }
            let query: SQLQueryString = """
                SELECT \(grouping.column == nil ? "CAST(NULL AS TEXT)" : "key") AS key, \(IndicatorRollup.sums(kept))
                FROM \(IndicatorRollup.table)
                WHERE dimension = \(bind: grouping == .total ? "division" : grouping.rawValue) AND division_code LIKE \(bind: within.likePattern)
                  AND day >= \(bind: ChinaTime.dayNumber(from)) AND day < \(bind: ChinaTime.dayNumber(to))
                \(grouped)
                """
            rows = try await store.read { db in try await db.raw(query).all(decoding: IndicatorRow.Counts.self, keyDecodingStrategy: .convertFromSnakeCase) }
                .map { $0.row(emptyKeyIsNil: true) }
        } else {
            // The same formulas summed over the cases themselves.
            let group: SQLQueryString = grouping.column.map { SQLQueryString("c.\($0)") } ?? "CAST(NULL AS TEXT)"
            // PostgreSQL refuses a constant in GROUP BY: the total is one group without it.
            let grouped: SQLQueryString = grouping.column.map { SQLQueryString("GROUP BY c.\($0) ORDER BY c.\($0)") } ?? ""
            let counters = IndicatorRollup.counters("c", postgres: store.dialect.engine == .postgres, rules: rules)
            let query: SQLQueryString = """
                SELECT \(group) AS key, \(IndicatorRollup.sums(counters))
                FROM cases c
                WHERE c.registered_at >= \(bind: from) AND c.registered_at < \(bind: to) AND c.division_code LIKE \(bind: within.likePattern)
                  AND c.state NOT IN \(IndicatorRollup.outside)
                \(grouped)
                """
            rows = try await store.read { db in try await db.raw(query).all(decoding: IndicatorRow.Counts.self, keyDecodingStrategy: .convertFromSnakeCase) }
                .map { $0.row(emptyKeyIsNil: false) }
        }
        return rows.filter { $0.registered > 0 }.map { r in
            var row = r
            row.derive(rules)
            return row
        }
    }
}

extension IndicatorRow {
    /// The counts as a query returns them.
    struct Counts: Decodable {
        let key: String?
        let registered, closed, parked, due, dueParked, onTime, handled, reworked, callbacks, satisfied, overdue, dispatched, registeredInTime, dispatchedInTime: Int
        let handlingSeconds: Double

        /// The row; the kept table writes a missing organisation or grid as ''.
        func row(emptyKeyIsNil: Bool) -> IndicatorRow {
            IndicatorRow(key: emptyKeyIsNil && key == "" ? nil : key, registered: registered, closed: closed, parked: parked, due: due, dueParked: dueParked,
                         onTime: onTime, handled: handled, reworked: reworked, callbacks: callbacks, satisfied: satisfied, overdue: overdue, dispatched: dispatched,
                         registeredInTime: registeredInTime, dispatchedInTime: dispatchedInTime, handlingSeconds: handlingSeconds)
        }
    }
}
