import CityCore
import CityStore
import Foundation
import Identity
import Registry
import TestSupport
import Testing

@Suite("Registry: grids, addresses and cameras, imported, indexed and followed, on every engine")
struct GeographyTests {
    static let migrations = DivisionBookTests.migrations
    static let admin = Principal.commandLine(user: "test")
    static let countySteward = Principal(kind: .staff, id: "s", displayName: "赵敏", organisationCode: "411603-BDB", scope: DivisionScope(DivisionCode("411603")!),
                                         roles: [.dataSteward])
    static let countyHandler = Principal(kind: .staff, id: "h", displayName: "孙浩", organisationCode: "411603-CMB", scope: DivisionScope(DivisionCode("411603")!),
                                         roles: [.departmentHandler])

    static func features(_ items: [String]) -> Data {
        Data(#"{"type":"FeatureCollection","features":[\#(items.joined(separator: ","))]}"#.utf8)
    }

    static func point(_ lon: Double, _ lat: Double, _ properties: String) -> String {
        #"{"type":"Feature","properties":{\#(properties)},"geometry":{"type":"Point","coordinates":[\#(lon),\#(lat)]}}"#
    }

    static func cell(_ lon: Double, _ lat: Double, _ properties: String, size: Double = 0.01) -> String {
        #"{"type":"Feature","properties":{\#(properties)},"geometry":\#(DivisionBookTests.square(lon, lat, size))}"#
    }

    /// Divisions (the city, 川汇区 at 114.6…114.8 × 33.5…33.7, 淮阳区 at 114.8…115.1 × 33.6…33.9), loaded into a fresh book.
    static func book(_ store: Store) async throws -> GeographyBook {
        _ = try await DivisionBook(store: store).importGeoJSON(DivisionBookTests.collection, source: "test", by: admin, origin: .commandLine)
        let book = GeographyBook(store: store)
        try await book.load()
        return book
    }

    @Test("an import keeps good features, names bad ones by number with the reason, and a re-import changes only what changed", arguments: TestEngine.all)
    func importCameras(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: Self.migrations) { store in
            let book = try await Self.book(store)
            let file = Self.features([
                Self.point(114.70, 33.60, #""code":"C1","name":"七一路口","kind":"ptz","owner":"411602-PSB","stream":"rtsp://10.0.0.1/c1","online":false"#),
                Self.point(114.71, 33.60, #""code":"C2","name":"八一路口""#),
                Self.point(114.90, 33.70, #""code":"C3","name":"淮阳","kind":"fixed""#),
                Self.point(114.70, 33.60, #""name":"无编码""#),
                Self.point(116.40, 39.90, #""code":"C5","name":"北京""#),
                Self.point(114.70, 33.60, #""code":"C6","kind":"dome""#),
                Self.point(114.70, 33.60, #""code":"C7","stream":"file:///etc/passwd""#),
                Self.point(114.70, 33.60, #""code":"C8","online":1"#),
                Self.point(114.72, 33.60, #""code":"C2","name":"重复""#),
                Self.cell(114.70, 33.60, #""code":"C10""#),
                #"{"type":"Feature","properties":{"code":"C11","division_code":"110105"},"geometry":{"type":"Point","coordinates":[114.7,33.6]}}"#,
            ])
            let report = try await book.importGeoJSON(file, kind: .cameras, source: "公安局", by: Self.admin, origin: .commandLine)
            #expect(report.read == 11 && report.created == 3 && report.updated == 0 && report.unchanged == 0)
            #expect(report.rejected.map(\.feature) == [4, 5, 6, 7, 8, 9, 10, 11])
            let reasons = Dictionary(uniqueKeysWithValues: report.rejected.map { ($0.feature, $0.reason) })
            #expect(reasons[4]!.contains("code missing") && reasons[5]!.contains("outside every division") && reasons[6]!.contains("fixed or ptz")
                && reasons[7]!.contains("rtsp") && reasons[8]!.contains("true or false") && reasons[9]!.contains("twice")
                && reasons[10]!.contains("Point") && reasons[11]!.contains("110105"))
            let changes = try await ChangeLog(store: store).changes(after: 0, recordTypes: ["camera"])
            #expect(changes.map(\.recordKey).sorted() == ["C1", "C2", "C3"] && changes.allSatisfy { $0.operation == .created })
            #expect(changes.first { $0.recordKey == "C3" }?.divisionCode == "411603")
            let audit = try await AuditLog(store: store).entries().first { $0.action == "registry.camera.import" }
            #expect(audit?.detail == "3 created, 0 updated, 0 unchanged, 8 rejected" && audit?.recordID == "公安局")

            // The same file again: nothing changes. One camera goes offline: one change, naming the field.
            let again = try await book.importGeoJSON(file, kind: .cameras, source: "公安局", by: Self.admin, origin: .commandLine)
            #expect(again.created == 0 && again.updated == 0 && again.unchanged == 3)
            let changed = Self.features([Self.point(114.71, 33.60, #""code":"C2","name":"八一路口","online":false"#)])
            let third = try await book.importGeoJSON(changed, kind: .cameras, source: "公安局", by: Self.admin, origin: .commandLine)
            #expect(third.updated == 1)
            let last = try await ChangeLog(store: store).changes(after: changes.last!.cursor, recordTypes: ["camera"])
            #expect(last.count == 1 && last[0].operation == .updated && last[0].fields == ["online"])

            // A county's data steward imports within the county only.
            let county = try await book.importGeoJSON(Self.features([Self.point(114.90, 33.70, #""code":"C20""#), Self.point(114.70, 33.60, #""code":"C21""#)]),
                                                      kind: .cameras, source: "淮阳区公安局", by: Self.countySteward, origin: .commandLine)
            #expect(county.created == 1 && county.rejected.map(\.feature) == [2] && county.rejected[0].reason.contains("outside your scope"))
            await #expect(throws: IdentityError.self) {
                try await book.importGeoJSON(file, kind: .cameras, source: "x", by: Self.countyHandler, origin: .commandLine)
            }
        }
    }

    @Test("a point answers its division, grid cell and nearest address; cameras come nearest first within the caller's scope", arguments: TestEngine.all)
    func locateAndNearest(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: Self.migrations) { store in
            let book = try await Self.book(store)
            _ = try await book.importGeoJSON(Self.features([Self.cell(114.70, 33.60, #""code":"G1","name":"一号网格","worker":"inspector""#),
                                                            Self.cell(114.71, 33.60, #""code":"G2""#)]),
                                             kind: .grids, source: "test", by: Self.admin, origin: .commandLine)
            _ = try await book.importGeoJSON(Self.features([Self.point(114.7051, 33.6051, #""code":"A1","name":"七一路1号""#),
                                                            Self.point(114.7150, 33.6050, #""code":"A2","name":"七一路9号","kind":"poi""#)]),
                                             kind: .addresses, source: "test", by: Self.admin, origin: .commandLine)
            _ = try await book.importGeoJSON(Self.features([Self.point(114.7060, 33.6050, #""code":"near""#), Self.point(114.7200, 33.6050, #""code":"far""#),
                                                            Self.point(114.7100, 33.6050, #""code":"mid","online":false"#),
                                                            Self.point(114.8050, 33.6050, #""code":"huaiyang""#)]),
                                             kind: .cameras, source: "test", by: Self.admin, origin: .commandLine)
            try await book.load()
            let here = GeoPoint(lon: 114.705, lat: 33.605)
            let location = try book.locate(here, by: Self.admin)
            #expect(location.division.code.rawValue == "411602" && location.grid?.code == "G1" && location.grid?.worker == "inspector")
            #expect(location.nearestAddress?.code == "A1" && (location.addressDistance ?? 99) < 15)
            #expect(try book.locate(GeoPoint(lon: 114.75, lat: 33.65), by: Self.admin).grid == nil)
            let cameras = try book.nearestCameras(to: here, count: 3, by: Self.admin)
            #expect(cameras.map(\.camera.code) == ["near", "mid", "far"])
            #expect(abs(cameras[0].metres - 92.7) < 1)
            #expect(try book.nearestCameras(to: here, count: 10, within: 20_000, onlineOnly: true, by: Self.admin).map(\.camera.code) == ["near", "far", "huaiyang"])
            #expect(try book.nearestCameras(to: here, count: 10, within: 1_000, by: Self.admin).map(\.camera.code) == ["near", "mid"])
            // A county sees its own cameras only, and may not locate points outside it.
            #expect(try book.nearestCameras(to: here, count: 10, within: 20_000, by: Self.countyHandler).map(\.camera.code) == ["huaiyang"])
            #expect(try book.nearestCameras(to: here, count: 10, by: Self.countyHandler).isEmpty)
            #expect(throws: IdentityError.outsideScope(DivisionCode("411602")!)) { try book.locate(here, by: Self.countyHandler) }
            #expect(throws: RegistryError.unknownGrid) { try book.grid("G1", by: Self.countyHandler) }
            #expect(try book.grid("G1", by: Self.admin).name == "一号网格")
        }
    }

    @Test("a change made through another process reaches this process's index by itself", arguments: TestEngine.all)
    func otherProcess(engine: TestEngine) async throws {
        try await TestStores.withDatabaseURL(engine) { url in
            let location = try StoreLocation(url)
            try await Store.withStore(location, leaseTimeout: .seconds(30)) { first in
                try await first.migrate(Self.migrations)
                let here = try await Self.book(first)
                try await Store.withStore(location, leaseTimeout: .seconds(30)) { second in
                    let there = GeographyBook(store: second)
                    try await there.load()
                    let follower = Task { try await here.follow(interval: .milliseconds(100)) }
                    defer { follower.cancel() }
                    _ = try await there.importGeoJSON(Self.features([Self.point(114.7, 33.6, #""code":"NEW""#)]), kind: .cameras, source: "test",
                                                      by: Self.admin, origin: .commandLine)
                    let start = ContinuousClock.now
                    while try here.nearestCameras(to: GeoPoint(lon: 114.7, lat: 33.6), count: 1, by: Self.admin).isEmpty {
                        try #require(ContinuousClock.now - start < .seconds(5), "the other process's camera never arrived")
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    #expect(here.index.cursor == (try await ChangeLog(store: first).head()))
                }
            }
        }
    }

    @Test("the demo geography: a 100 m grid over the central district, 1,832 + 188 camera sites, addresses; a second run changes nothing", arguments: TestEngine.all)
    func demo(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: Self.migrations) { store in
            // A small central district (0.02° square) keeps the grid to a few hundred cells.
            let divisions = Self.features([
                #"{"type":"Feature","properties":{"adcode":"411600","name":"周口市"},"geometry":\#(DivisionBookTests.square(114.0, 33.0, 2.0))}"#,
                #"{"type":"Feature","properties":{"adcode":"411602","name":"川汇区"},"geometry":\#(DivisionBookTests.square(114.6, 33.6, 0.02))}"#,
                #"{"type":"Feature","properties":{"adcode":"411603","name":"淮阳区","label_lon":114.9,"label_lat":33.7},"geometry":\#(DivisionBookTests.square(114.8, 33.6, 0.3))}"#,
            ])
            _ = try await DivisionBook(store: store).importGeoJSON(divisions, source: "test", by: Self.admin, origin: .commandLine)
            let book = GeographyBook(store: store)
            let seeded = try await book.seedDemo(central: DivisionCode("411602")!, worker: "inspector", by: Self.admin, origin: .commandLine)
            // 0.02° is 2,227 m north-south and 1,854 m east-west here: 22 rows and 19 columns of 100 m cells have their centres inside.
            #expect(seeded.grids == 22 * 19 && seeded.cameras == 2_020)
            let s = book.index.counts
            #expect(s.grids == seeded.grids && s.cameras == 2_020 && s.addresses == seeded.addresses && s.addresses > 50)
            let cameras = try book.nearestCameras(to: GeoPoint(lon: 114.61, lat: 33.61), count: 100, within: 100_000, by: Self.admin)
            #expect(cameras.allSatisfy { $0.camera.demo && $0.camera.code.count == 20 })
            let cell = try book.locate(GeoPoint(lon: 114.6105, lat: 33.6105), by: Self.admin).grid
            #expect(cell?.demo == true && cell?.worker == "inspector" && cell?.code.count == 14)
            let head = try await ChangeLog(store: store).head()
            _ = try await book.seedDemo(central: DivisionCode("411602")!, worker: "inspector", by: Self.admin, origin: .commandLine)
            #expect(try await ChangeLog(store: store).head() == head)
        }
    }
}
