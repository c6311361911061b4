// The stack's own ceiling for the audited requests, no CityHub code: the same Hummingbird, the
// same sqlite-nio (four readers and one writer on threads of their own, as CityHub's store has),
// and the least a server must do to answer
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
//   stack-ceiling PORT SQLITE-PATH TOKEN
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import SQLiteKit

let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: stack-ceiling PORT SQLITE-PATH TOKEN\n".utf8))
    exit(2)
}
let path = arguments[2]
let token = "Bearer " + arguments[3]
let logger = Logger(label: "stack-ceiling")

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
let _: [SQLiteRow] = try await writer.query("""
    CREATE TABLE IF NOT EXISTS ceiling_audit (seq INTEGER PRIMARY KEY, at REAL NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    record_type TEXT, record_id TEXT, division_code TEXT, purpose TEXT, outcome TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
    """, [])
let _: [SQLiteRow] = try await writer.query("CREATE INDEX IF NOT EXISTS ceiling_audit_record ON ceiling_audit (record_type, record_id)", [])
let _: [SQLiteRow] = try await writer.query("CREATE INDEX IF NOT EXISTS ceiling_audit_actor ON ceiling_audit (actor, at)", [])
let _: [SQLiteRow] = try await writer.query("""
    CREATE TABLE IF NOT EXISTS ceiling_cases (number INTEGER PRIMARY KEY, division_code TEXT NOT NULL, category_code TEXT NOT NULL, kind TEXT,
    description TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL, reporter_phone TEXT, state TEXT NOT NULL, reported_at REAL NOT NULL)
    """, [])
let _: [SQLiteRow] = try await writer.query("CREATE INDEX IF NOT EXISTS ceiling_cases_state ON ceiling_cases (division_code, state, reported_at)", [])
let _: [SQLiteRow] = try await writer.query("""
    CREATE TABLE IF NOT EXISTS ceiling_changes (cursor INTEGER PRIMARY KEY, at REAL NOT NULL, record_type TEXT NOT NULL, record_key TEXT NOT NULL,
    division_code TEXT, operation TEXT NOT NULL)
    """, [])
var readers: [SQLiteConnection] = []
for _ in 0..<4 { readers.append(try await open(on: readerThreads)) }

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
    let writer: SQLiteConnection

    init(writer: SQLiteConnection) async throws {
        self.writer = writer
        let last: [SQLiteRow] = try await writer.query("SELECT seq, hash FROM ceiling_audit ORDER BY seq DESC LIMIT 1", [])
        if let row = last.first, let seq = row.column("seq")?.integer, let hash = row.column("hash")?.string { head = (seq, hash) }
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

    /// One multi-row insert, chained after the head.
    private func write(_ rows: [Row]) async throws {
        let now = Date().timeIntervalSince1970
        var (seq, previous) = head
        var sql = "INSERT INTO ceiling_audit (seq, at, actor, action, record_type, record_id, division_code, purpose, outcome, prev_hash, hash) VALUES "
        var binds: [SQLiteData] = []
        binds.reserveCapacity(rows.count * 11)
        for (i, row) in rows.enumerated() {
            seq += 1
            var hasher = SHA256()
            for var field in [previous, String(now), row.actor, row.action, row.recordType, row.recordID, row.outcome] {
                field.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
                hasher.update(data: Self.separator)
            }
            let hash = Self.hex(hasher.finalize())
            sql += i == 0 ? "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            binds += [.integer(seq), .float(now), .text(row.actor), .text(row.action), .text(row.recordType), .text(row.recordID),
                      .text(String(row.recordID.prefix(6))), .text("bench"), .text(row.outcome), .text(previous), .text(hash)]
            previous = hash
        }
        let filed = rows.compactMap(\.filed)
        if filed.isEmpty {
            _ = try await writer.query(sql, binds)
        } else {
            _ = try await writer.query("BEGIN IMMEDIATE", [])
            do {
                var cases = "INSERT INTO ceiling_cases (division_code, category_code, kind, description, lon, lat, reporter_phone, state, reported_at) VALUES "
                var changes = "INSERT INTO ceiling_changes (at, record_type, record_key, division_code, operation) VALUES "
                var caseBinds: [SQLiteData] = [], changeBinds: [SQLiteData] = []
                for (i, case_) in filed.enumerated() {
                    cases += i == 0 ? "(?, ?, ?, ?, ?, ?, ?, 'registered', ?)" : ", (?, ?, ?, ?, ?, ?, ?, 'registered', ?)"
                    caseBinds += [.text(case_.division), .text(case_.category), .text(case_.kind), .text(case_.description), .float(case_.lon), .float(case_.lat),
                                  case_.phone.map { .text($0) } ?? .null, .float(now)]
                }
                let numbers = try await writer.query(cases + " RETURNING number", caseBinds).compactMap { $0.column("number")?.integer }
                for (i, number) in numbers.enumerated() {
                    changes += i == 0 ? "(?, 'case', ?, ?, 'created')" : ", (?, 'case', ?, ?, 'created')"
                    changeBinds += [.float(now), .text(String(number)), .text(filed[i].division)]
                }
                _ = try await writer.query(changes, changeBinds)
                _ = try await writer.query(sql, binds)
                _ = try await writer.query("COMMIT", [])
            } catch {
                _ = try? await writer.query("ROLLBACK", [])
                throw error
            }
        }
        head = (seq, previous)
    }
}

let pool = Readers(readers)
let audit = try await AuditAppender(writer: writer)
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
    let found: [SQLiteRow] = try await pool.with { connection in
        try await connection.query("SELECT * FROM persons WHERE id_division = ? AND id_number = ?", [.text(String(id.prefix(6))), .text(id)])
    }
    guard let row = found.first else { return Response(status: .notFound) }
    try await audit.append(.init(actor: "staff:handler", action: "registry.person.read", recordType: "person", recordID: id, outcome: "ok"))
    let body = "{\"idNumber\":" + Answer.quoted(row.column("id_number")?.string) + ",\"name\":" + Answer.quoted(row.column("name")?.string)
        + ",\"sex\":" + Answer.quoted(row.column("sex")?.string) + ",\"birthDate\":" + Answer.quoted(row.column("birth_date")?.string)
        + ",\"phone\":" + Answer.quoted(row.column("phone")?.string) + ",\"address\":" + Answer.quoted(row.column("address")?.string)
        + ",\"divisionCode\":" + Answer.quoted(row.column("division_code")?.string) + "}"
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
