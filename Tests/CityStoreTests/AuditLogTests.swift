import CityCore
@testable import CityStore
import Crypto
import Foundation
import SQLKit
import TestSupport
import Testing

@Suite("Audit log hash chain, on every engine")
struct AuditLogTests {
    @Test("the chain hash is SHA-256 over the previous hash, the time and each field, length-prefixed (absent: '-;'), as stored chains were made")
    func chainHashLayout() {
        let entry = AuditEntry(actor: "staff:张伟", action: "registry.person.read", recordType: "person", recordID: nil, divisionCode: "411602",
                               purpose: "核查", source: nil, requestID: "r1", outcome: "ok", detail: "a:b;c")
        let at = Date(timeIntervalSince1970: 1_795_622_400.123)
        // Written out here by hand, independently of the code under test.
        var bytes = Array("64:\(AuditLog.genesisHash)".utf8) + Array("13:1795622400123".utf8)
        for field in ["staff:张伟", "registry.person.read", "person", nil, "411602", "核查", nil, "r1", "ok", "a:b;c"] as [String?] {
            bytes += field.map { Array("\($0.utf8.count):".utf8) + Array($0.utf8) } ?? Array("-;".utf8)
        }
        let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        #expect(AuditLog.chainHash(prevHash: AuditLog.genesisHash, at: at, entry: entry) == expected)
    }

    func fill(_ log: AuditLog, _ n: Int) async throws {
        for i in 1...n {
            try await log.append(AuditEntry(actor: "staff:u\(i % 3)", action: "registry.person.read", recordType: "person", recordID: "41160219850612615\(i % 10)",
                                            divisionCode: "411602", purpose: "案件核查 case check", source: "127.0.0.1", requestID: "r\(i)",
                                            detail: i == 2 ? nil : "line \(i)"))
        }
    }

    /// Stands in for someone with the database owner's rights: drops the append-only guard first.
    func tamper(_ store: Store, _ sql: SQLQueryString) async throws {
        try await store.write { db in
            if store.engine == .sqlite {
                try await db.raw("DROP TRIGGER audit_log_no_update").run()
                try await db.raw("DROP TRIGGER audit_log_no_delete").run()
            } else {
                try await db.raw("DROP TRIGGER audit_log_no_change ON audit_log").run()
            }
            try await db.raw(sql).run()
        }
    }

