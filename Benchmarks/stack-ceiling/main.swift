// The stack's own ceiling for the audited requests, no CityHub code: the same Hummingbird, the
// same sqlite-nio (four readers and one writer on threads of their own, as CityHub's store has) or
// postgres-nio (a pool of 16 connections, as CityHub's), and the least a server must do to answer
//   GET /me            a bearer token looked up in memory, a small JSON answer;
//   GET /persons/{id}  the same token check, the person's row by primary key, and an audit row
//                      appended (hash-chained, group commit: one insert for the rows of the moment,
//                      each request answered once its row is committed);
//   GET /refuse        the same token check and audit append, answered 403 with a small problem;
//   POST /cases        the same token check, a case's JSON decoded, and its row, its change-log row and
//                      its audit row written in one transaction (group commit), answered 201;
//   GET /hello         nothing at all (the hello-world baseline, in this process).
// scripts/bench runs it beside CityHub on the same store, so that `audit.refusal`,
// `registry.person-read` and `cases.intake` print what this stack reaches for the least of the same
// work: the best ratio any server on it could show, whatever CityHub does.
//
//   stack-ceiling PORT STORE TOKEN      (STORE: an SQLite file, or a postgres:// URL)
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLiteKit

let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: stack-ceiling PORT STORE TOKEN (STORE: an SQLite file or a postgres:// URL)\n".utf8))
    exit(2)
}
let token = "Bearer " + arguments[3]
let logger = Logger(label: "stack-ceiling")

/// A bound value, for either engine.
enum Bind: Sendable {
    case int(Int), double(Double), text(String?)

    var sqlite: SQLiteData {
        switch self {
        case .int(let value): .integer(value)
        case .double(let value): .float(value)
        case .text(let value): value.map { .text($0) } ?? .null
        }
    }

    func append(to bindings: inout PostgresBindings) {
        switch self {
        case .int(let value): bindings.append(value)
        case .double(let value): bindings.append(value)
        case .text(let value): bindings.append(value)
        }
    }
}

/// The person's answer fields, as stored.
struct PersonRow: Sendable {
    let idNumber: String?, name: String?, sex: String?, birthDate: String?, phone: String?, address: String?, divisionCode: String?
}

/// What the routes need from a store: a person by key, the audit chain's head, and one batch of
/// statements in one transaction (or alone, when it is one statement).
protocol CeilingStore: Sendable {
    /// `?` on SQLite, `$n` on PostgreSQL.
    func placeholder(_ n: Int) -> String
    /// The person by key, in this engine's placeholders.
    var personSQL: String { get }
    func person(_ id: String) async throws -> PersonRow?
    func head() async throws -> (seq: Int, hash: String)?
    /// The last case number taken.
    func lastCase() async throws -> Int
    /// Runs the statements in order, in one transaction when there are several.
    func write(_ statements: [(sql: String, binds: [Bind])]) async throws
}

let headSQL = "SELECT seq, hash FROM ceiling_audit ORDER BY seq DESC LIMIT 1"
let lastCaseSQL = "SELECT COALESCE(MAX(number), 0) AS last FROM ceiling_cases"

struct SQLiteCeiling: CeilingStore {
    let readers: Readers
    let writer: SQLiteConnection

