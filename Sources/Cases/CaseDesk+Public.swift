import CityCore
import CityStore
import Foundation
import SQLKit

/// A case as the public sees it through Open311: no reporter, no personal field; only cases
/// filed through a public channel (Open311 itself, the citizen portal), whose descriptions were
/// written to be shown. Hotline calls and inspectors' reports stay inside the government.
public struct PublicCase: Sendable, Equatable {
    public var number: String
    /// `open` or `closed`, as Open311 says it.
    public var isOpen: Bool
    public var statusNotes: String?
    public var categoryCode: String
    public var categoryName: String?
    public var description: String
    public var organisationCode: String?
    public var reportedAt: Date
    public var updatedAt: Date
    public var deadlineAt: Date?
    public var address: String?
    public var location: GeoPoint?
}

/// What an Open311 `GET requests` asks for.
public struct PublicCaseQuery: Sendable {
    /// Given numbers override every other filter.
    public var numbers: [String]
    public var categoryCodes: [String]
    public var from: Date?
    public var to: Date?
    /// nil: both.
    public var open: Bool?
    public var limit: Int

    public init(numbers: [String] = [], categoryCodes: [String] = [], from: Date? = nil, to: Date? = nil, open: Bool? = nil, limit: Int = 1_000) {
        self.numbers = numbers
        self.categoryCodes = categoryCodes
        self.from = from
        self.to = to
        self.open = open
        self.limit = limit
    }
}

extension CaseDesk {
    static let publicChannels = [CaseChannel.open311.rawValue, CaseChannel.citizen.rawValue]

    /// Public cases, newest first: by number, or by category, time (the last 90 days unless said;
    /// a range of at most 90 days) and status.
    public func publicCases(_ query: PublicCaseQuery) async throws -> [PublicCase] {
        var conditions: [SQLQueryString] = ["channel IN \(SQLBind.group(Self.publicChannels))"]
        let numbers = query.numbers.filter { CaseNumber.division(of: $0) != nil }
        if !query.numbers.isEmpty {
            guard !numbers.isEmpty else { return [] }
            conditions.append("number IN \(SQLBind.group(numbers))")
        } else {
            let to = query.to ?? clock.now()
            let from = query.from ?? to.addingTimeInterval(-90 * 86_400)
            guard from <= to, to.timeIntervalSince(from) <= 90 * 86_400 else {
                throw CasesError.invalidField("start_date", zh: "查询时间范围不能超过 90 天", en: "start_date to end_date may not span more than 90 days")
            }
            conditions.append("reported_at >= \(bind: from) AND reported_at <= \(bind: to)")
            if !query.categoryCodes.isEmpty { conditions.append("category_code IN \(SQLBind.group(query.categoryCodes))") }
            if let open = query.open {
                let states = CaseState.allCases.filter { ($0.isOpen || $0 == .parked) == open }.map(\.rawValue)
                conditions.append("state IN \(SQLBind.group(states))")
            }
        }
        let whereClause = conditions.joined(separator: " AND ")
        let limit = min(max(query.limit, 1), 1_000)
        struct Note: Decodable { let number: String; let note: String }
        return try await store.read { db in
            let rows = try await db.raw("SELECT * FROM cases WHERE \(whereClause) ORDER BY reported_at DESC, number LIMIT \(bind: limit)")
                .all(decoding: CaseRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            let names = try await Self.categoryNames(Set(rows.map(\.categoryCode)), on: db)
            // Each case's latest note, read for the whole page at once (numbers are unique across divisions).
            var lastNote: [String: String] = [:]
            if !rows.isEmpty {
                for n in try await db.raw("""
                    SELECT number, note FROM case_events WHERE number IN \(SQLBind.group(rows.map(\.number))) AND note IS NOT NULL ORDER BY number, seq
                    """).all(decoding: Note.self) {
                    lastNote[n.number] = n.note
                }
            }
            var out: [PublicCase] = []
            for row in rows {
                let state = row.caseState
                out.append(PublicCase(number: row.number, isOpen: state.isOpen || state == .parked, statusNotes: lastNote[row.number] ?? state.labelZh,
                                      categoryCode: row.categoryCode, categoryName: names[row.categoryCode], description: row.description,
                                      organisationCode: row.organisationCode, reportedAt: row.reportedAt, updatedAt: row.updatedAt,
                                      deadlineAt: row.deadlineAt, address: row.address,
                                      location: row.lon.flatMap { lon in row.lat.map { GeoPoint(lon: lon, lat: $0) } }))
            }
            return out
        }
    }

    static func categoryNames(_ codes: Set<String>, on db: any SQLDatabase) async throws -> [String: String] {
        guard !codes.isEmpty else { return [:] }
        struct Row: Decodable { let code: String; let name: String }
        return Dictionary(uniqueKeysWithValues: try await db.raw("SELECT code, name FROM case_categories WHERE code IN \(SQLBind.group(Array(codes)))")
            .all(decoding: Row.self).map { ($0.code, $0.name) })
    }
}
