import CityCore
import CityStore

/// The licence library as the exchange reads it (`RowSource`): keyed `<division>:<identifier>`
/// (the table's partition and key), filterable by holder, type, issuer and status, so another
/// system reads a holder's licences under a grant with `filter=holderId:…`.
public enum LicenceSources {
    public static func licences(_ store: Store) -> any RowSource {
        Library(table: SharedTable(
            store: store, table: "licences", partitionColumn: "division_code", keyColumn: "id",
            split: { key in
                guard let colon = key.firstIndex(of: ":") else { return nil }
                return (String(key[..<colon]), String(key[key.index(after: colon)...]))
            },
            join: { division, id in "\(division):\(id)" },
            columns: [.init("id", "id"), .init("number", "number"), .init("type", "type"), .init("issuerCode", "issuer_code"), .init("holderKind", "holder_kind"),
                      .init("holderId", "holder_id"), .init("holderName", "holder_name"), .init("divisionCode", "division_code"),
                      .init("validFrom", "valid_from", .timestamp), .init("validUntil", "valid_until", .timestamp), .init("status", "status"),
                      .init("statusReason", "status_reason"), .init("issuedAt", "issued_at", .timestamp), .init("jws", "jws")]))
    }

    struct Library: RowSource {
        let table: SharedTable
        var filterable: Set<String> { table.filterable }
        func rows(_ query: RowQuery) async throws -> [SharedRow] { try await table.rows(query) }
        /// The change log names a licence by its identifier and division.
        func rowKey(recordType: String, recordKey: String, divisionCode: String?) -> String { "\(divisionCode ?? ""):\(recordKey)" }
    }
}
