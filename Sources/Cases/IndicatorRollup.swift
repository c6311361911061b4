import CityCore
import CityStore
import Foundation

/// The indicator table kept as it goes: per division, grouping (organisation, grid, category,
/// division), key and day of registration (China time), the sums `CaseDesk.indicators` would
/// otherwise count over every case. Triggers on `cases` add each row's contribution and take away
/// its old one in the statement that writes it, so every writer keeps it right (the desk, the
/// deadline jobs, the generator, an operator's SQL) and a year's table reads a few thousand rows
/// instead of every case. The contribution is a function of the row alone: see `IndicatorRow`.
///
/// Kept for the default service levels (`IndicatorRules.registerWithin` and `dispatchWithin`);
/// other levels, or periods that do not start and end at midnight in China, are counted over the
/// cases themselves with the same formulas.
enum IndicatorRollup {
    static let table = "case_indicator_days"

    /// The groupings kept, with the column each is keyed by (no organisation or grid: '').
    static let groupings: [(name: String, column: String)] = [
        ("organisation", "organisation_code"), ("grid", "grid_code"), ("category", "category_code"), ("division", "division_code"),
    ]

    /// The states outside the loop: not in the cohort.
    static let outside = "('rejected', 'merged', 'handedOff')"

    /// The counters and each one's contribution for a case row `r` ("NEW", "OLD" or a table alias),
    /// at `rules`' service levels (the kept table's are the defaults): the one statement of the
    /// formulas, for the triggers, the backfill and the count over the cases alike.
    static func counters(_ r: String, postgres: Bool, rules: IndicatorRules = IndicatorRules()) -> [(column: String, value: String)] {
        func seconds(_ later: String, _ earlier: String) -> String {
            postgres ? "EXTRACT(EPOCH FROM (\(r).\(later) - \(r).\(earlier)))" : "(\(r).\(later) - \(r).\(earlier))"
        }
        func flag(_ condition: String) -> String { "CASE WHEN \(condition) THEN 1 ELSE 0 END" }
        let handled = "\(r).state IN ('reportedBack', 'closed')"
        // Seconds as SQL: whole ones as integers (what migration 5's text holds); a non-finite
        // level matches nothing, as a bound NaN would.
        func level(_ seconds: TimeInterval) -> String {
            guard seconds.isFinite else { return "NULL" }
            return seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
        }
        return [
            ("registered", "1"),
            ("closed", flag("\(r).state = 'closed'")),
            ("parked", flag("\(r).state = 'parked'")),
            ("due", flag("\(r).deadline_at IS NOT NULL AND (\(handled) OR \(r).overdue_at IS NOT NULL)")),
            ("due_parked", flag("\(r).state = 'parked' AND \(r).deadline_at IS NOT NULL AND \(r).overdue_at IS NOT NULL")),
            ("on_time", flag("\(r).deadline_at IS NOT NULL AND \(handled) AND \(r).overdue_at IS NULL")),
            ("handled", flag("\(handled) OR \(r).reworks > 0")),
            ("reworked", flag("\(r).reworks > 0")),
            ("callbacks", flag("\(r).callback_at IS NOT NULL")),
            ("satisfied", flag("\(r).callback_at IS NOT NULL AND \(r).satisfied = TRUE")),
            ("overdue", flag("\(r).overdue_at IS NOT NULL")),
            ("dispatched", flag("\(r).dispatched_at IS NOT NULL")),
            ("registered_in_time", flag("\(seconds("registered_at", "reported_at")) <= \(level(rules.registerWithin))")),
            ("dispatched_in_time", flag("\(r).dispatched_at IS NOT NULL AND \(seconds("dispatched_at", "registered_at")) <= \(level(rules.dispatchWithin))")),
            ("handling_seconds", "CAST(CASE WHEN \(r).state = 'closed' AND \(r).dispatched_at IS NOT NULL THEN \(seconds("closed_at", "dispatched_at")) ELSE 0 END AS DOUBLE PRECISION)"),
        ]
    }

    /// Each counter summed over the rows a query reads, typed alike on both engines (0 over none).
    static func sums(_ counters: [(column: String, value: String)]) -> String {
        counters.map { c in
            "CAST(COALESCE(SUM(\(c.value)), 0) AS \(c.column == "handling_seconds" ? "DOUBLE PRECISION" : "BIGINT")) AS \(c.column)"
        }.joined(separator: ", ")
    }

