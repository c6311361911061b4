import CityCore
import CityStore
import Foundation
import SQLKit
import TestSupport
import Testing

@Suite("Audit log hash chain, on every engine")
struct AuditLogTests {
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
}
