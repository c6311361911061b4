import CityCore
import CityStore
import Exchange
import Foundation
import Identity
import Registry
import TestSupport
import Testing

@Suite("Registry: persons stored, merged, masked and audited, on every engine")
struct PersonRegistryTests {
    static let migrations = StoreMigrations.all + IdentityMigrations.all + RegistryMigrations.all + ExchangeMigrations.all

    /// A store with the registries in the catalogue and the city bureau's standing grants (plain
    /// values of persons and entities for its data stewards), as the seed writes them.
    static func withGrants<T: Sendable>(_ engine: TestEngine, _ body: (Store) async throws -> T) async throws -> T {
        try await TestStores.with(engine, migrations: migrations) { store in
            try await ResourceCatalogue(store: store, clock: SystemClock()).registerBuiltIns(BuiltInResources.all(at: Date()))
            let sharing = SharingDesk(store: store, clock: SystemClock(), keys: APIKeyRing(store: store))
            for resource in ["persons", "entities"] {
                try await sharing.grantStanding(resource, to: "411600-BDB", purpose: "test", days: 30, by: .commandLine(user: "test"))
            }
            return try await body(store)
        }
    }
    static let operator_ = Principal.commandLine(user: "test")
    static let steward = Principal(kind: .staff, id: "steward", displayName: "赵敏", organisationCode: "411600-BDB", scope: .city, roles: [.dataSteward])
    static let handler = Principal(kind: .staff, id: "handler", displayName: "孙浩", organisationCode: "411600-CMB", scope: .city, roles: [.departmentHandler])
    static let countyHandler = Principal(kind: .staff, id: "h", displayName: "孙浩", organisationCode: "411603-CMB", scope: DivisionScope(DivisionCode("411603")!),
                                         roles: [.departmentHandler])
    static let auditor = Principal(kind: .staff, id: "auditor", displayName: "陈静", organisationCode: "411600-BDB", scope: .city, roles: [.auditor])

    static let header = "id_number,name,sex,birth_date,phone,address,division_code\n"
    static let publicSecurityFile = header + #"""
        411602198506126153,王建国,male,1985-06-12,13800001234,周口市川汇区七一路1号,411602
        411602198506126150,坏校验,male,1985-06-12,,,411602
        11010519491231002X,"李,秀英",female,1949-12-31,,"北京""东城""",411603
        411681200102301432,坏日期,,,,,411681
        411602198506126153,王建国,male,,13800001234,周口市川汇区七一路1号,411602
        """# + "\n"

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("persons-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func importFile(_ registry: PersonRegistry, _ text: String, source: PersonSource, rejects: String? = nil, batchSize: Int = 2) async throws -> ImportSummary {
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await PersonImporter(registry: registry, batchSize: batchSize).run(path: path, source: source, rejectsPath: rejects, by: operator_, audit: .commandLine)
    }

    @Test("an import keeps good rows, writes bad ones with line and reason, and a re-run changes nothing", arguments: TestEngine.all)
    func importAndRerun(engine: TestEngine) async throws {
        try await Self.withGrants(engine) { store in
            let registry = PersonRegistry(store: store, audit: AuditLog(store: store))
            let rejects = FileManager.default.temporaryDirectory.appendingPathComponent("rejects-\(UUID().uuidString).csv").path
            defer { try? FileManager.default.removeItem(atPath: rejects) }
            let first = try await Self.importFile(registry, Self.publicSecurityFile, source: .publicSecurity, rejects: rejects)
            // Row 5 repeats row 1's number: refused, so the file says one thing about each person.
            #expect(first.read == 5 && first.imported == 2 && first.updated == 0 && first.unchanged == 0 && first.rejected == 3)
            let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 4 && lines[1].hasPrefix("3,") && lines[1].contains("check character is 0") && lines[2].hasPrefix("5,")
                && lines[2].contains("2001-02-30 is not a date") && lines[3].hasPrefix("6,") && lines[3].contains("repeats"))
            let again = try await Self.importFile(registry, Self.publicSecurityFile, source: .publicSecurity)
            #expect(again.imported == 0 && again.updated == 0 && again.unchanged == 2 && again.rejected == 3)
            #expect(try await ChangeLog(store: store).changes(after: 0, recordTypes: ["person"]).count == 2)
            let quoted = try await registry.person(ResidentID("11010519491231002X")!, view: .plain, by: Self.steward, origin: AuditOrigin(purpose: "test"))
            #expect(quoted.name == "李,秀英" && quoted.address == "北京\"东城\"" && quoted.divisionCode == "411603")
        }
    }

    @Test("an NDJSON file is read like a CSV: numbers as written, a line that is no object rejected by number", arguments: TestEngine.all)
    func ndjson(engine: TestEngine) async throws {
        try await Self.withGrants(engine) { store in
            let registry = PersonRegistry(store: store, audit: AuditLog(store: store))
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("persons-\(UUID().uuidString).ndjson").path
            let rejects = path + ".rejects.csv"
            defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: rejects) }
            try """
                {"id_number":"411602198506126153","name":"王建国","sex":"男","birth_date":"19850612","division_code":411602,"phone":"+86 138 0000 1234"}

