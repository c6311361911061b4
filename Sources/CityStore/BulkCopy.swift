import CityCore
import Foundation
import Logging
import NIOCore
import PostgresKit
import SQLKit
import SQLiteKit

/// One value of a bulk-loaded row.
public enum BulkValue: Sendable, Equatable {
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case date(Date)
    case bytes(Data)
    case null

    /// The value in PostgreSQL's COPY text format: `\N` for NULL; backslash, tab, newline and
    /// carriage return escaped.
    var copyText: String {
        switch self {
        case .null: return "\\N"
        case .int(let n): return String(n)
        case .double(let x): return "\(x)"
        case .bool(let b): return b ? "t" : "f"
        case .date(let d): return d.millisecondISO8601
        case .bytes(let data):
            // bytea's hex form, its backslash doubled for COPY's text format.
            var out = "\\\\x"
            out.reserveCapacity(4 + data.count * 2)
            let digits = Array("0123456789abcdef".utf8)
            for byte in data {
                out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 15)]))
            }
            return out
        case .text(let s):
            var out = ""
            out.reserveCapacity(s.utf8.count)
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "\t": out += "\\t"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }

    /// The value bound through SQLKit (an insert that needs RETURNING or ON CONFLICT).
    public var bind: any Encodable & Sendable {
        switch self {
        case .null: String?.none
        case .int(let n): n
        case .double(let x): x
        case .bool(let b): b
        case .date(let d): d
        case .bytes(let data): data
        case .text(let s): s
        }
    }

    /// The value as an SQLKit expression for one row's INSERT: NULL as the literal (a bound nil
    /// is typed text, which PostgreSQL will not put in a timestamp or bytea column), anything
    /// else bound.
    public var expression: any SQLExpression {
        self == .null ? SQLLiteral.null : SQLBind(bind)
    }

    /// The value bound in a multi-row INSERT on SQLite, stored as SQLiteKit stores the same Swift
    /// value (a date as seconds since 1970, a boolean as 0 or 1), so rows read back alike
    /// whichever path wrote them.
    var sqlite: SQLiteData {
        switch self {
        case .null: .null
        case .int(let n): .integer(Int(n))
        case .double(let x): .float(x)
        case .bool(let b): .integer(b ? 1 : 0)
        case .date(let d): .float(d.timeIntervalSince1970)
        case .bytes(let data): .blob(ByteBuffer(bytes: data))
        case .text(let s): .text(s)
        }
    }
}

/// Loads many rows into a table inside a write transaction: PostgreSQL's COPY FROM STDIN (a
/// stream, no bound-parameter limit, several times faster than INSERT), SQLite's multi-row INSERT
/// in chunks under its bound-parameter limit. Table and column names come from code, never input.
public struct BulkCopier: Sendable {
    /// The connection of the write transaction, below SQLKit: COPY on PostgreSQL; on SQLite,
    /// statements whose values are bound as they are, without an Encodable round per value.
    enum Target: Sendable {
        case postgres(PostgresConnection)
        case sqlite(SQLiteConnection)
    }

    let target: Target
    let db: any SQLDatabase
    let logger: Logger

    /// Appends `rows` (each with one value per column) to `table`.
    public func copy(into table: String, columns: [String], rows: [[BulkValue]]) async throws {
        guard !rows.isEmpty else { return }
        switch target {
        case .postgres(let connection):
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                var buffer = ByteBuffer()
                for row in rows {
                    buffer.writeString(row.map(\.copyText).joined(separator: "\t"))
                    buffer.writeString("\n")
                    if buffer.readableBytes > 1 << 18 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
        case .sqlite(let connection):
            // SQLite allows 32,766 bound values a statement.
            let perStatement = max(1, 30_000 / max(columns.count, 1))
            let tuple = "(" + String(repeating: "?, ", count: columns.count - 1) + "?)"
            let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            for chunk in rows.chunked(perStatement) {
                var sql = head
                sql.reserveCapacity(head.utf8.count + chunk.count * (tuple.utf8.count + 2))
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count * columns.count)
                for (i, row) in chunk.enumerated() {
                    precondition(row.count == columns.count, "a bulk row has \(row.count) values for \(columns.count) columns")
                    if i > 0 { sql += ", " }
                    sql += tuple
                    for value in row { binds.append(value.sqlite) }
                }
                try await connection.query(sql, binds) { _ in }
            }
        }
    }
}

extension Store {
    /// Runs `body` in one write transaction with a `BulkCopier` on the same connection.
    public func bulkWrite<T: Sendable>(_ body: @Sendable (any SQLDatabase, BulkCopier) async throws -> T) async throws -> T {
        try await writeOnConnection { db, target in
            try await body(db, BulkCopier(target: target, db: db, logger: logger))
        }
    }
}
