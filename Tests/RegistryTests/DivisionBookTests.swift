import CityCore
import CityStore
import Foundation
import Identity
import Registry
import TestSupport
import Testing

@Suite("Registry: divisions, on every engine")
struct DivisionBookTests {
    static let migrations = StoreMigrations.all + IdentityMigrations.all + RegistryMigrations.all
    static let admin = Principal.commandLine(user: "test")
    static let county = Principal(kind: .staff, id: "h", displayName: "孙浩", organisationCode: "411603-CMB", scope: DivisionScope(DivisionCode("411603")!),
                                  roles: [.departmentHandler])

    static func square(_ lon: Double, _ lat: Double, _ size: Double = 0.1) -> String {
        let ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        return #"{"type":"Polygon","coordinates":[[\#(ring.map { "[\($0[0]),\($0[1])]" }.joined(separator: ","))]]}"#
    }

    static let collection = Data("""
        {"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"adcode":411600,"name":"周口市"},"geometry":\(square(114.0, 33.0, 2.0))},
          {"type":"Feature","properties":{"adcode":"411603","name":"淮阳区","label_lon":114.9,"label_lat":33.7},"geometry":\(square(114.8, 33.6, 0.3))},
          {"type":"Feature","properties":{"adcode":"411602","name":"川汇区"},"geometry":\(square(114.6, 33.5, 0.2))},
          {"type":"Feature","properties":{"name":"无代码"},"geometry":null},
          {"type":"Feature","properties":{"adcode":"411699","name":"坏边界"},"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4]]]}}
        ]}
        """.utf8)

    @Test("an import keeps the good features, names the bad ones by number, and is audited with them", arguments: TestEngine.all)
    func importGeoJSON(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: Self.migrations) { store in
            let book = DivisionBook(store: store)
            let report = try await book.importGeoJSON(Self.collection, source: "test", by: Self.admin, origin: .commandLine)
            #expect(report.imported == 3)
            #expect(report.rejected.map(\.feature) == [4, 5])
            #expect(report.rejected[0].reason.contains("adcode"))
            let entries = try await AuditLog(store: store).entries().filter { $0.action == "registry.division.import" }
            #expect(entries.count == 1 && entries[0].detail == "3 imported, 2 rejected" && entries[0].actor == "cli:test")
            // Each division went to the platform change log with the import, created the first time.
            let log = ChangeLog(store: store)
            let first = try await log.changes(after: 0, recordTypes: ["division"])
            #expect(Set(first.map(\.recordKey)) == ["411600", "411602", "411603"] && first.allSatisfy { $0.operation == .created && $0.actor == "cli:test" })
            // Re-importing updates in place, and says so.
            _ = try await book.importGeoJSON(Self.collection, source: "test", by: Self.admin, origin: .commandLine)
            #expect(try await book.list(by: Self.admin).count == 3)
            let second = try await log.changes(after: first.last!.cursor)
            #expect(second.count == 3 && second.allSatisfy { $0.operation == .updated })
        }
    }

    @Test("only a platform administrator imports, and not a file that is not a FeatureCollection", arguments: TestEngine.all)
    func importRefusals(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: Self.migrations) { store in
            let book = DivisionBook(store: store)
            await #expect(throws: IdentityError.missingRole([.platformAdmin])) {
                try await book.importGeoJSON(Self.collection, source: "x", by: Self.county, origin: .commandLine)
            }
            await #expect(throws: RegistryError.badGeoJSON("not a FeatureCollection")) {
                try await book.importGeoJSON(Data(#"{"type":"Feature"}"#.utf8), source: "x", by: Self.admin, origin: .commandLine)
            }
        }
    }

    @Test("a county caller reads its county, is refused another, and gets a 404 for a missing division within scope", arguments: TestEngine.all)
    func scope(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: Self.migrations) { store in
            let book = DivisionBook(store: store)
            _ = try await book.importGeoJSON(Self.collection, source: "test", by: Self.admin, origin: .commandLine)
            #expect(try await book.list(by: Self.county).map(\.code.rawValue) == ["411603"])
            let own = try await book.find(DivisionCode("411603")!, by: Self.county)
            #expect(own.name == "淮阳区" && own.label == GeoPoint(lon: 114.9, lat: 33.7) && own.boundaryGeoJSON != nil)
            await #expect(throws: IdentityError.outsideScope(DivisionCode("411602")!)) { try await book.find(DivisionCode("411602")!, by: Self.county) }
            await #expect(throws: RegistryError.unknownDivision(DivisionCode("411603001")!)) { try await book.find(DivisionCode("411603001")!, by: Self.county) }
            let citizen = Principal(kind: .citizen, id: "1", displayName: "x", organisationCode: nil, scope: nil, roles: [])
            await #expect(throws: IdentityError.needsStaffScope) { try await book.list(by: citizen) }
        }
    }

    @Test("a point locates to the most specific division containing it, within the caller's scope", arguments: TestEngine.all)
    func locate(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: Self.migrations) { store in
            _ = try await DivisionBook(store: store).importGeoJSON(Self.collection, source: "test", by: Self.admin, origin: .commandLine)
            let geography = GeographyBook(store: store)
            try await geography.load()
            #expect(try geography.division(at: GeoPoint(lon: 114.7, lat: 33.6), by: Self.admin).code.rawValue == "411602")
            #expect(try geography.division(at: GeoPoint(lon: 115.5, lat: 34.5), by: Self.admin).code.rawValue == "411600")
            #expect(throws: RegistryError.noDivisionAt) { try geography.division(at: GeoPoint(lon: 116.4, lat: 39.9), by: Self.admin) }
            #expect(throws: IdentityError.outsideScope(DivisionCode("411602")!)) { try geography.division(at: GeoPoint(lon: 114.7, lat: 33.6), by: Self.county) }
        }
    }
}