    static func open(path: String) async throws -> SQLiteCeiling {
        let readerThreads = NIOThreadPool(numberOfThreads: 4)
        let writerThread = NIOThreadPool(numberOfThreads: 1)
        readerThreads.start()
        writerThread.start()
        func open(on threads: NIOThreadPool) async throws -> SQLiteConnection {
            let connection: SQLiteConnection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threads, logger: logger,
                                                                               on: MultiThreadedEventLoopGroup.singleton.any())
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=10000"] {
                let _: [SQLiteRow] = try await connection.query(pragma, [])
            }
            return connection
        }
        let writer = try await open(on: writerThread)
        for ddl in [
            """
            CREATE TABLE IF NOT EXISTS ceiling_audit (seq INTEGER PRIMARY KEY, at REAL NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            record_type TEXT, record_id TEXT, division_code TEXT, purpose TEXT, outcome TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS ceiling_cases (number INTEGER PRIMARY KEY, division_code TEXT NOT NULL, category_code TEXT NOT NULL, kind TEXT,
            description TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL, reporter_phone TEXT, state TEXT NOT NULL, reported_at REAL NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS ceiling_changes (cursor INTEGER PRIMARY KEY, at REAL NOT NULL, record_type TEXT NOT NULL, record_key TEXT NOT NULL,
            division_code TEXT, operation TEXT NOT NULL)
            """,
        ] + ceilingIndexes {
            let _: [SQLiteRow] = try await writer.query(ddl, [])
        }
        var readers: [SQLiteConnection] = []
        for _ in 0..<4 { readers.append(try await open(on: readerThreads)) }
        return SQLiteCeiling(readers: Readers(readers), writer: writer)
    }

    func placeholder(_ n: Int) -> String { "?" }
    var personSQL: String { "SELECT * FROM persons WHERE id_division = ? AND id_number = ?" }

    func person(_ id: String) async throws -> PersonRow? {
        let rows: [SQLiteRow] = try await readers.with { connection in
            try await connection.query(personSQL, [.text(String(id.prefix(6))), .text(id)])
        }
        return rows.first.map { row in
            PersonRow(idNumber: row.column("id_number")?.string, name: row.column("name")?.string, sex: row.column("sex")?.string,
                      birthDate: row.column("birth_date")?.string, phone: row.column("phone")?.string, address: row.column("address")?.string,
                      divisionCode: row.column("division_code")?.string)
        }
    }

    func head() async throws -> (seq: Int, hash: String)? {
        let rows: [SQLiteRow] = try await writer.query(headSQL, [])
        guard let row = rows.first, let seq = row.column("seq")?.integer, let hash = row.column("hash")?.string else { return nil }
        return (seq, hash)
    }

    func lastCase() async throws -> Int {
        let rows: [SQLiteRow] = try await writer.query(lastCaseSQL, [])
        return rows.first?.column("last")?.integer ?? 0
    }

    func write(_ statements: [(sql: String, binds: [Bind])]) async throws {
        guard statements.count > 1 else {
            let _: [SQLiteRow] = try await writer.query(statements[0].sql, statements[0].binds.map(\.sqlite))
            return
        }
        let _: [SQLiteRow] = try await writer.query("BEGIN IMMEDIATE", [])
        do {
            for statement in statements {
                let _: [SQLiteRow] = try await writer.query(statement.sql, statement.binds.map(\.sqlite))
            }
            let _: [SQLiteRow] = try await writer.query("COMMIT", [])
        } catch {
            let _: [SQLiteRow]? = try? await writer.query("ROLLBACK", [])
            throw error
        }
    }
}

struct PostgresCeiling: CeilingStore {
    let client: PostgresClient

    static func open(url: String) async throws -> PostgresCeiling {
        let core = try SQLPostgresConfiguration(url: url).coreConfiguration
        guard let host = core.host, let port = core.port else { throw CeilingError("a postgres:// URL with a host and port") }
        var config = PostgresClient.Configuration(host: host, port: port, username: core.username, password: core.password, database: core.database,
                                                  tls: .disable)
        config.options.maximumConnections = 16
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        Task { await client.run() }
        for ddl in [
            """
            CREATE TABLE IF NOT EXISTS ceiling_audit (seq BIGINT PRIMARY KEY, at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            record_type TEXT, record_id TEXT, division_code TEXT, purpose TEXT, outcome TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS ceiling_cases (number BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, division_code TEXT NOT NULL,
            category_code TEXT NOT NULL, kind TEXT, description TEXT NOT NULL, lon DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL,
            reporter_phone TEXT, state TEXT NOT NULL, reported_at DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS ceiling_changes (cursor BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at DOUBLE PRECISION NOT NULL,
            record_type TEXT NOT NULL, record_key TEXT NOT NULL, division_code TEXT, operation TEXT NOT NULL)
            """,
        ] + ceilingIndexes {
            for try await _ in try await client.query(PostgresQuery(unsafeSQL: ddl), logger: logger) {}
        }
        return PostgresCeiling(client: client)
    }

