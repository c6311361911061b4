import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// The wall display's picture of the city at one moment, within the reader's scope: today's key
/// figures and service levels, cases by channel and category, the 7-day and 24-hour trends, the
/// organisations ranked by on-time rate this month, the latest cases and the open cases to mark
/// on the map. Nothing personal: any staff member may read it for their scope.
public struct ScreenPicture: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public var key: String
        public var name: String?
        public var count: Int
    }

    public var at: Date
    /// Cases reported today (China time), open now, open and overdue now.
    public var today: Int
    public var inProgress: Int
    public var overdue: Int
    /// Today's indicator total (closure, on-time, satisfaction, service levels), when any case was registered.
    public var indicators: IndicatorRow?
    public var byChannel: [Count]
    public var byCategory: [Count]
    /// Cases reported on each of the last 7 days (oldest first; key YYYY-MM-DD) and in each of the last 24 hours (key HH).
    public var days: [Count]
    public var hours: [Count]
    /// This month's organisations by on-time rate (best first).
    public var ranking: [IndicatorRow]
    /// The newest cases, and the open ones for the map (newest first).
    public var latest: [CaseSignal]
    public var markers: [CaseSignal]
}

extension CaseDesk {
    /// How many open cases the map shows at most (the newest).
    public static let screenMarkers = 1_500

