import CityCore
import Foundation
import SQLKit

/// A module's table read in key order for the exchange (`RowSource`): a table whose primary key is
/// (partition, key), so key order is index order and a page after a key is one index range. A
/// row's shared key is built from both (or is the key alone when the key carries the partition,
/// as an ID number or a case number carries its division's digits).
public struct SharedTable: RowSource {
    /// How a column's value becomes a JSON value.
    public enum Kind: Sendable { case text, number, bool, timestamp }

    public struct Column: Sendable {
        public let field: String
        public let column: String
        public let kind: Kind
        public init(_ field: String, _ column: String, _ kind: Kind = .text) {
            self.field = field
            self.column = column
            self.kind = kind
        }
    }

    let store: Store
    /// Names from code, never from input.
    let table: String
    let partitionColumn: String
    let keyColumn: String
    let divisionColumn: String
    /// A shared key → (partition, key); nil when it cannot be one of this table's.
    let split: @Sendable (String) -> (String, String)?
    /// (partition, key) → the shared key.
    let join: @Sendable (String, String) -> String
    let columns: [Column]
    /// A condition every row meets (from code), e.g. to leave out merged records.
    let condition: String?

    public init(store: Store, table: String, partitionColumn: String, keyColumn: String, divisionColumn: String = "division_code",
                split: @escaping @Sendable (String) -> (String, String)?, join: @escaping @Sendable (String, String) -> String,
                columns: [Column], condition: String? = nil) {
        self.store = store
        self.table = table
        self.partitionColumn = partitionColumn
        self.keyColumn = keyColumn
        self.divisionColumn = divisionColumn
        self.split = split
        self.join = join
        self.columns = columns
        self.condition = condition
    }

    /// The fields a query may filter by: text columns (equality).
    public var filterable: Set<String> { Set(columns.filter { $0.kind == .text }.map(\.field)) }

    public func rows(_ query: RowQuery) async throws -> [SharedRow] {
        let byField = Dictionary(columns.map { ($0.field, $0) }, uniquingKeysWith: { a, _ in a })
        let head = Set([partitionColumn, keyColumn, divisionColumn]).sorted().joined(separator: ", ")
        var sql = SQLQueryString("SELECT \(head)")
        for column in columns { sql += SQLQueryString(", \(column.column)") }
        sql += SQLQueryString(" FROM \(table) WHERE 1 = 1")
        if let condition { sql += SQLQueryString(" AND " + condition) }
        if let after = query.after {
            guard let (p, key) = split(after) else { return [] }
            sql += SQLQueryString(" AND (\(partitionColumn) > ") + "\(bind: p)" + SQLQueryString(" OR (\(partitionColumn) = ") + "\(bind: p)"
            sql += SQLQueryString(" AND \(keyColumn) > ") + "\(bind: key)))"
        }
        if let keys = query.keys {
            let pairs = keys.compactMap(split)
            guard !pairs.isEmpty else { return [] }
            sql += SQLQueryString(" AND \(partitionColumn) IN (") + "\(binds: Array(Set(pairs.map(\.0))).sorted())" + SQLQueryString(") AND \(keyColumn) IN (")
            sql += "\(binds: pairs.map(\.1))" + SQLQueryString(")")
        }
        if let prefix = query.divisionPrefix { sql += SQLQueryString(" AND \(divisionColumn) LIKE ") + "\(bind: prefix + "%")" }
        for (field, value) in query.filters.sorted(by: { $0.key < $1.key }) {
            guard let column = byField[field], column.kind == .text else { continue }
            sql += SQLQueryString(" AND \(column.column) = ") + "\(bind: value)"
        }
        sql += SQLQueryString(" ORDER BY \(partitionColumn), \(keyColumn) LIMIT ") + "\(bind: query.limit)"
        let statement = sql
        let columns = self.columns
        let keyColumn = self.keyColumn, divisionColumn = self.divisionColumn, partitionColumn = self.partitionColumn, join = self.join
        return try await store.read { db in
            try await db.raw(statement).all().map { row in
                var values: [String: JSONValue] = [:]
                for column in columns {
                    switch column.kind {
                    case .text: values[column.field] = try row.decode(column: column.column, as: String?.self).map { .string($0) } ?? .null
                    case .number: values[column.field] = try row.decode(column: column.column, as: Double?.self).map { .number($0) } ?? .null
                    case .bool: values[column.field] = try row.decode(column: column.column, as: Bool?.self).map { .bool($0) } ?? .null
                    case .timestamp: values[column.field] = try row.decode(column: column.column, as: Date?.self).map { .string($0.secondISO8601) } ?? .null
                    }
                }
                let key = join(try row.decode(column: partitionColumn, as: String.self), try row.decode(column: keyColumn, as: String.self))
                return SharedRow(key: key, divisionCode: try row.decode(column: divisionColumn, as: String?.self),
                                 values: values)
            }
        }
    }
}