    func placeholder(_ n: Int) -> String { "$\(n)" }
    var personSQL: String { "SELECT * FROM persons WHERE id_division = $1 AND id_number = $2" }

    func person(_ id: String) async throws -> PersonRow? {
        var binds = PostgresBindings()
        binds.append(String(id.prefix(6)))
        binds.append(id)
        for try await row in try await client.query(PostgresQuery(unsafeSQL: personSQL, binds: binds), logger: logger) {
            let cells = row.makeRandomAccess()
            return PersonRow(idNumber: try cells["id_number"].decode(String?.self), name: try cells["name"].decode(String?.self),
                             sex: try cells["sex"].decode(String?.self), birthDate: try cells["birth_date"].decode(String?.self),
                             phone: try cells["phone"].decode(String?.self), address: try cells["address"].decode(String?.self),
                             divisionCode: try cells["division_code"].decode(String?.self))
        }
        return nil
    }

    func head() async throws -> (seq: Int, hash: String)? {
        for try await (seq, hash) in try await client.query(PostgresQuery(unsafeSQL: headSQL), logger: logger).decode((Int, String).self) {
            return (seq, hash)
        }
        return nil
    }

    func lastCase() async throws -> Int {
        for try await last in try await client.query(PostgresQuery(unsafeSQL: lastCaseSQL), logger: logger).decode(Int.self) { return last }
        return 0
    }

    func write(_ statements: [(sql: String, binds: [Bind])]) async throws {
        try await client.withConnection { connection in
            func run(_ sql: String, _ values: [Bind] = []) async throws {
                var binds = PostgresBindings(capacity: values.count)
                for value in values { value.append(to: &binds) }
                for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {}
            }
            guard statements.count > 1 else { return try await run(statements[0].sql, statements[0].binds) }
            try await run("BEGIN")
            do {
                for statement in statements { try await run(statement.sql, statement.binds) }
                try await run("COMMIT")
            } catch {
                try? await run("ROLLBACK")
                throw error
            }
        }
    }
}

struct CeilingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let ceilingIndexes = [
    "CREATE INDEX IF NOT EXISTS ceiling_audit_record ON ceiling_audit (record_type, record_id)",
    "CREATE INDEX IF NOT EXISTS ceiling_audit_actor ON ceiling_audit (actor, at)",
    "CREATE INDEX IF NOT EXISTS ceiling_cases_state ON ceiling_cases (division_code, state, reported_at)",
]

extension CeilingStore {
    /// `count` rows of `width` placeholders each, numbered from 1, each row ending with `fixed`.
    func values(_ count: Int, _ width: Int, fixed: String = "") -> String {
        var out = ""
        var n = 1
        for row in 0..<count {
            out += row == 0 ? "(" : ", ("
            for column in 0..<width {
                out += (column == 0 ? "" : ", ") + placeholder(n)
                n += 1
            }
            out += fixed + ")"
        }
        return out
    }
}

/// Four readers, one statement at a time each: a caller waits for a free one.
final class Readers: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [SQLiteConnection]
    private var waiters: [CheckedContinuation<SQLiteConnection, Never>] = []

    init(_ connections: [SQLiteConnection]) { idle = connections }

    func with<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection: SQLiteConnection
        if let free = lock.withLock({ idle.popLast() }) {
            connection = free
        } else {
            connection = await withCheckedContinuation { continuation in
                let free: SQLiteConnection? = lock.withLock {
                    if let free = idle.popLast() { return free }
                    waiters.append(continuation)
                    return nil
                }
                if let free { continuation.resume(returning: free) }
            }
        }
        defer {
            let next: CheckedContinuation<SQLiteConnection, Never>? = lock.withLock {
                if waiters.isEmpty { idle.append(connection); return nil }
                return waiters.removeFirst()
            }
            next?.resume(returning: connection)
        }
        return try await body(connection)
    }
}

