import CityCore
import CityStore
import Foundation
import SQLKit
import TestSupport
import Synchronization
import Testing

@Suite("Store: migrations and transactions, on every engine")
struct StoreTests {
    @Test("migrations are recorded once and re-running applies nothing", arguments: TestEngine.all)
    func migrationsOnce(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let again = try await store.migrate(StoreMigrations.all)
            #expect(again.isEmpty)
            let count = try await store.read { try await $0.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()?.decode(column: "n", as: Int.self) }
            #expect(count == StoreMigrations.all.count)
        }
    }

    @Test("an applied migration whose text changed stops the runner", arguments: TestEngine.all)
    func editedMigration(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            var edited = StoreMigrations.all
            edited[0] = Migration(module: "store", number: 1, name: "job queue", statements: ["CREATE TABLE other (id INTEGER)"])
            await #expect(throws: StoreError.migrationEdited(module: "store", number: 1)) {
                try await store.migrate(edited)
            }
        }
    }

    @Test("a new migration applies in order, and engine-specific statements run only on their engine", arguments: TestEngine.all)
    func newMigration(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let extra = Migration(module: "test", number: 1, name: "notes", statements: [
                "CREATE TABLE notes (id {id}, body TEXT NOT NULL, at {timestamp} NOT NULL, flag {bool} NOT NULL)",
                "sqlite:CREATE TABLE only_sqlite (x INTEGER)",
                "postgres:CREATE TABLE only_postgres (x INTEGER)",
            ])
            let applied = try await store.migrate(StoreMigrations.all + [extra])
            #expect(applied.map(\.name) == ["notes"])
            let tables: [String] = try await store.read { db in
                if store.engine == .sqlite {
                    return try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table'").all().map { try $0.decode(column: "name", as: String.self) }
                }
                return try await db.raw("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'").all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(tables.contains("notes"))
            #expect(tables.contains("only_sqlite") == (engine == .sqlite))
            #expect(tables.contains("only_postgres") == (engine == .postgres))
        }
    }

    @Test("a failing migration leaves the ones before it applied and itself not at all", arguments: TestEngine.all)
    func migrationEachInItsOwnTransaction(engine: TestEngine) async throws {
        try await TestStores.with(engine) { store in
            let good = Migration(module: "test", number: 1, name: "good", statements: ["CREATE TABLE good (x INTEGER)"])
            let bad = Migration(module: "test", number: 2, name: "bad", statements: ["CREATE TABLE half (x INTEGER)", "CREATE TABLE broken (x NOSUCHTYPE NOT VALID SQL"])
            let failure = await #expect(throws: StoreError.self) { try await store.migrate(StoreMigrations.all + [good, bad]) }
            #expect(failure?.code == "store.migration-failed" && failure?.messageEn.contains("test#2") == true)
            struct Row: Decodable { let module: String; let number: Int }
            let applied = try await store.read { try await $0.raw("SELECT module, number FROM schema_migrations WHERE module = 'test'").all(decoding: Row.self) }
            #expect(applied.map(\.number) == [1])
            // `half` went with its migration's transaction; `good` stayed.
            try await store.read { db in _ = try await db.raw("SELECT COUNT(*) AS n FROM good").all() }
            let missing: [String] = try await store.read { db in
                store.engine == .sqlite
                    ? try await db.raw("SELECT name FROM sqlite_master WHERE name = 'half'").all().map { try $0.decode(column: "name", as: String.self) }
                    : try await db.raw("SELECT tablename AS name FROM pg_tables WHERE tablename = 'half'").all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(missing.isEmpty)
        }
    }

    @Test("a read is one read-only transaction: a write inside it fails, and its queries see one snapshot", arguments: TestEngine.all)
    func readIsReadOnlySnapshot(engine: TestEngine) async throws {
        let extra = Migration(module: "test", number: 1, name: "notes", statements: ["CREATE TABLE notes (id {id}, body TEXT NOT NULL)"])
        try await TestStores.with(engine, migrations: StoreMigrations.all + [extra]) { store in
            await #expect(throws: StoreError.writeInsideRead) {
                try await store.read { try await $0.raw("INSERT INTO notes (body) VALUES ('sneaked')").run() }
            }
            // The single-statement read takes a SELECT and nothing else.
            await #expect(throws: StoreError.writeInsideRead) {
                _ = try await store.readRows("INSERT INTO notes (body) VALUES ('sneaked') RETURNING id")
            }
            await #expect(throws: StoreError.writeInsideRead) {
                _ = try await store.readRows("WITH x AS (DELETE FROM notes RETURNING id) SELECT * FROM x")
            }
            struct Count: Decodable { let n: Int }
            #expect(try await store.read { try await $0.raw("SELECT COUNT(*) AS n FROM notes").first(decoding: Count.self)?.n } == 0)
            #expect(try await store.readRows("SELECT COUNT(*) AS n FROM notes").first?.decode(model: Count.self).n == 0)
            // A write committed between a read's two queries is not seen by the second.
            let (first, second) = try await store.read { db in
                let first = try await db.raw("SELECT COUNT(*) AS n FROM notes").first(decoding: Count.self)!.n
                try await store.write { try await $0.raw("INSERT INTO notes (body) VALUES ('between')").run() }
                let second = try await db.raw("SELECT COUNT(*) AS n FROM notes").first(decoding: Count.self)!.n
                return (first, second)
            }
            #expect(first == 0 && second == 0)
            #expect(try await store.read { try await $0.raw("SELECT COUNT(*) AS n FROM notes").first(decoding: Count.self)?.n } == 1)
        }
    }

    @Test("the SQLite file and its folder are readable by their owner only")
    func sqlitePermissions() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-perm-\(UUID().uuidString)").appendingPathComponent("data")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let file = folder.appendingPathComponent("city.sqlite").path
        try await Store.withStore(try StoreLocation(file)) { store in try await store.migrate(StoreMigrations.all) }
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        #expect(fileMode == 0o600)
    }

    @Test("SQLite: the write-ahead log is copied back into the file beside the writer, not inside its commits, and the store closes cleanly")
    func checkpointsBesideTheWriter() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("city.sqlite").path
        let extra = Migration(module: "test", number: 1, name: "pages", statements: ["CREATE TABLE pages (n INTEGER PRIMARY KEY, body TEXT NOT NULL)"])
        func size(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        try await Store.withStore(try StoreLocation(file)) { store in
            try await store.migrate(StoreMigrations.all + [extra])
            try await Task.sleep(for: .milliseconds(300))
            let before = size(file)
            // About 500 pages in 50 commits: far below the writer's own threshold (10,000 pages),
            // so only the checkpointer can bring them into the database file.
            let body = String(repeating: "周口", count: 700)
            for batch in 0..<50 {
                try await store.bulkWrite { _, copier in
                    try await copier.copy(into: "pages", columns: ["n", "body"], rows: (0..<10).map { [.int(Int64(batch * 10 + $0)), .text(body)] })
                }
            }
            let deadline = Date().addingTimeInterval(10)
            while size(file) < before + 1_500_000, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(size(file) >= before + 1_500_000, "the database file did not grow: the log was not checkpointed")
            struct Count: Decodable { let n: Int }
            #expect(try await store.read { try await $0.raw("SELECT COUNT(*) AS n FROM pages").first(decoding: Count.self)?.n } == 500)
        }
        // Closed: the log is folded back and emptied.
        #expect(size(file + "-wal") == 0)
    }

    @Test("SQLite: a write does not wait behind long reads: with every reader busy on a read of seconds, a write commits before any of them ends")
    func writesDoNotQueueBehindReads() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-threads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let extra = Migration(module: "test", number: 1, name: "marks", statements: ["CREATE TABLE marks (n INTEGER PRIMARY KEY)"])
        try await Store.withStore(try StoreLocation(folder.appendingPathComponent("city.sqlite").path)) { store in
            try await store.migrate(StoreMigrations.all + [extra])
            struct Count: Decodable { let n: Int }
            final class Ended: Sendable { let count = Mutex(0) }
            let ended = Ended()
            // Four readers (all of them) each counting to ten million in SQLite: seconds of work each,
            // more than this machine has cores. On sqlite-nio's shared pool they held every thread.
            let reads = (0..<4).map { _ in
                Task {
                    let n = try await store.read { db in
                        try await db.raw("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) SELECT COUNT(*) AS n FROM c")
                            .first(decoding: Count.self)?.n
                    }
                    ended.count.withLock { $0 += 1 }
                    return n
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            try await store.write { try await $0.raw("INSERT INTO marks (n) VALUES (1)").run() }
            #expect(ended.count.withLock { $0 } == 0, "the write committed only after a long read ended")
            for read in reads { #expect(try await read.value == 10_000_000) }
        }
    }

    @Test("a bulk copy stores exactly what it was given: tabs, newlines, backslashes, NULL, dates, on both engines (COPY on PostgreSQL)", arguments: TestEngine.all)
    func bulkCopy(engine: TestEngine) async throws {
        let extra = Migration(module: "test", number: 1, name: "bulk", statements: ["CREATE TABLE bulk (n {bigint} NOT NULL, body TEXT, flag {bool} NOT NULL, at {timestamp} NOT NULL, raw {bytes})"])
        try await TestStores.with(engine, migrations: StoreMigrations.all + [extra]) { store in
            let at = Date(timeIntervalSince1970: 1_795_000_000.123)
            let tricky = ["tab\there", "line\nbreak\r\n", #"back\slash \N not null"#, "周口市 川汇区", ""]
            let blobs = tricky.enumerated().map { Data($0.element.utf8) + Data([0, 9, 10, 92, 255, UInt8($0.offset)]) }
            var rows: [[BulkValue]] = tricky.enumerated().map { [.int(Int64($0.offset)), .text($0.element), .bool($0.offset % 2 == 0), .date(at), .bytes(blobs[$0.offset])] }
            rows.append([.int(99), .null, .bool(false), .date(at), .null])
            rows += (100..<20_100).map { [.int(Int64($0)), .text("row \($0)"), .bool(true), .date(at), .null] }
            let all = rows
            try await store.bulkWrite { _, copier in try await copier.copy(into: "bulk", columns: ["n", "body", "flag", "at", "raw"], rows: all) }
            struct Row: Decodable { let n: Int64; let body: String?; let flag: Bool; let at: Date; let raw: Data? }
            let back = try await store.read { try await $0.raw("SELECT n, body, flag, at, raw FROM bulk WHERE n < 100 ORDER BY n").all(decoding: Row.self) }
            #expect(back.map(\.body) == tricky + [nil])
            #expect(back.map(\.raw) == blobs + [nil])
            #expect(back.map(\.flag) == [true, false, true, false, true, false])
            #expect(back.allSatisfy { abs($0.at.timeIntervalSince(at)) < 0.001 })
            struct Count: Decodable { let n: Int }
            #expect(try await store.read { try await $0.raw("SELECT COUNT(*) AS n FROM bulk").first(decoding: Count.self)?.n } == 20_006)
        }
    }

    @Test("a transaction commits on return and rolls back on throw", arguments: TestEngine.all)
    func transactions(engine: TestEngine) async throws {
        struct Boom: Error {}
        let extra = Migration(module: "test", number: 1, name: "notes", statements: ["CREATE TABLE notes (id {id}, body TEXT NOT NULL)"])
        try await TestStores.with(engine, migrations: StoreMigrations.all + [extra]) { store in
            try await store.write { try await $0.raw("INSERT INTO notes (body) VALUES (\(bind: "kept"))").run() }
            await #expect(throws: Boom.self) {
                try await store.write { db in
                    try await db.raw("INSERT INTO notes (body) VALUES (\(bind: "lost"))").run()
                    throw Boom()
                }
            }
            let bodies = try await store.read { try await $0.raw("SELECT body FROM notes ORDER BY id").all().map { try $0.decode(column: "body", as: String.self) } }
            #expect(bodies == ["kept"])
        }
    }

    @Test("many concurrent write transactions all commit, none lost", arguments: TestEngine.all)
    func concurrentWrites(engine: TestEngine) async throws {
        let extra = Migration(module: "test", number: 1, name: "counter", statements: ["CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)", "INSERT INTO counter VALUES (1, 0)"])
        try await TestStores.with(engine, migrations: StoreMigrations.all + [extra]) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await store.write { db in
                            // Read-modify-write: only correct if transactions are serialised on this row.
                            let n = try await db.raw("SELECT n FROM counter WHERE id = 1\(store.dialect.forUpdate)").first()!.decode(column: "n", as: Int.self)
                            try await db.raw("UPDATE counter SET n = \(bind: n + 1) WHERE id = 1").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let n = try await store.read { try await $0.raw("SELECT n FROM counter WHERE id = 1").first()!.decode(column: "n", as: Int.self) }
            #expect(n == 40)
        }
    }

    @Test("batched writes: each returns its own result, one that throws (or breaks a constraint) loses only its own work, all others commit",
          arguments: TestEngine.all)
    func batchedWrites(engine: TestEngine) async throws {
        struct Refused: Error, Equatable { let i: Int }
        let extra = Migration(module: "test", number: 1, name: "notes", statements: ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"])
        try await TestStores.with(engine, migrations: StoreMigrations.all + [extra]) { store in
            let outcomes = try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for i in 0..<60 {
                    group.addTask {
                        do {
                            return (i, .success(try await store.writeBatched { db, _ in
                                try await db.raw("INSERT INTO notes (id, body) VALUES (\(bind: i), \(bind: "note \(i)"))").run()
                                if i % 7 == 3 { throw Refused(i: i) }
                                // A duplicate key: the engine's error, after this work's first insert.
                                if i % 7 == 5 { try await db.raw("INSERT INTO notes (id, body) VALUES (\(bind: i), \(bind: "again"))").run() }
                                return i * 10
                            }))
                        } catch {
                            return (i, .failure(error))
                        }
                    }
                }
                var all: [Int: Result<Int, any Error>] = [:]
                for try await (i, outcome) in group { all[i] = outcome }
                return all
            }
            for i in 0..<60 {
                switch (i % 7, outcomes[i]!) {
                case (3, .failure(let error)): #expect(error as? Refused == Refused(i: i))
                case (5, .failure): break
                case (3, .success), (5, .success): Issue.record("work \(i) should have failed")
                case (_, .success(let value)): #expect(value == i * 10)
                case (_, .failure(let error)): Issue.record("work \(i) failed: \(error)")
                }
            }
            let ids = try await store.read { try await $0.raw("SELECT id FROM notes ORDER BY id").all().map { try $0.decode(column: "id", as: Int.self) } }
            #expect(ids == (0..<60).filter { ![3, 5].contains($0 % 7) })
        }
    }

    @Test("a batch's deferred writes: numbers without gaps, what a failed change deferred is gone, a bad row fails only its own change",
          arguments: TestEngine.all)
    func batchedDeferredWrites(engine: TestEngine) async throws {
        struct Refused: Error, Equatable { let i: Int }
        let extra = Migration(module: "test", number: 1, name: "notes", statements: [
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, number INTEGER NOT NULL, UNIQUE (topic, number))",
            "CREATE TABLE note_counters (topic TEXT PRIMARY KEY, last INTEGER NOT NULL)",
        ])
        let counter = BatchedWrites.Counter(table: "note_counters", keyColumns: ["topic"])
        try await TestStores.with(engine, migrations: StoreMigrations.all + [extra]) { store in
            let now = Date(timeIntervalSince1970: 1_790_000_000)
            let outcomes = try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for i in 0..<90 {
                    group.addTask {
                        do {
                            return (i, .success(try await store.writeBatched { db, deferred in
                                let topic = i % 2 == 0 ? "even" : "odd"
                                let number = try await deferred.next(counter, key: [topic], on: db)
                                deferred.insert(into: "notes", columns: ["id", "topic", "number"], values: [i, topic, number])
                                deferred.audit(AuditEntry(actor: "test", action: "test.note", recordType: "note", recordID: String(i)), at: now)
                                deferred.record([NewChange(module: "test", recordType: "note", recordKey: String(i), divisionCode: nil, operation: .created,
                                                           fields: ["id"], actor: "test")], at: now)
                                if i % 7 == 3 { throw Refused(i: i) }
                                // A second row with the same key: refused by the engine only when the batch is written.
                                if i % 7 == 5 { deferred.insert(into: "notes", columns: ["id", "topic", "number"], values: [i, topic, -number]) }
                                return number
                            }))
                        } catch {
                            return (i, .failure(error))
                        }
                    }
                }
                var all: [Int: Result<Int, any Error>] = [:]
                for try await (i, outcome) in group { all[i] = outcome }
                return all
            }
            let kept = (0..<90).filter { ![3, 5].contains($0 % 7) }
            for i in 0..<90 {
                switch (i % 7, outcomes[i]!) {
                case (3, .failure(let error)): #expect(error as? Refused == Refused(i: i))
                case (5, .failure(let error)): #expect(!(error is Refused), "\(error)")
                case (3, .success), (5, .success): Issue.record("change \(i) should have failed")
                case (_, .success): break
                case (_, .failure(let error)): Issue.record("change \(i) failed: \(error)")
                }
            }
            struct Note: Decodable, Equatable { let id: Int; let topic: String; let number: Int }
            let notes = try await store.read { try await $0.raw("SELECT id, topic, number FROM notes ORDER BY id").all(decoding: Note.self) }
            #expect(notes.map(\.id) == kept)
            for topic in ["even", "odd"] {
                // Each kept change has the number it was told, and the numbers run 1, 2, 3… with no gap.
                let mine = notes.filter { $0.topic == topic }
                #expect(mine.map(\.number).sorted() == Array(1...mine.count))
                for note in mine { #expect(try outcomes[note.id]!.get() == note.number) }
                let last = try await store.read { try await $0.raw("SELECT last FROM note_counters WHERE topic = \(bind: topic)").first()?.decode(column: "last", as: Int.self) }
                #expect(last == mine.count)
            }
            let audited = try await AuditLog(store: store).entries(recordType: "note", limit: 1_000).compactMap { Int($0.recordID ?? "") }
            #expect(audited.sorted() == kept)
            #expect(try await AuditLog(store: store).verify().isIntact)
            let changed = try await ChangeLog(store: store).changes(after: 0, limit: 1_000).map(\.recordKey).compactMap { Int($0) }
            #expect(changed.sorted() == kept)
        }
    }

    @Test("on PostgreSQL a unique violation is a lost race (work may run again); a missing table is not")
    func lostRaces() async throws {
        guard TestEngine.all.contains(.postgres) else { return }
        let extra = Migration(module: "test", number: 1, name: "keys", statements: ["CREATE TABLE keys (id INTEGER PRIMARY KEY)"])
        try await TestStores.with(.postgres, migrations: StoreMigrations.all + [extra]) { store in
            try await store.write { try await $0.raw("INSERT INTO keys (id) VALUES (1)").run() }
            do {
                try await store.write { try await $0.raw("INSERT INTO keys (id) VALUES (1)").run() }
                Issue.record("the second insert should have failed")
            } catch {
                #expect(Store.isLostRace(error), "\(String(reflecting: error))")
            }
            do {
                try await store.write { try await $0.raw("INSERT INTO no_such_table (id) VALUES (1)").run() }
                Issue.record("the insert should have failed")
            } catch {
                #expect(!Store.isLostRace(error))
            }
        }
    }

    @Test("SQLite runs in WAL mode with foreign keys on")
    func sqlitePragmas() async throws {
        try await TestStores.with(.sqlite) { store in
            let mode = try await store.read { try await $0.raw("PRAGMA journal_mode").first()!.decode(column: "journal_mode", as: String.self) }
            let fk = try await store.read { try await $0.raw("PRAGMA foreign_keys").first()!.decode(column: "foreign_keys", as: Int.self) }
            #expect(mode.lowercased() == "wal")
            #expect(fk == 1)
        }
    }

    @Test("store locations: SQLite paths and postgres URLs parse, passwords never print")
    func locations() throws {
        #expect(try StoreLocation("data/x.sqlite").engine == .sqlite)
        #expect(try StoreLocation("sqlite:///tmp/x.sqlite").kind == .sqliteFile("/tmp/x.sqlite"))
        let pg = try StoreLocation("postgresql://u:secret@127.0.0.1:5432/db")
        #expect(pg.engine == .postgres)
        #expect(!pg.description.contains("secret"))
        #expect(throws: StoreError.self) { try StoreLocation("mysql://x") }
    }
}
