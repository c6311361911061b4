import CityCore
import CityStore
import Foundation
import Identity
import Logging
import Registry
import TestSupport
import Testing

@Suite("Registry: data-quality reports, on every engine")
struct QualityTests {
    static let auditor = PersonRegistryTests.auditor

    @Test("completeness per source and field, doubtful values, duplicates and conflicts between sources, within scope", arguments: TestEngine.all)
    func persons(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: PersonRegistryTests.migrations) { store in
            let persons = PersonRegistry(store: store, audit: AuditLog(store: store))
            _ = try await PersonRegistryTests.importFile(persons, PersonRegistryTests.publicSecurityFile, source: .publicSecurity)
            let health = PersonRegistryTests.header + """
                411602198506126153,王建国,,,13900009999,,411602
                411602198506126196,王建国,male,1985-06-12,13900009999,,411602
                """ + "\n"
            _ = try await PersonRegistryTests.importFile(persons, health, source: .health)
            let quality = RegistryQuality(store: store, audit: AuditLog(store: store))
            let report = try await quality.build(.persons, scope: .city)
            #expect(report.total == 3 && report.scope.rawValue == "411600")
            let ps = try #require(report.sources.first { $0.source == "public-security" })
            #expect(ps.records == 2 && ps.completeness["name"] == 1 && ps.completeness["phone"] == 0.5 && ps.completeness["birth_date"] == 1)
            let hs = try #require(report.sources.first { $0.source == "health" })
            #expect(hs.records == 2 && hs.completeness["phone"] == 1 && hs.completeness["address"] == 0)
            let validity = Dictionary(uniqueKeysWithValues: report.validity.map { ($0.code, $0.count) })
            #expect(validity["registration-outside-city"] == 1 && validity["no-phone"] == 1)
            let duplicates = Dictionary(uniqueKeysWithValues: report.duplicates.map { ($0.code, ($0.count, $0.groups)) })
            #expect(duplicates["same-name-birth-date-division"]?.0 == 2 && duplicates["same-name-birth-date-division"]?.1 == 1)
            #expect(duplicates["phone-shared-by-more-than-3"]?.0 == 0)
            // The health phone wins (health is first for phones); public security is named as disagreeing.
            #expect(report.conflicts.map(\.field) == ["phone"] && report.conflicts[0].records == 1 && report.conflicts[0].bySource == ["public-security": 1])
            // A county's view counts the county's records only.
            let county = try await quality.build(.persons, scope: DivisionScope(DivisionCode("411603")!))
            #expect(county.total == 1 && county.conflicts.isEmpty)
        }
    }

    @Test("entities: branches registered elsewhere, representatives the persons registry lacks, same names", arguments: TestEngine.all)
    func entities(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: PersonRegistryTests.migrations) { store in
            let persons = PersonRegistry(store: store, audit: AuditLog(store: store))
            _ = try await PersonRegistryTests.importFile(persons, PersonRegistryTests.publicSecurityFile, source: .publicSecurity)
            let registry = EntityRegistry(store: store, audit: AuditLog(store: store))
            _ = try await EntityRegistryTests.importFile(registry, EntityRegistryTests.marketFile, source: .marketRegulation)
            let same = EntityRegistryTests.header + "51411602MA0000004E,周口华盛食品有限公司,,11010519491231002X,,411602,active,,\n"
            _ = try await EntityRegistryTests.importFile(registry, same, source: .civilAffairs)
            let report = try await RegistryQuality(store: store, audit: AuditLog(store: store)).build(.entities, scope: .city)
            #expect(report.total == 4)
            let validity = Dictionary(uniqueKeysWithValues: report.validity.map { ($0.code, $0.count) })
            // 91410100… is a Zhengzhou branch; every representative but 411602198506126153 and 11010519491231002X is unknown (none here).
            #expect(validity["registered-elsewhere"] == 1 && validity["representative-unknown"] == 0)
            #expect(report.duplicates.first { $0.code == "same-name-division" }?.count == 2)
            #expect(report.sources.map(\.source) == ["civil-affairs", "market-regulation"])
        }
    }

    @Test("asking answers the latest report built; the first ask, a stale report and refresh=true queue one build a minute, which the job stores", arguments: TestEngine.all)
    func builtInTheBackground(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: PersonRegistryTests.migrations) { store in
            let persons = PersonRegistry(store: store, audit: AuditLog(store: store))
            _ = try await PersonRegistryTests.importFile(persons, PersonRegistryTests.publicSecurityFile, source: .publicSecurity)
            let quality = RegistryQuality(store: store, audit: AuditLog(store: store))
            let origin = AuditOrigin(purpose: "quality")
            let first = try await quality.report(.persons, by: Self.auditor, origin: origin)
            #expect(first.report == nil && first.refreshing)
            // Asked again, and asked to refresh, while that build waits: still one job.
            _ = try await quality.report(.persons, by: Self.auditor, origin: origin)
            _ = try await quality.report(.persons, refresh: true, by: Self.auditor, origin: origin)
            let jobs = JobQueue(store: store)
            #expect(try await jobs.counts()["queued"] == 1)
            let runner = JobRunner(queue: jobs, handlers: [RegistryQuality.jobKind: { job in try await quality.run(job) }], logger: Logger(label: "test"))
            #expect(try await runner.runOnce() == 1)
            let built = try await quality.report(.persons, by: Self.auditor, origin: origin)
            #expect(built.report?.total == 2 && built.report?.scope.rawValue == "411600" && !built.refreshing)
            #expect(built.report?.sources.first?.completeness["name"] == 1)
            await #expect(throws: IdentityError.self) {
                try await quality.report(.persons, by: PersonRegistryTests.handler, origin: origin)
            }
            #expect(try await AuditLog(store: store).entries().filter { $0.action == "registry.quality.report" }.count == 4)
        }
    }
}
