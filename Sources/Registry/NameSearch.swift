import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// A search by name within a division scope, as the persons and legal-entity registries offer
/// it: the exact name or its beginning, over their `(name, division_code)` index, paged, counted
/// up to 10,000. The caller's scope bounds the division asked for.
struct NameSearch {
    let name: String
    let prefix: Bool
    let within: DivisionScope

    /// The search, or why it is refused: a name of 1 to `maxLength` characters without control
    /// characters, a division within the caller's scope (default: all of it).
    init(name: String, prefix: Bool, division: DivisionCode?, maxLength: Int, what: (zh: String, en: String), by caller: Principal) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= maxLength, !Text.hasForbiddenControl(trimmed) else {
            throw RegistryError.invalidField("name", zh: "请给出 1 到 \(maxLength) 字的\(what.zh)", en: "Give a \(what.en) of 1 to \(maxLength) characters")
        }
        if let division { try caller.requireScope(division) }
        self.name = trimmed
        self.prefix = prefix
        self.within = try division.map(DivisionScope.init) ?? caller.staffScope()
    }

    /// One page of `table`'s rows found, ordered by name then `key`, and how many there are (up
    /// to 10,000), read in one snapshot.
    func run<Row: Sendable>(_ table: String, key: String, page: PageRequest, on store: Store,
                            _ decode: @escaping @Sendable (any SQLRow) throws -> Row) async throws -> (rows: [Row], total: Int) {
        let match: SQLQueryString = prefix
            ? "name >= \(bind: name) AND name < \(bind: name + "\u{10FFFF}") AND division_code LIKE \(bind: within.likePattern)"
            : "name = \(bind: name) AND division_code LIKE \(bind: within.likePattern)"
        return try await store.read { db in
            let rows = try await db.raw("""
                SELECT * FROM \(unsafeRaw: table) WHERE \(match) ORDER BY name, \(unsafeRaw: key) LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all().map(decode)
            let total = try await db.raw("SELECT COUNT(*) AS n FROM (SELECT 1 FROM \(unsafeRaw: table) WHERE \(match) LIMIT 10000) AS m")
                .first(decoding: MatchCount.self)?.n ?? 0
            return (rows, total)
        }
    }

    /// The audit entry's detail: the query, how many were shown of how many, and their keys.
    func auditDetail(shown keys: [String], total: Int, plain: Bool) -> String {
        "name \(prefix ? "prefix " : "")\(name) in \(within.root): \(keys.count) of \(total), \(plain ? "plain" : "masked"): \(keys.joined(separator: ","))"
    }
}

private struct MatchCount: Decodable { let n: Int }
