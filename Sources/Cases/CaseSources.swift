import CityCore
import CityStore

/// The cases as the exchange reads them (`RowSource`), keyed by case number (its first six digits
/// are the case's division, the table's partition). Merged cases are left out: their master carries them.
public enum CaseSources {
    public static func cases(_ store: Store) -> SharedTable {
        SharedTable(store: store, table: "cases", partitionColumn: "division_code", keyColumn: "number",
                    split: { key in key.count >= 6 ? (String(key.prefix(6)), key) : nil }, join: { _, key in key },
                    columns: [.init("number", "number"), .init("channel", "channel"), .init("kind", "kind"), .init("categoryCode", "category_code"),
                              .init("urgency", "urgency"), .init("state", "state"), .init("description", "description"), .init("address", "address"),
                              .init("lon", "lon", .number), .init("lat", "lat", .number), .init("gridCode", "grid_code"), .init("divisionCode", "division_code"),
                              .init("organisationCode", "organisation_code"), .init("reporterPhone", "reporter_phone"), .init("reportedAt", "reported_at", .timestamp),
                              .init("deadlineAt", "deadline_at", .timestamp), .init("closedAt", "closed_at", .timestamp), .init("satisfied", "satisfied", .bool)],
                    condition: "merged_into IS NULL")
    }
}