                [1,2]
                {"id_number":"411603199001010025","name":"李娜","division_code":"411603","phone":"12345"}
                """.write(toFile: path, atomically: true, encoding: .utf8)
            let summary = try await PersonImporter(registry: registry).run(path: path, source: .health, rejectsPath: rejects, by: Self.operator_, audit: .commandLine)
            #expect(summary.read == 3 && summary.imported == 1 && summary.rejected == 2)
            let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 3 && lines[1].hasPrefix("3,") && lines[1].contains("not a JSON object") && lines[2].hasPrefix("4,") && lines[2].contains("phone 12345"))
            let person = try await registry.person(ResidentID("411602198506126153")!, view: .plain, by: Self.steward, origin: AuditOrigin(purpose: "test"))
            #expect(person.sex == .male && person.birthDate == "1985-06-12" && person.phone == "13800001234" && person.sources == [.health])
        }
    }

    @Test("the module refuses a record that does not say where the person lives, or places them outside the caller's scope", arguments: TestEngine.all)
    func loadNeedsADivisionInScope(engine: TestEngine) async throws {
        try await Self.withGrants(engine) { store in
            let registry = PersonRegistry(store: store, audit: AuditLog(store: store))
            // Born in Beijing (110105), no residence given: without the check the golden record would fall back to 110105.
            let nowhere = PersonSourceRecord(idNumber: ResidentID("11010519491231002X")!, source: .health, receivedAt: Date(), values: [.name: "李秀英"])
            await #expect(throws: RegistryError.invalidField("division_code", zh: "1101**********002X 缺少有效的行政区划代码", en: "1101**********002X has no valid division_code")) {
                try await registry.load([nowhere], origin: "api", by: Self.operator_, audit: .commandLine)
            }
            let countySteward = Principal(kind: .staff, id: "s", displayName: "赵敏", organisationCode: "411603-BDB", scope: DivisionScope(DivisionCode("411603")!),
                                          roles: [.dataSteward])
            let elsewhere = PersonSourceRecord(idNumber: ResidentID("411602198506126153")!, source: .health, receivedAt: Date(),
                                               values: [.name: "王建国", .divisionCode: "411602"])
            await #expect(throws: IdentityError.self) {
                try await registry.load([elsewhere], origin: "api", by: countySteward, audit: .commandLine)
            }
            let logged = try await ChangeLog(store: store).changes(after: 0, recordTypes: ["person"])
            #expect(logged.isEmpty)
        }
    }

    @Test("two sources make one golden record: per-field priority, provenance, disagreement, change log and history", arguments: TestEngine.all)
    func goldenRecord(engine: TestEngine) async throws {
        try await Self.withGrants(engine) { store in
            let registry = PersonRegistry(store: store, audit: AuditLog(store: store))
            let changes = ChangeLog(store: store)
            let id = ResidentID("411602198506126153")!
            _ = try await Self.importFile(registry, Self.header + "411602198506126153,王建国,male,1985-06-12,13800001234,七一路1号,411602\n", source: .publicSecurity)
            let start = try await changes.head()
            let health = try await Self.importFile(registry, Self.header + "411602198506126153,王建国,,,13900005678,八一大道9号,411603\n", source: .health)
            #expect(health.imported == 1)
            let person = try await registry.person(id, view: .plain, by: Self.steward, origin: AuditOrigin(purpose: "golden record test"))
            // Phone: health first; address and division: public security first; both disagree.
            #expect(person.phone == "13900005678" && person.provenance["phone"]?.source == .health && person.provenance["phone"]?.disagreeing == [.publicSecurity])
            #expect(person.address == "七一路1号" && person.provenance["address"]?.source == .publicSecurity && person.provenance["address"]?.disagreeing == [.health])
            #expect(person.divisionCode == "411602" && person.sources == [.publicSecurity, .health])
            let logged = try await changes.changes(after: start, recordTypes: ["person"])
            #expect(logged.count == 1 && logged[0].operation == .updated && logged[0].recordKey == id.rawValue && logged[0].fields == ["phone"])
            // Public security moves them to Huaiyang: the golden division follows, and so does scope.
            _ = try await Self.importFile(registry, Self.header + "411602198506126153,王建国,male,1985-06-12,13800001234,淮阳区羲皇大道2号,411603\n", source: .publicSecurity)
            let moved = try await registry.person(id, by: Self.countyHandler, origin: AuditOrigin())
            #expect(moved.divisionCode == "411603" && moved.masked && moved.idNumber == "4116**********6153" && moved.phone == "139****5678")
            let history = try await registry.history(id, by: Self.countyHandler, origin: AuditOrigin())
            #expect(history.versions.count == 3 && history.versions[0].source == .publicSecurity && history.versions[0].version == 2
                && history.versions[0].changed == ["address", "division_code"])
            #expect(history.versions.allSatisfy { $0.values["address"]?.hasSuffix("****") ?? true })
        }
    }

    @Test("reads are masked unless a grant and a purpose allow plain values, refused outside scope, and every one is audited", arguments: TestEngine.all)
    func maskingAndAudit(engine: TestEngine) async throws {
        try await Self.withGrants(engine) { store in
            let audit = AuditLog(store: store)
            let registry = PersonRegistry(store: store, audit: audit)
            _ = try await Self.importFile(registry, Self.header + "411602198506126153,王建国,male,1985-06-12,13800001234,周口市川汇区七一路1号,411602\n", source: .publicSecurity)
            let id = ResidentID("411602198506126153")!
            let masked = try await registry.person(id, by: Self.handler, origin: AuditOrigin(purpose: "case 12345"))
            #expect(masked.idNumber == "4116**********6153" && masked.phone == "138****1234" && masked.address == "周口市川汇区****"
                && masked.birthDate == "1985-**-**" && masked.name == "王建国" && masked.masked)
            await #expect(throws: RegistryError.noGrantForPlain) {
                try await registry.person(id, view: .plain, by: Self.handler, origin: AuditOrigin(purpose: "curious"))
            }
            await #expect(throws: RegistryError.purposeRequired) {
                try await registry.person(id, view: .plain, by: Self.steward, origin: AuditOrigin())
            }
            let plain = try await registry.person(id, view: .plain, by: Self.steward, origin: AuditOrigin(purpose: "data quality review"))
            #expect(plain.idNumber == id.rawValue && plain.phone == "13800001234" && !plain.masked)
            await #expect(throws: RegistryError.unknownPerson) {
                try await registry.person(id, by: Self.countyHandler, origin: AuditOrigin(purpose: "case 1"))
            }
            await #expect(throws: IdentityError.self) {
                try await registry.person(id, by: Self.auditor, origin: AuditOrigin())
            }
            let reads = try await audit.entries(recordType: "person", recordID: id.rawValue).filter { $0.action == "registry.person.read" }
            #expect(reads.count == 3)
            #expect(reads.contains { $0.actor == "staff:handler" && $0.purpose == "case 12345" && $0.detail == "masked" && $0.outcome == "ok" })
            #expect(reads.contains { $0.actor == "staff:steward" && $0.purpose == "data quality review" && $0.detail == "plain" })
            #expect(reads.contains { $0.actor == "staff:h" && $0.outcome == "not-found" })
            #expect(try await audit.verify().isIntact)
        }
    }

    @Test("search by name within a division, exact or by prefix, within scope", arguments: TestEngine.all)
    func search(engine: TestEngine) async throws {
        try await Self.withGrants(engine) { store in
            let registry = PersonRegistry(store: store, audit: AuditLog(store: store))
            var generator = PersonGenerator(seed: 7)
            var lines = Self.header
            for _ in 0..<300 { lines += generator.nextCSVLine(today: Date()) + "\n" }
            lines += "411602198506126153,王建国,male,1985-06-12,,,411602\n411603199001010025,王建国,female,1990-01-01,,,411603\n"
            let summary = try await Self.importFile(registry, lines, source: .publicSecurity, batchSize: 100)
            #expect(summary.imported == 302 && summary.rejected == 0)
            let exact = try await registry.search(name: "王建国", page: PageRequest(limit: 10, offset: 0), by: Self.handler, origin: AuditOrigin())
            #expect(exact.total >= 2 && exact.items.allSatisfy { $0.name == "王建国" })
            let county = try await registry.search(name: "王建国", page: PageRequest(limit: 10, offset: 0), by: Self.countyHandler, origin: AuditOrigin())
            #expect(county.items.count >= 1 && county.items.allSatisfy { $0.divisionCode.hasPrefix("411603") })
            let prefix = try await registry.search(name: "王", prefix: true, division: DivisionCode("411602"), page: PageRequest(limit: 500, offset: 0),
                                                   by: Self.handler, origin: AuditOrigin())
            #expect(prefix.items.count == prefix.total && prefix.items.allSatisfy { $0.name!.hasPrefix("王") && $0.divisionCode == "411602" })
            #expect(prefix.items.map(\.name!) == prefix.items.map(\.name!).sorted())
            await #expect(throws: IdentityError.self) {
                try await registry.search(name: "王", prefix: true, division: DivisionCode("411602"), page: PageRequest(limit: 5, offset: 0),
                                          by: Self.countyHandler, origin: AuditOrigin())
            }
        }
    }
}