    public func screen(by caller: Principal) async throws -> ScreenPicture {
        let scope = try caller.staffScope()
        let now = clock.now()
        let midnight = Self.chinaMidnight(of: now)
        let like = scope.likePattern
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        struct N: Decodable { let n: Int }
        struct Keyed: Decodable { let key: String?; let name: String?; let n: Int }
        struct Stamp: Decodable { let reportedAt: Date }
        let dayStart = midnight.addingTimeInterval(-6 * 86_400)
        let (today, inProgress, overdue, channels, categories, stamps) = try await store.read { db in
            let today = try await db.raw("SELECT COUNT(*) AS n FROM cases WHERE reported_at >= \(bind: midnight) AND division_code LIKE \(bind: like)")
                .first(decoding: N.self)?.n ?? 0
            let inProgress = try await db.raw("SELECT COUNT(*) AS n FROM cases WHERE state IN \(SQLBind.group(open)) AND division_code LIKE \(bind: like)")
                .first(decoding: N.self)?.n ?? 0
            let overdue = try await db.raw("""
                SELECT COUNT(*) AS n FROM cases WHERE state IN ('dispatched', 'handling') AND overdue_at IS NOT NULL AND division_code LIKE \(bind: like)
                """).first(decoding: N.self)?.n ?? 0
            let channels = try await db.raw("""
                SELECT channel AS key, CAST(NULL AS TEXT) AS name, COUNT(*) AS n FROM cases
                WHERE reported_at >= \(bind: midnight) AND division_code LIKE \(bind: like) GROUP BY channel ORDER BY n DESC
                """).all(decoding: Keyed.self, keyDecodingStrategy: .convertFromSnakeCase)
            let categories = try await db.raw("""
                SELECT c.category_code AS key, k.name AS name, COUNT(*) AS n FROM cases c LEFT JOIN case_categories k ON k.code = c.category_code
                WHERE c.reported_at >= \(bind: midnight) AND c.division_code LIKE \(bind: like) GROUP BY c.category_code, k.name ORDER BY n DESC LIMIT 8
                """).all(decoding: Keyed.self, keyDecodingStrategy: .convertFromSnakeCase)
            let stamps = try await db.raw("""
                SELECT reported_at FROM cases WHERE reported_at >= \(bind: min(dayStart, now.addingTimeInterval(-86_400))) AND division_code LIKE \(bind: like)
                """).all(decoding: Stamp.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (today, inProgress, overdue, channels, categories, stamps)
        }
        let indicators = try await self.indicators(by: .total, from: midnight, to: midnight.addingTimeInterval(86_400), division: nil, rules: IndicatorRules(), by: caller, useRollup: true).first
        let monthStart = Self.chinaMidnight(of: now, firstOfMonth: true)
        let ranking = try await self.indicators(by: .organisation, from: monthStart, to: midnight.addingTimeInterval(86_400), division: nil, rules: IndicatorRules(), by: caller, useRollup: true)
            .filter { $0.key != nil && $0.onTimeRate != nil }
            .sorted { ($0.onTimeRate ?? 0, $0.registered) > ($1.onTimeRate ?? 0, $1.registered) }
        // The trends, counted from the report times.
        var days = (0..<7).map { i in ScreenPicture.Count(key: WorkCalendar.dayKey(dayStart.addingTimeInterval(Double(i) * 86_400 + 43_200)), name: nil, count: 0) }
        let hourStart = (now.timeIntervalSince1970 / 3_600).rounded(.down) * 3_600 - 23 * 3_600
        var hours = (0..<24).map { i -> ScreenPicture.Count in
            let t = Date(timeIntervalSince1970: hourStart + Double(i) * 3_600 + 28_800)
            return ScreenPicture.Count(key: String(format: "%02d", Int(t.timeIntervalSince1970 / 3_600) % 24), name: nil, count: 0)
        }
        for stamp in stamps {
            let d = Int((stamp.reportedAt.timeIntervalSince(dayStart) / 86_400).rounded(.down))
            if (0..<7).contains(d) { days[d].count += 1 }
            let h = Int(((stamp.reportedAt.timeIntervalSince1970 - hourStart) / 3_600).rounded(.down))
            if (0..<24).contains(h) { hours[h].count += 1 }
        }
        let (latest, markers) = try await store.read { db in
            let latest = try await Self.signalRows(db, "division_code LIKE \(bind: like)", limit: 12)
            let markers = try await Self.signalRows(db, "state IN \(SQLBind.group(open)) AND division_code LIKE \(bind: like)", limit: Self.screenMarkers)
            return (latest, markers)
        }
        return ScreenPicture(at: now, today: today, inProgress: inProgress, overdue: overdue, indicators: indicators,
                             byChannel: channels.map { .init(key: $0.key ?? "", name: $0.name, count: $0.n) },
                             byCategory: categories.map { .init(key: $0.key ?? "", name: $0.name, count: $0.n) },
                             days: days, hours: hours, ranking: Array(ranking.prefix(10)), latest: latest, markers: markers)
    }

    /// The newest cases matching `condition` as signals (cursor 0: not from the log).
    static func signalRows(_ db: any SQLDatabase, _ condition: SQLQueryString, limit: Int) async throws -> [CaseSignal] {
        struct Row: Decodable {
            let divisionCode: String, number: String, channel: String, categoryCode: String, categoryName: String?, state: String
            let description: String, address: String?, lon: Double?, lat: Double?, organisationCode: String?, deadlineAt: Date?, overdueAt: Date?
            let updatedAt: Date
        }
        let rows = try await db.raw("""
            SELECT c.division_code, c.number, c.channel, c.category_code, k.name AS category_name, c.state, c.description, c.address, c.lon, c.lat,
                   c.organisation_code, c.deadline_at, c.overdue_at, c.updated_at
            FROM (SELECT * FROM cases WHERE \(condition) ORDER BY reported_at DESC LIMIT \(bind: limit)) c
            LEFT JOIN case_categories k ON k.code = c.category_code ORDER BY c.reported_at DESC
            """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        return rows.map { row in
            CaseSignal(cursor: 0, at: row.updatedAt, number: row.number, divisionCode: row.divisionCode, operation: "updated", state: row.state,
                       channel: row.channel, categoryCode: row.categoryCode, categoryName: row.categoryName, summary: String(row.description.prefix(24)),
                       address: row.address, location: row.lon.flatMap { lon in row.lat.map { GeoPoint(lon: lon, lat: $0) } },
                       organisationCode: row.organisationCode, deadlineAt: row.deadlineAt, overdue: row.overdueAt != nil)
        }
    }

    /// Midnight in China (UTC+8) of the day `date` falls on, or of the first of its month.
    static func chinaMidnight(of date: Date, firstOfMonth: Bool = false) -> Date {
        let midnight = ChinaTime.startOfDay(date)
        guard firstOfMonth else { return midnight }
        let dayOfMonth = Int(WorkCalendar.dayKey(midnight.addingTimeInterval(43_200)).suffix(2)) ?? 1
        return midnight.addingTimeInterval(-Double(dayOfMonth - 1) * 86_400)
    }
}