    /// The day of registration in China (UTC+8, no daylight saving) as days since 1970-01-01.
    static func day(_ r: String, postgres: Bool) -> String {
        postgres ? "CAST(FLOOR((EXTRACT(EPOCH FROM \(r).registered_at) + 28800) / 86400) AS INTEGER)"
                 : "CAST((\(r).registered_at + 28800) / 86400 AS INTEGER)"
    }

    /// Whether `date` is midnight in China.
    static func isMidnight(_ date: Date) -> Bool {
        ChinaTime.startOfDay(date) == date
    }

    static func inCohort(_ r: String) -> String {
        "\(r).registered_at IS NOT NULL AND \(r).state NOT IN \(outside)"
    }

    /// One grouping's rows of row `r`'s contribution, signed.
    static func contribution(_ r: String, sign: String, postgres: Bool) -> String {
        let keys = groupings.map { "SELECT '\($0.name)' AS dimension, COALESCE(\(r).\($0.column), '') AS key" }.joined(separator: " UNION ALL ")
        let values = counters(r, postgres: postgres).map { "\(sign)(\($0.value)) AS \($0.column)" }.joined(separator: ", ")
        return "SELECT \(r).division_code AS division_code, g.dimension AS dimension, g.key AS key, \(day(r, postgres: postgres)) AS day, \(values) FROM (\(keys)) g WHERE \(inCohort(r))"
    }

    static var columns: [String] { ["division_code", "dimension", "key", "day"] + counters("x", postgres: false).map(\.column) }

    /// The upsert that adds the contributions of `rows` (OLD taken away, NEW added), in key order so
    /// two transactions meet the same rows in the same order.
    static func upsert(_ rows: [(String, String)], postgres: Bool) -> String {
        let parts = rows.map { contribution($0.0, sign: $0.1, postgres: postgres) }.joined(separator: " UNION ALL ")
        let counterColumns = counters("x", postgres: false).map(\.column)
        return """
            INSERT INTO \(table) (\(columns.joined(separator: ", ")))
            SELECT division_code, dimension, key, day, \(counterColumns.map { "SUM(\($0))" }.joined(separator: ", "))
            FROM (\(parts)) d WHERE TRUE
            GROUP BY division_code, dimension, key, day ORDER BY division_code, dimension, key, day
            ON CONFLICT (division_code, dimension, key, day) DO UPDATE SET \(counterColumns.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", "))
            """
    }

    /// The table, what the cases already stored contribute, and the triggers that keep it.
    static var migrationStatements: [String] {
        let counterColumns = counters("x", postgres: false).map { "\($0.column) \($0.column == "handling_seconds" ? "DOUBLE PRECISION" : "{bigint}") NOT NULL" }
        var statements = ["""
            CREATE TABLE \(table) (
                division_code TEXT NOT NULL,
                dimension TEXT NOT NULL,
                key TEXT NOT NULL,
                day INTEGER NOT NULL,
                \(counterColumns.joined(separator: ",\n    ")),
                PRIMARY KEY (division_code, dimension, key, day)
            )
            """, "CREATE INDEX \(table)_period ON \(table) (dimension, day)"]
        for postgres in [false, true] {
            let prefix = postgres ? "postgres:" : "sqlite:"
            for g in groupings {
                let values = counters("c", postgres: postgres).map { "SUM(\($0.value))" }.joined(separator: ", ")
                statements.append(prefix + """
                    INSERT INTO \(table) (\(columns.joined(separator: ", ")))
                    SELECT c.division_code, '\(g.name)', COALESCE(c.\(g.column), ''), \(day("c", postgres: postgres)), \(values)
                    FROM cases c WHERE \(inCohort("c")) GROUP BY 1, 2, 3, 4
                    """)
            }
        }
        for (event, rows) in [("INSERT", [("NEW", "+")]), ("UPDATE", [("OLD", "-"), ("NEW", "+")]), ("DELETE", [("OLD", "-")])] {
            statements.append("sqlite:CREATE TRIGGER cases_indicators_\(event.lowercased()) AFTER \(event) ON cases BEGIN \(upsert(rows, postgres: false)); END")
        }
        statements.append("""
            postgres:CREATE FUNCTION cases_indicators() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN \(upsert([("NEW", "+")], postgres: true));
                ELSIF TG_OP = 'UPDATE' THEN \(upsert([("OLD", "-"), ("NEW", "+")], postgres: true));
                ELSE \(upsert([("OLD", "-")], postgres: true));
                END IF;
                RETURN NULL;
            END $$
            """)
        statements.append("postgres:CREATE TRIGGER cases_indicators AFTER INSERT OR UPDATE OR DELETE ON cases FOR EACH ROW EXECUTE FUNCTION cases_indicators()")
        return statements
    }
}
