import CityCore
import Foundation
import Logging
import NIOCore
import PostgresKit
import SQLKit

/// One value of a bulk-loaded row.
public enum BulkValue: Sendable, Equatable {
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case date(Date)
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

    /// The value bound in a multi-row INSERT (SQLite).
    public var bind: any Encodable & Sendable {
        switch self {
        case .null: String?.none
        case .int(let n): n
        case .double(let x): x
        case .bool(let b): b
        case .date(let d): d
        case .text(let s): s
        }
    }
}

/// Loads many rows into a table inside a write transaction: PostgreSQL's COPY FROM STDIN (a
/// stream, no bound-parameter limit, several times faster than INSERT), SQLite's multi-row INSERT
/// in chunks under its bound-parameter limit. Table and column names come from code, never input.
public struct BulkCopier: Sendable {
    enum Target: Sendable {
        case postgres(PostgresConnection)
        case sqlite
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
        case .sqlite:
            // SQLite allows 32,766 bound values a statement.
            let perStatement = max(1, 30_000 / max(columns.count, 1))
            for chunk in rows.chunked(perStatement) {
                var query = SQLQueryString("INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns.joined(separator: ", "))) VALUES ")
                for (i, row) in chunk.enumerated() {
                    if i > 0 { query += ", " }
                    query += "("
                    for (j, value) in row.enumerated() {
                        if j > 0 { query += ", " }
                        query += "\(bind: value.bind)"
                    }
                    query += ")"
                }
                try await db.raw(query).run()
            }
        }
    }
}

extension Store {
    /// Runs `body` in one write transaction with a `BulkCopier` on the same connection.
    public func bulkWrite<T: Sendable>(_ body: @Sendable (any SQLDatabase, BulkCopier) async throws -> T) async throws -> T {
        try await writeOnConnection { db, postgres in
            try await body(db, BulkCopier(target: postgres.map { .postgres($0) } ?? .sqlite, db: db, logger: logger))
        }
    }
}
