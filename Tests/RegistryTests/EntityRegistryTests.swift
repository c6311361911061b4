import CityCore
import CityStore
import Foundation
import Identity
import Registry
import TestSupport
import Testing

@Suite("Registry: legal entities stored, merged, masked and audited, on every engine")
struct EntityRegistryTests {
    static let migrations = PersonRegistryTests.migrations
    static let operator_ = PersonRegistryTests.operator_
    static let steward = PersonRegistryTests.steward
    static let handler = PersonRegistryTests.handler
    static let countyHandler = PersonRegistryTests.countyHandler

    static let header = "credit_code,name,kind,legal_rep_id_number,address,division_code,status,status_date,business_scope\n"
    static let marketFile = header + """
        91411602MA00000011,周口华盛食品有限公司,,411602198506126153,周口市七一路1号,411602,active,2020-05-01,食品
        92411603MA0000002F,淮阳伏羲经营部,individual-business,,淮阳区太昊路2号,411603,revoked,2024-03-15,
        91410100MA00000034,郑州某公司周口分公司,,,周口市八一大道3号,411602,active,,
        91411602MA00000012,坏校验,,,,411602,active,,
        91411602MA0000001I,坏字符,,,,411602,active,,
        51411602MA0000004E,坏代表人,,411602198506126150,,411602,active,,
        51411602MA0000004E,坏状态,,,,411602,closed,2099-01-01,
        91411602MA00000011,重复,,,,411602,active,,
        """ + "\n"

    static func importFile(_ registry: EntityRegistry, _ text: String, source: EntitySource, rejects: String? = nil) async throws -> ImportSummary {
        let path = try PersonRegistryTests.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await EntityImporter(registry: registry, batchSize: 2).run(path: path, source: source, rejectsPath: rejects, by: operator_, audit: .commandLine)
    }