/// Group commit of audit rows: the first caller into an idle log writes every row waiting in one
/// insert, then answers the others; the chain's head stays in memory (one process).
final class AuditAppender: @unchecked Sendable {
    struct Row: Sendable {
        let actor: String, action: String, recordType: String, recordID: String, outcome: String
        /// A case filed with the entry: its row and its change-log row go in the same transaction.
        var filed: Filed? = nil
    }
    struct Filed: Sendable { let division: String, category: String, kind: String, description: String, lon: Double, lat: Double, phone: String? }
    private let lock = NSLock()
    private var waiting: [(Row, CheckedContinuation<Turn, any Error>)] = []
    private var leading = false
    private var head: (seq: Int, hash: String) = (0, String(repeating: "0", count: 64))
    /// The last case number taken (one process: kept in memory, as the chain's head is).
    private var lastCase = 0
    let store: any CeilingStore

    init(store: any CeilingStore) async throws {
        self.store = store
        if let last = try await store.head() { head = last }
        lastCase = try await store.lastCase()
    }

    private enum Turn { case done, lead }

    func append(_ row: Row) async throws {
        let turn: Turn = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, any Error>) in
            let first: Bool = lock.withLock {
                if leading { waiting.append((row, continuation)); return false }
                leading = true
                return true
            }
            if first { continuation.resume(returning: .lead) }
        }
        guard turn == .lead else { return }
        let others = lock.withLock {
            let batch = waiting
            waiting = []
            return batch
        }
        var result: Result<Void, any Error> = .success(())
        do {
            try await write([row] + others.map(\.0))
        } catch {
            result = .failure(error)
        }
        let next: CheckedContinuation<Turn, any Error>? = lock.withLock {
            if waiting.isEmpty { leading = false; return nil }
            return waiting.removeFirst().1
        }
        next?.resume(returning: .lead)
        for (_, continuation) in others {
            switch result {
            case .success: continuation.resume(returning: .done)
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
        try result.get()
    }

    private static let separator: [UInt8] = [0]

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { buffer in
            var i = 0
            for byte in digest {
                buffer[i] = digits[Int(byte >> 4)]
                buffer[i + 1] = digits[Int(byte & 0x0f)]
                i += 2
            }
            return 64
        }
    }

    /// One multi-row insert, chained after the head; with the cases filed, their rows and change-log
    /// rows first, in the same transaction.
    private func write(_ rows: [Row]) async throws {
        let now = Date().timeIntervalSince1970
        var (seq, previous) = head
        let at = String(now)
        var binds: [Bind] = []
        binds.reserveCapacity(rows.count * 11)
        for row in rows {
            seq += 1
            var hasher = SHA256()
            for var field in [previous, at, row.actor, row.action, row.recordType, row.recordID, row.outcome] {
                field.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
                hasher.update(data: Self.separator)
            }
            let hash = Self.hex(hasher.finalize())
            binds += [.int(seq), .double(now), .text(row.actor), .text(row.action), .text(row.recordType), .text(row.recordID),
                      .text(String(row.recordID.prefix(6))), .text("bench"), .text(row.outcome), .text(previous), .text(hash)]
            previous = hash
        }
        let audit = (sql: "INSERT INTO ceiling_audit (seq, at, actor, action, record_type, record_id, division_code, purpose, outcome, prev_hash, hash) VALUES "
                     + store.values(rows.count, 11), binds: binds)
        let filed = rows.compactMap(\.filed)
        var number = lastCase
        if filed.isEmpty {
            try await store.write([audit])
        } else {
            var caseBinds: [Bind] = [], changeBinds: [Bind] = []
            for case_ in filed {
                number += 1
                caseBinds += [.int(number), .text(case_.division), .text(case_.category), .text(case_.kind), .text(case_.description), .double(case_.lon),
                              .double(case_.lat), .text(case_.phone), .double(now)]
                changeBinds += [.double(now), .text(String(number)), .text(case_.division)]
            }
            let cases = (sql: "INSERT INTO ceiling_cases (number, division_code, category_code, kind, description, lon, lat, reporter_phone, reported_at, state) VALUES "
                         + store.values(filed.count, 9, fixed: ", 'registered'"), binds: caseBinds)
            let changes = (sql: "INSERT INTO ceiling_changes (at, record_key, division_code, record_type, operation) VALUES "
                           + store.values(filed.count, 3, fixed: ", 'case', 'created'"), binds: changeBinds)
            try await store.write([cases, changes, audit])
        }
        lastCase = number
        head = (seq, previous)
    }
}

