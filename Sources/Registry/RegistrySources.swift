import CityCore
import CityStore

/// The registries' records as the exchange reads them (`RowSource`). Who may read what is the
/// exchange's grants' business; these only read, in key order, within a division.
public enum RegistrySources {
    /// Golden records of persons, keyed by ID number (its first six digits are the partition).
    public static func persons(_ store: Store) -> SharedTable {
        SharedTable(store: store, table: "persons", partitionColumn: "id_division", keyColumn: "id_number",
                    split: { key in key.count == 18 ? (String(key.prefix(6)), key) : nil }, join: { _, key in key },
                    columns: [.init("idNumber", "id_number"), .init("name", "name"), .init("sex", "sex"), .init("birthDate", "birth_date"),
                              .init("phone", "phone"), .init("address", "address"), .init("divisionCode", "division_code")])
    }

    /// Golden records of legal entities, keyed by credit code (its registration division is the partition).
    public static func entities(_ store: Store) -> SharedTable {
        SharedTable(store: store, table: "entities", partitionColumn: "reg_division", keyColumn: "credit_code",
                    split: { key in key.count == 18 ? (String(key.dropFirst(2).prefix(6)), key) : nil }, join: { _, key in key },
                    columns: [.init("creditCode", "credit_code"), .init("name", "name"), .init("kind", "kind"), .init("legalRepIdNumber", "legal_rep_id_number"),
                              .init("address", "address"), .init("divisionCode", "division_code"), .init("status", "status"), .init("statusDate", "status_date"),
                              .init("businessScope", "business_scope")])
    }

    /// Grids, addresses and cameras as one resource: each row says its layer; keys are
    /// `layer:division/code`, addresses first, then cameras, then grids.
    public static func geography(_ store: Store) -> GeographyRows { GeographyRows(store: store) }
}

/// The geography layers read one after another in key order.
public struct GeographyRows: RowSource {
    let layers: [(name: String, table: SharedTable)]

    init(store: Store) {
        func table(_ name: String, _ columns: [SharedTable.Column]) -> (String, SharedTable) {
            (name, SharedTable(store: store, table: name + "s", partitionColumn: "division_code", keyColumn: "code",
                               split: { key in
                                   let parts = key.split(separator: "/", maxSplits: 1)
                                   return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                               },
                               join: { division, code in "\(division)/\(code)" },
                               columns: [.init("code", "code"), .init("name", "name"), .init("divisionCode", "division_code")] + columns))
        }
        layers = [
            table("address", [.init("kind", "kind"), .init("lon", "lon", .number), .init("lat", "lat", .number)]),
            table("camera", [.init("kind", "kind"), .init("lon", "lon", .number), .init("lat", "lat", .number), .init("ownerCode", "owner_code"),
                             .init("streamUrl", "stream_url"), .init("online", "online", .bool)]),
            table("grid", [.init("worker", "worker")]),
        ]
    }

    public var filterable: Set<String> { ["layer", "code", "name", "kind", "divisionCode", "ownerCode"] }

    /// Change-log entries name a grid, address or camera by its code; rows are `layer:division/code`.
    public func rowKey(recordType: String, recordKey: String, divisionCode: String?) -> String {
        "\(recordType):\(divisionCode ?? "")/\(recordKey)"
    }

    public func rows(_ query: RowQuery) async throws -> [SharedRow] {
        if let keys = query.keys {
            var out: [SharedRow] = []
            for (name, table) in layers {
                let mine = keys.filter { $0.hasPrefix(name + ":") }.map { String($0.dropFirst(name.count + 1)) }
                guard !mine.isEmpty else { continue }
                var inner = query
                inner.keys = mine
                inner.filters = [:]
                out += try await table.rows(inner).map { row in
                    var values = row.values
                    values["layer"] = .string(name)
                    return SharedRow(key: "\(name):\(row.key)", divisionCode: row.divisionCode, values: values)
                }
            }
            return out
        }
        var out: [SharedRow] = []
        let wanted = query.filters["layer"]
        var filters = query.filters
        filters["layer"] = nil
        var after = query.after
        for (name, table) in layers {
            if let wanted, wanted != name { continue }
            var inner: String?
            if let current = after {
                let parts = current.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let index = layers.firstIndex(where: { $0.name == parts[0] }) else { return [] }
                let mine = layers.firstIndex { $0.name == name }!
                if mine < index { continue }
                inner = mine == index ? String(parts[1]) : nil
                after = nil
            }
            let usable = filters.filter { table.filterable.contains($0.key) }
            guard usable.count == filters.count else { continue }
            let rows = try await table.rows(RowQuery(after: inner, limit: query.limit - out.count, divisionPrefix: query.divisionPrefix, filters: usable))
            out += rows.map { row in
                var values = row.values
                values["layer"] = .string(name)
                return SharedRow(key: "\(name):\(row.key)", divisionCode: row.divisionCode, values: values)
            }
            if out.count >= query.limit { break }
        }
        return out
    }
}