    @Test("an import keeps good rows, refuses bad codes with the exact reason, flags branches registered elsewhere, and a re-run changes nothing", arguments: TestEngine.all)
    func importAndRerun(engine: TestEngine) async throws {
        try await PersonRegistryTests.withGrants(engine) { store in
            let registry = EntityRegistry(store: store, audit: AuditLog(store: store))
            let rejects = FileManager.default.temporaryDirectory.appendingPathComponent("rejects-\(UUID().uuidString).csv").path
            defer { try? FileManager.default.removeItem(atPath: rejects) }
            let first = try await Self.importFile(registry, Self.marketFile, source: .marketRegulation, rejects: rejects)
            #expect(first.read == 8 && first.imported == 3 && first.rejected == 5)
            let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == 6)
            #expect(lines[1].hasPrefix("5,") && lines[1].contains("check character is 2, the code's check character is 1"))
            #expect(lines[2].hasPrefix("6,") && lines[2].contains("character 18 (I)"))
            #expect(lines[3].hasPrefix("7,") && lines[3].contains("legal_rep_id_number") && lines[3].contains("check character"))
            #expect(lines[4].hasPrefix("8,") && lines[4].contains("status must be") && lines[4].contains("status_date 2099-01-01"))
            #expect(lines[5].hasPrefix("9,") && lines[5].contains("repeats"))
            let again = try await Self.importFile(registry, Self.marketFile, source: .marketRegulation)
            #expect(again.imported == 0 && again.updated == 0 && again.unchanged == 3)
            #expect(try await ChangeLog(store: store).changes(after: 0, recordTypes: ["entity"]).count == 3)

            let purpose = AuditOrigin(purpose: "企业核查")
            let plain = try await registry.entity(CreditCode("91411602MA00000011")!, view: .plain, by: Self.steward, origin: purpose)
            #expect(plain.name == "周口华盛食品有限公司" && plain.kind == "enterprise" && plain.legalRepIdNumber == "411602198506126153" && plain.status == .active)
            #expect(plain.provenance["name"]?.source == .marketRegulation && plain.statusDate == "2020-05-01" && !plain.registeredElsewhere)
            let branch = try await registry.entity(CreditCode("91410100MA00000034")!, by: Self.handler, origin: purpose)
            #expect(branch.registeredElsewhere && branch.divisionCode == "411602")
            let masked = try await registry.entity(CreditCode("91411602MA00000011")!, by: Self.handler, origin: purpose)
            #expect(masked.masked && masked.legalRepIdNumber == "4116**********6153")
            await #expect(throws: RegistryError.noGrantForPlain) {
                try await registry.entity(CreditCode("91411602MA00000011")!, view: .plain, by: Self.handler, origin: purpose)
            }
            // 淮阳区's handler sees 淮阳区's entities; 川汇区's are unknown to them, and the attempt is audited.
            #expect(try await registry.entity(CreditCode("92411603MA0000002F")!, by: Self.countyHandler, origin: purpose).status == .revoked)
            await #expect(throws: RegistryError.unknownEntity) {
                try await registry.entity(CreditCode("91411602MA00000011")!, by: Self.countyHandler, origin: purpose)
            }
            let reads = try await AuditLog(store: store).entries().filter { $0.action == "registry.entity.read" }
            // Five reads answered (the refused plain read is audited where it is answered: the HTTP layer audits every 403).
            #expect(reads.count == 5 && reads.contains { $0.outcome == "not-found" && $0.purpose == "企业核查" })
        }
    }

    @Test("a second source's record merges by the documented priority, names who disagrees, and changes the golden record only when it must", arguments: TestEngine.all)
    func merge(engine: TestEngine) async throws {
        try await PersonRegistryTests.withGrants(engine) { store in
            let registry = EntityRegistry(store: store, audit: AuditLog(store: store))
            _ = try await Self.importFile(registry, Self.marketFile, source: .marketRegulation)
            let before = try await ChangeLog(store: store).head()
            let hrss = Self.header + "91411602MA00000011,周口华盛食品公司,,,周口市七一路1号,411602,active,,\n"
            let summary = try await Self.importFile(registry, hrss, source: .hrss)
            #expect(summary.imported == 1)
            let entity = try await registry.entity(CreditCode("91411602MA00000011")!, by: Self.steward, origin: AuditOrigin(purpose: "t"))
            // Market regulation's name stays; HRSS is named as disagreeing; the change is the provenance.
            #expect(entity.name == "周口华盛食品有限公司" && entity.provenance["name"]?.disagreeing == [.hrss] && entity.sources == [.marketRegulation, .hrss])
            let changes = try await ChangeLog(store: store).changes(after: before, recordTypes: ["entity"])
            #expect(changes.count == 1 && changes[0].operation == .updated && changes[0].fields == ["sources", "provenance"])
        }
    }

    @Test("search by name (exact or prefix) within scope, and the history of every source's versions, masked and audited", arguments: TestEngine.all)
    func searchAndHistory(engine: TestEngine) async throws {
        try await PersonRegistryTests.withGrants(engine) { store in
            let registry = EntityRegistry(store: store, audit: AuditLog(store: store))
            _ = try await Self.importFile(registry, Self.marketFile, source: .marketRegulation)
            let hrss = Self.header + "91411602MA00000011,周口华盛食品公司,,411602198506126153,周口市七一路1号,411602,active,,\n"
            _ = try await Self.importFile(registry, hrss, source: .hrss)
            let changedMarket = Self.header + "91411602MA00000011,周口华盛食品有限公司,,411602198506126153,周口市七一路9号,411602,active,2020-05-01,食品\n"
            _ = try await Self.importFile(registry, changedMarket, source: .marketRegulation)
            let origin = AuditOrigin(purpose: "企业核查")
            let page = PageRequest(limit: 10, offset: 0)

            // Exact and prefix; a county handler finds only their county's entities.
            let exact = try await registry.search(name: "周口华盛食品有限公司", page: page, by: Self.handler, origin: origin)
            #expect(exact.total == 1 && exact.items[0].creditCode == "91411602MA00000011" && exact.items[0].legalRepIdNumber == "4116**********6153")
            let prefixed = try await registry.search(name: "周口", prefix: true, page: page, by: Self.handler, origin: origin)
            #expect(prefixed.items.map(\.creditCode) == ["91411602MA00000011"])
            #expect(try await registry.search(name: "郑州", prefix: true, page: page, by: Self.handler, origin: origin).items.map(\.creditCode) == ["91410100MA00000034"])
            #expect(try await registry.search(name: "周口", prefix: true, page: page, by: Self.countyHandler, origin: origin).total == 0)
            #expect(try await registry.search(name: "淮阳", prefix: true, page: page, by: Self.countyHandler, origin: origin).total == 1)
            await #expect(throws: IdentityError.self) {
                try await registry.search(name: "周口", division: DivisionCode("411602")!, page: page, by: Self.countyHandler, origin: origin)
            }
            await #expect(throws: RegistryError.self) { try await registry.search(name: "  ", page: page, by: Self.handler, origin: origin) }

            // History: newest first, what changed per version, the representative masked unless plain.
            let code = CreditCode("91411602MA00000011")!
            let history = try await registry.history(code, by: Self.handler, origin: origin)
            #expect(history.masked && history.versions.map(\.source) == [.marketRegulation, .hrss, .marketRegulation])
            #expect(history.versions.map(\.version) == [2, 1, 1])
            #expect(history.versions[0].changed == ["address"] && history.versions[0].values["address"] == "周口市七一路9号")
            #expect(history.versions[0].values["legal_rep_id_number"] == "4116**********6153" && history.versions[0].origin.hasSuffix(".csv"))
            let plain = try await registry.history(code, view: .plain, by: Self.steward, origin: origin)
            #expect(!plain.masked && plain.versions[1].values["legal_rep_id_number"] == "411602198506126153")
            await #expect(throws: RegistryError.unknownEntity) { try await registry.history(code, by: Self.countyHandler, origin: origin) }

            let audited = try await AuditLog(store: store).entries().filter { $0.action.hasPrefix("registry.entity.") }
            #expect(audited.filter { $0.action == "registry.entity.search" }.count == 5)
            #expect(audited.contains { $0.action == "registry.entity.search" && $0.detail?.contains("91411602MA00000011") == true && $0.purpose == "企业核查" })
            #expect(audited.filter { $0.action == "registry.entity.history" }.map(\.outcome).sorted() == ["not-found", "ok", "ok"])
        }
    }

    @Test("credit codes are refused with the exact reason")
    func creditCodeProblems() throws {
        #expect(throws: CreditCode.Problem.length(17)) { try CreditCode.checked("91411602MA0000001") }
        #expect(throws: CreditCode.Problem.character("O", position: 9)) { try CreditCode.checked("91411602OA00000011") }
        #expect(throws: CreditCode.Problem.checkCharacter(expected: "8", found: "9")) { try CreditCode.checked("914116007L0AW5D599") }
        #expect(try CreditCode.checked("914116007l0aw5d598").rawValue == "914116007L0AW5D598")
        #expect(CreditCode("514116249XYECRNW8Y")?.kind == "social-group" && CreditCode("91350100M000100Y43")?.divisionCode?.rawValue == "350100")
    }
}