    @Test("a batch goes to PostgreSQL as one JSON array with every column of every row: absent values null, text escaped, the time to the millisecond")
    func jsonRowsText() {
        let at = Date(timeIntervalSince1970: 1_790_000_000.25)
        let records = [
            AuditRecord(seq: 7, at: at, actor: "staff:张三", action: "http.denied", recordType: "route", recordID: "GET /a\"b\\c\n", divisionCode: "411602",
                        purpose: nil, source: "127.0.0.1", requestID: nil, outcome: "denied", detail: "\u{1}", prevHash: "ab", hash: "cd"),
            AuditRecord(seq: 8, at: at, actor: "anonymous", action: "x", recordType: nil, recordID: nil, divisionCode: nil, purpose: nil, source: nil,
                        requestID: nil, outcome: "ok", detail: nil, prevHash: "cd", hash: "ef"),
        ]
        #expect(AuditLog.jsonRows(records) == """
            [{"seq":7,"at":"2026-09-21T14:13:20.250Z","actor":"staff:张三","action":"http.denied","record_type":"route","record_id":"GET /a\\"b\\\\c\\n",\
            "division_code":"411602","purpose":null,"source":"127.0.0.1","request_id":null,"outcome":"denied","detail":"\\u0001","prev_hash":"ab","hash":"cd"},\
            {"seq":8,"at":"2026-09-21T14:13:20.250Z","actor":"anonymous","action":"x","record_type":null,"record_id":null,"division_code":null,"purpose":null,\
            "source":null,"request_id":null,"outcome":"ok","detail":null,"prev_hash":"cd","hash":"ef"}]
            """)
    }

    @Test("an untouched chain verifies, with its head hash", arguments: TestEngine.all)
    func intact(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await fill(log, 25)
            let result = try await log.verify(batchSize: 7)
            #expect(result.isIntact)
            #expect(result.checked == 25)
            let newest = try await log.entries(limit: 1)
            #expect(result.headHash == newest.first?.hash)
            #expect(newest.first?.seq == 25)
        }
    }

    @Test("the application cannot update or delete an audit row", arguments: TestEngine.all)
    func appendOnly(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            try await fill(AuditLog(store: store), 2)
            for statement: SQLQueryString in ["UPDATE audit_log SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"] {
                do {
                    try await store.write { try await $0.raw(statement).run() }
                    Issue.record("\(statement) was allowed")
                } catch {
                    // The trigger's own words, not some other failure.
                    #expect(String(reflecting: error).contains("audit_log is append-only"))
                }
            }
            #expect(try await AuditLog(store: store).verify().checked == 2)
        }
    }

    @Test("an edited row is named", arguments: TestEngine.all)
    func edited(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await fill(log, 10)
            try await tamper(store, "UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 6")
            let result = try await log.verify()
            #expect(result.problems.map(\.seq) == [6])
            #expect(result.problems.first?.kind == .edited)
        }
    }

    @Test("an edited row whose hash was recomputed is still caught at the next row", arguments: TestEngine.all)
    func editedWithHash(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await fill(log, 10)
            try await tamper(store, "UPDATE audit_log SET hash = \(bind: String(repeating: "a", count: 64)) WHERE seq = 4")
            let result = try await log.verify()
            #expect(result.problems.first?.seq == 4)
            #expect(!result.isIntact)
        }
    }

    @Test("a deleted row is named by the gap it leaves", arguments: TestEngine.all)
    func deleted(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await fill(log, 10)
            try await tamper(store, "DELETE FROM audit_log WHERE seq = 3")
            let result = try await log.verify()
            #expect(result.problems.count == 1)
            #expect(result.problems.first?.kind == .deleted)
            #expect(result.problems.first?.seq == 4)
        }
    }

    @Test("two swapped rows are caught as reordered", arguments: TestEngine.all)
    func reordered(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await fill(log, 10)
            // Swap rows 5 and 6 wholesale, keeping their sequence numbers in place.
            try await tamper(store, "UPDATE audit_log SET seq = -5 WHERE seq = 5")
            try await store.write { db in
                try await db.raw("UPDATE audit_log SET seq = 5 WHERE seq = 6").run()
                try await db.raw("UPDATE audit_log SET seq = 6 WHERE seq = -5").run()
            }
            let result = try await log.verify()
            #expect(!result.isIntact)
            #expect(result.problems.first?.seq == 5)
            #expect(result.problems.first?.kind == .reordered)
        }
    }

    @Test("appends from many tasks at once form one unbroken chain", arguments: TestEngine.all)
    func concurrentAppends(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<50 {
                    group.addTask { try await log.append(AuditEntry(actor: "system", action: "test.append", recordID: "\(i)")) }
                }
                try await group.waitForAll()
            }
            let result = try await log.verify()
            #expect(result.checked == 50)
            #expect(result.isIntact)
        }
    }

    @Test("an entry with a NUL byte and a megabyte field is stored exactly as hashed: the chain stays intact", arguments: TestEngine.all)
    func hostileText(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            let record = try await log.append(AuditEntry(actor: "anonymous", action: "identity.login", recordType: "staff",
                                                         recordID: "x\u{0}y" + String(repeating: "长", count: 1_000_000), outcome: "denied"))
            #expect(record.recordID?.hasPrefix("x\u{FFFD}y") == true)
            #expect(record.recordID!.count == AuditEntry.limits.recordID)
            try await log.append(AuditEntry(actor: "system", action: "test.after"))
            let stored = try await log.entries(limit: 5).last!
            #expect(stored.recordID == record.recordID && stored.hash == record.hash)
            let verification = try await log.verify()
            #expect(verification.isIntact, "\(verification.problems)")
            #expect(verification.checked == 2)
        }
    }

    @Test("500 concurrent appends are group-committed into one unbroken chain with 500 distinct entries", arguments: TestEngine.all)
    func groupCommit(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
                for i in 0..<500 { group.addTask { try await log.append(AuditEntry(actor: "system", action: "test.burst", recordID: "\(i)")).seq } }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(seqs) == Set(1...500))
            let verification = try await log.verify()
            #expect(verification.isIntact && verification.checked == 500)
        }
    }

    static func notary() throws -> (AuditNotary, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-notary-\(UUID().uuidString)")
        return (try AuditNotary.load(keyFile: folder.appendingPathComponent("audit.key"), checkpointFile: folder.appendingPathComponent("checkpoints.jsonl")), folder)
    }

    @Test("a deleted tail passes the chain check alone, and is caught against the signed checkpoint", arguments: TestEngine.all)
    func truncatedTail(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let (notary, folder) = try Self.notary()
            defer { try? FileManager.default.removeItem(at: folder) }
            let log = AuditLog(store: store)
            try await fill(log, 10)
            let checkpoint = try #require(try await log.checkpoint(with: notary))
            #expect(checkpoint.seq == 10)
            #expect(try await log.checkpoint(with: notary, after: checkpoint) == nil)
            let key = try String(contentsOf: folder.appendingPathComponent("audit.key"), encoding: .utf8)
            let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("audit.key").path)[.posixPermissions] as? Int
            #expect(!key.isEmpty && mode == 0o600)
            try await tamper(store, "DELETE FROM audit_log WHERE seq > 7")
            #expect(try await log.verify().isIntact)
            let anchored = try await log.verify(against: try AuditNotary.read(notary.checkpointFile), signedBy: notary.publicKey)
            #expect(!anchored.isIntact)
            #expect(anchored.problems.map(\.kind) == [.truncated] && anchored.problems.first?.seq == 10)
        }
    }

    @Test("a chain re-hashed after an edit passes the chain check alone, and is caught against the signed checkpoint", arguments: TestEngine.all)
    func rehashedChain(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let (notary, folder) = try Self.notary()
            defer { try? FileManager.default.removeItem(at: folder) }
            let log = AuditLog(store: store)
            try await fill(log, 6)
            try await log.checkpoint(with: notary)
            try await fill(log, 2)
            try await log.checkpoint(with: notary)
            // Someone with the owner's rights edits row 3 and recomputes every hash from there on.
            let rows = try await log.entries(limit: 100).sorted { $0.seq < $1.seq }
            var prev = rows[1].hash
            var statements: [SQLQueryString] = []
            for row in rows[2...] {
                var entry = AuditEntry(actor: row.actor, action: row.action, recordType: row.recordType, recordID: row.recordID, divisionCode: row.divisionCode,
                                       purpose: row.purpose, source: row.source, requestID: row.requestID, outcome: row.outcome, detail: row.detail)
                if row.seq == 3 { entry.outcome = "denied" }
                let hash = AuditLog.chainHash(prevHash: prev, at: row.at, entry: entry)
                statements.append("UPDATE audit_log SET outcome = \(bind: entry.outcome), prev_hash = \(bind: prev), hash = \(bind: hash) WHERE seq = \(bind: row.seq)")
                prev = hash
            }
            try await tamper(store, statements[0])
            for statement in statements.dropFirst() { try await store.write { try await $0.raw(statement).run() } }
            #expect(try await log.verify().isIntact)
            let anchored = try await log.verify(against: try AuditNotary.read(notary.checkpointFile), signedBy: notary.publicKey)
            #expect(anchored.problems.map(\.kind) == [.rewritten, .rewritten] && anchored.problems.map(\.seq) == [6, 8])
            #expect(anchored.checkpoints == 2 && anchored.anchoredAt == 8)
        }
    }

    @Test("a checkpoint forged without the key is reported, not trusted", arguments: TestEngine.all)
    func forgedCheckpoint(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let (notary, folder) = try Self.notary()
            defer { try? FileManager.default.removeItem(at: folder) }
            let (other, otherFolder) = try Self.notary()
            defer { try? FileManager.default.removeItem(at: otherFolder) }
            let log = AuditLog(store: store)
            try await fill(log, 3)
            let genuine = try #require(try await log.checkpoint(with: notary))
            let forged = AuditCheckpoint(seq: 2, hash: genuine.hash, at: genuine.at, keyId: genuine.keyId, signature: try other.sign(seq: 2, hash: genuine.hash, at: genuine.at).signature)
            let result = try await log.verify(against: [genuine, forged], signedBy: notary.publicKey)
            #expect(result.problems.map(\.kind) == [.forgedCheckpoint] && result.checkpoints == 1)
        }
    }

    @Test("two writers (two processes' batchers) and in-transaction appends interleave into one unbroken chain", arguments: TestEngine.all)
    func writersInterleave(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let a = AuditLog(store: store), b = AuditLog(store: store)
            for round in 0..<5 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<20 {
                        group.addTask {
                            try await (i % 2 == 0 ? a : b).append(AuditEntry(actor: "staff:w\(i)", action: "test.write", recordID: "\(round).\(i)"))
                        }
                    }
                    try await group.waitForAll()
                }
                // A module's change appends inside its own transaction, behind both batchers' backs.
                let dialect = store.dialect
                _ = try await store.write { db in
                    try await AuditLog.append(AuditEntry(actor: "cli:test", action: "test.change", recordID: "\(round)"), at: Date(), dialect: dialect, on: db)
                }
            }
            let result = try await a.verify()
            #expect(result.isIntact && result.checked == 105)
            #expect(try await a.head()?.seq == 105)
        }
    }

    @Test("a batch waiting for the chain while another transaction appends under the lock goes after it", arguments: TestEngine.all)
    func batchBehindLockedAppend(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await log.append(AuditEntry(actor: "staff:a", action: "test.first"))
            let dialect = store.dialect
            // A module's transaction holds the chain (and, on SQLite, the only writer) while the
            // batch, whose head is now stale, starts; it commits a moment later.
            let holding = Task {
                try await store.write { db in
                    try await AuditLog.append(AuditEntry(actor: "cli:test", action: "test.change"), at: Date(), dialect: dialect, on: db)
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            let record = try await log.append(AuditEntry(actor: "staff:b", action: "test.behind"))
            try await holding.value
            #expect(record.seq == 3)
            let result = try await log.verify()
            #expect(result.isIntact && result.checked == 3)
        }
    }

    @Test("records chained after anything but the chain's last row are refused whole", arguments: TestEngine.all)
    func insertChecksTheHead(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let log = AuditLog(store: store)
            try await fill(log, 3)
            let head = try #require(try await log.head())
            let entries = [(AuditEntry(actor: "staff:x", action: "test.a"), Date()), (AuditEntry(actor: "staff:x", action: "test.b"), Date())]
            let stale = try #require(try await log.entries(limit: 2).last)
            let never = AuditLog.chain(entries, after: (head.seq, head.hash))
            for after in [(stale.seq, stale.hash), (head.seq, String(repeating: "f", count: 64)), (never[1].seq, never[1].hash), (0, AuditLog.genesisHash)] {
                let records = AuditLog.chain(entries, after: after)
                #expect(try await AuditLog.insert(records, into: store) == nil, "after \(after.0)")
            }
            #expect(try await log.head()?.seq == 3)
            let inserted = try await AuditLog.insert(never, into: store)
            #expect(inserted?.map(\.seq) == [4, 5])
            // Stored exactly as chained: what is read back is what was hashed (the time to the
            // millisecond the hash covers; a Date read back from seconds may differ in its last bit).
            func hashed(_ r: AuditRecord) -> [String?] {
                [String(r.seq), String(Int64((r.at.timeIntervalSince1970 * 1000).rounded())), r.actor, r.action, r.recordType, r.recordID,
                 r.divisionCode, r.purpose, r.source, r.requestID, r.outcome, r.detail, r.prevHash, r.hash]
            }
            let back = try await log.entries(limit: 2).reversed()
            #expect(back.map(hashed) == never.map(hashed))
            #expect(try await log.verify().isIntact)
        }
    }

    @Test("two processes (two stores on one database) appending at once keep one unbroken chain", arguments: TestEngine.all)
    func twoProcesses(engine: TestEngine) async throws {
        try await TestStores.withDatabaseURL(engine) { url in
            let location = try StoreLocation(url)
            try await Store.withStore(location, leaseTimeout: .seconds(30)) { first in
                try await first.migrate(StoreMigrations.all)
                try await Store.withStore(location, leaseTimeout: .seconds(30)) { second in
                    let a = AuditLog(store: first), b = AuditLog(store: second)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for i in 0..<120 {
                            group.addTask { try await (i % 2 == 0 ? a : b).append(AuditEntry(actor: "staff:p\(i % 2)", action: "test.write", recordID: "\(i)")) }
                        }
                        try await group.waitForAll()
                    }
                    let result = try await b.verify()
                    #expect(result.isIntact && result.checked == 120)
                }
            }
        }
    }
}
