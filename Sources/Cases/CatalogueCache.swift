import CityStore
import Foundation
import SQLKit
import Synchronization

/// This process's copy of the command center's reference data (categories, routing rules,
/// deadline rules, the working-day calendar), which every intake and most transitions read. It is
/// checked inside the caller's transaction against `case_catalogue_version`, which every change
/// to those tables bumps in its own transaction (cases migration 4's triggers), so an edit made
/// through any process, or by hand, is seen by the next transaction that starts after it.
final class CatalogueCache: Sendable {
    /// The reference data as of one version.
    struct Snapshot: Sendable {
        let version: Int64
        let categories: [String: CaseCategory]
        let routingRules: [RoutingRule]
        let deadlineRules: [DeadlineRule]
        let calendar: WorkCalendar

        /// The organisation the most specific rule names for `category` in `division`: the longest
        /// matching category prefix, then the longest division prefix. Nil: a dispatcher decides.
        func route(category: String, division: String) -> String? {
            routingRules.filter { category.hasPrefix($0.categoryPrefix) && division.hasPrefix($0.divisionPrefix) }
                .max { ($0.categoryPrefix.count, $0.divisionPrefix.count) < ($1.categoryPrefix.count, $1.divisionPrefix.count) }?
                .organisationCode
        }

        /// The handling time limit of `row` under the deadline rules.
        func limit(for row: CaseRow) -> TimeLimit {
            CaseCatalogue.limit(category: row.categoryCode, kind: row.kind.flatMap(HotlineKind.init), urgency: CaseUrgency(rawValue: row.urgency) ?? .normal,
                                rules: deadlineRules)
        }
    }

    private let current = Mutex<Snapshot?>(nil)

    init() {}

    /// The reference data as the caller's transaction sees it: the cached copy when its version is
    /// still the stored one (one small read), otherwise read afresh and kept.
    func snapshot(on db: any SQLDatabase) async throws -> Snapshot {
        struct Version: Decodable { let version: Int64 }
        let version = try await db.raw("SELECT version FROM case_catalogue_version WHERE id = 1").first(decoding: Version.self)?.version ?? 0
        if let cached = current.withLock({ $0 }), cached.version == version { return cached }
        // Read after the version: at worst the copy is newer than its label, and is read again.
        let categories = try await db.raw("SELECT * FROM case_categories").all(decoding: CaseCategory.self, keyDecodingStrategy: .convertFromSnakeCase)
        let routing = try await db.raw("SELECT category_prefix, division_prefix, organisation_code FROM case_routing_rules")
            .all(decoding: RoutingRule.self, keyDecodingStrategy: .convertFromSnakeCase)
        let loaded = Snapshot(version: version, categories: Dictionary(categories.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a }),
                              routingRules: routing, deadlineRules: try await CaseCatalogue.deadlineRules(on: db),
                              calendar: try await CaseCatalogue.calendar(on: db))
        current.withLock { kept in
            if (kept?.version ?? -1) < version { kept = loaded }
        }
        return loaded
    }
}