let location = arguments[2]
let store: any CeilingStore = location.hasPrefix("postgres") ? try await PostgresCeiling.open(url: location) : try await SQLiteCeiling.open(path: location)
let audit = try await AuditAppender(store: store)
let me = #"{"username":"handler","displayName":"Bench","kind":"staff","roles":["departmentHandler"],"organisationCode":"ZK-0001","scope":"411600"}"#

struct Unauthorised: HTTPResponseError {
    var status: HTTPResponse.Status { .unauthorized }
    func response(from request: Request, context: some RequestContext) throws -> Response { Response(status: .unauthorized) }
}

enum Answer {
    static func authorised(_ request: Request, token: String) throws {
        guard request.headers[.authorization] == token else { throw Unauthorised() }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A JSON string literal of `text` (the values here hold no quotes or backslashes but may hold Chinese).
    static func quoted(_ text: String?) -> String { text.map { "\"" + $0 + "\"" } ?? "null" }
}

let router = Router()
router.get("/me") { request, _ -> Response in
    try Answer.authorised(request, token: token)
    return Answer.json(me)
}
router.get("/persons/{id}") { request, context -> Response in
    try Answer.authorised(request, token: token)
    let id = try context.parameters.require("id")
    guard let row = try await store.person(id) else { return Response(status: .notFound) }
    try await audit.append(.init(actor: "staff:handler", action: "registry.person.read", recordType: "person", recordID: id, outcome: "ok"))
    let body = "{\"idNumber\":" + Answer.quoted(row.idNumber) + ",\"name\":" + Answer.quoted(row.name) + ",\"sex\":" + Answer.quoted(row.sex)
        + ",\"birthDate\":" + Answer.quoted(row.birthDate) + ",\"phone\":" + Answer.quoted(row.phone) + ",\"address\":" + Answer.quoted(row.address)
        + ",\"divisionCode\":" + Answer.quoted(row.divisionCode) + "}"
    return Answer.json(body)
}
router.get("/hello") { _, _ in "hello" }
struct NewCase: Decodable {
    struct Point: Decodable { let lon: Double, lat: Double }
    struct Reporter: Decodable { let phone: String? }
    let kind: String, categoryCode: String, description: String, location: Point, reporter: Reporter
}
router.post("/cases") { request, context -> Response in
    try Answer.authorised(request, token: token)
    let new = try await request.decode(as: NewCase.self, context: context)
    try await audit.append(.init(actor: "staff:operator", action: "cases.file", recordType: "case", recordID: new.categoryCode, outcome: "ok",
                                 filed: .init(division: "411602", category: new.categoryCode, kind: new.kind, description: new.description,
                                              lon: new.location.lon, lat: new.location.lat, phone: new.reporter.phone)))
    return Answer.json(#"{"state":"registered"}"#, status: .created)
}
router.get("/refuse") { request, _ -> Response in
    try Answer.authorised(request, token: token)
    try await audit.append(.init(actor: "staff:huaiyang.handler", action: "http.denied", recordType: "route", recordID: "GET /refuse", outcome: "denied"))
    return Answer.json(#"{"type":"urn:cityhub:problem:identity.outside-scope","status":403,"code":"identity.outside-scope"}"#, status: .forbidden)
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "stack-ceiling"))
try await app.runService()
