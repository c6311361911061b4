import CityCore
import CityStore
import Crypto
import Exchange
import Foundation
import Identity
import TestSupport
import Testing

/// Two departments of the city and a district's: the health commission publishes, the district's
/// city-management bureau consumes.
enum ExchangeFixture {
    static let migrations = StoreMigrations.all + IdentityMigrations.all + ExchangeMigrations.all
    static let admin = Principal.commandLine(user: "test")
    static let chuanhui = DivisionScope(DivisionCode("411602")!)
    static let healthSteward = Principal(kind: .staff, id: "health.steward", displayName: "钱芳", organisationCode: "411600-HEALTH", scope: .city, roles: [.dataSteward])
    static let cmbSteward = Principal(kind: .staff, id: "cmb.steward", displayName: "周杰", organisationCode: "411602-CMB", scope: chuanhui, roles: [.dataSteward])
    static let cmbHandler = Principal(kind: .staff, id: "cmb.handler", displayName: "张伟", organisationCode: "411602-CMB", scope: chuanhui, roles: [.departmentHandler])
    static let hudSteward = Principal(kind: .staff, id: "hud.steward", displayName: "吴刚", organisationCode: "411602-HUD", scope: chuanhui, roles: [.dataSteward])
    static let origin = AuditOrigin(source: "test")
    static let start = try! Date("2026-11-25T10:00:00+08:00", strategy: .iso8601)

    static func organisations(_ store: Store) async throws {
        try await OrganisationBook(store: store).upsert([
            Organisation(code: "411600-HEALTH", name: "周口市卫生健康委员会", parentCode: nil, divisionCode: .zhoukou, kind: "department"),
            Organisation(code: "411602-CMB", name: "川汇区城市管理局", parentCode: nil, divisionCode: DivisionCode("411602")!, kind: "department"),
            Organisation(code: "411602-HUD", name: "川汇区住房和城乡建设局", parentCode: nil, divisionCode: DivisionCode("411602")!, kind: "department"),
        ])
    }

    static let clinics = NewDataset(
        shortCode: "clinics", name: "医疗机构执业登记", nameEn: "Licensed clinics", summary: "全市医疗机构的执业登记信息", keyField: "licenceNo",
        divisionField: "divisionCode",
        fields: [
            ResourceField(name: "licenceNo", title: "执业许可证号", type: .string, sensitivity: .public, required: true),
            ResourceField(name: "name", title: "机构名称", type: .string, sensitivity: .public, required: true),
            ResourceField(name: "divisionCode", title: "所在区划", type: .divisionCode, sensitivity: .public, required: true),
            ResourceField(name: "doctorIdNumber", title: "负责人身份证号", type: .idNumber, sensitivity: .personal),
            ResourceField(name: "doctorPhone", title: "负责人电话", type: .phone, sensitivity: .personal),
            ResourceField(name: "beds", title: "床位数", type: .integer, sensitivity: .internal),
            ResourceField(name: "open", title: "是否营业", type: .boolean, sensitivity: .public),
            ResourceField(name: "inspectionNote", title: "监督检查记录", type: .string, sensitivity: .secret),
        ],
        updateCycle: .daily, sharing: .conditional, sharingBasis: "《医疗机构管理条例》第四十条：登记信息按需共享", openness: .closed)

    /// Five good rows (three in 川汇区, two in 淮阳区) and four bad ones.
    static let clinicsCSV = Data("""
        licenceNo,name,divisionCode,doctorIdNumber,doctorPhone,beds,open,inspectionNote
        PDY-001,川汇区人民医院,411602,11010519491231002X,13800001234,500,true,良好
        PDY-002,七一路社区卫生服务中心,411602,,0394-8123456,20,1,
        PDY-003,荷花路诊所,411602,411602198503150035,,3,true,
        PDY-004,淮阳区中医院,411603,,,200,false,
        PDY-005,淮阳区妇幼保健院,411603,,,120,true,
        PDY-006,坏数据诊所,411602,,,很多,true,
        PDY-001,重复的主键,411602,,,1,true,
        ,缺少主键,411602,,,1,true,
        PDY-009,区划有误,41160,,,1,true,
        """.utf8)

    static func platform(_ store: Store, clock: ManualClock) async throws -> (ResourceCatalogue, DatasetLoader, SharingDesk, DataGateway) {
        try await organisations(store)
        return (ResourceCatalogue(store: store, clock: clock), DatasetLoader(store: store, clock: clock),
                SharingDesk(store: store, clock: clock, keys: APIKeyRing(store: store, clock: clock)), DataGateway(store: store, clock: clock, sources: [:]))
    }
}

struct Answer: Decodable {
    let resource: String
    let grantId: Int64
    let fields: [String]
    let masked: Bool
    let rows: [[String: JSONValue]]
    let next: String?
}

@Suite("Exchange: catalogue, datasets, requests, grants and the data API")
struct ExchangeTests {
    typealias F = ExchangeFixture

    @Test("a department publishes a dataset and loads it: bad rows named by line, good rows kept, a re-upload changes nothing, a changed row is one update",
          arguments: TestEngine.all)
    func publishAndLoad(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: F.migrations) { store in
            let clock = ManualClock(F.start)
            let (catalogue, loader, _, _) = try await F.platform(store, clock: clock)
            let clinics = try await catalogue.publish(F.clinics, by: F.healthSteward, origin: F.origin)
            #expect(clinics.code == "411600-HEALTH.0001" && clinics.kind == .dataset && clinics.recordTypes == ["dataset:411600-HEALTH.0001"])
            #expect(try await catalogue.resource("clinics", by: F.cmbHandler) == clinics)
            await #expect(throws: ExchangeError.shortCodeTaken("clinics")) { try await catalogue.publish(F.clinics, by: F.healthSteward, origin: F.origin) }
            var bad = F.clinics
            bad.shortCode = nil
            bad.sharingBasis = nil
            await #expect(throws: ExchangeError.self) { try await catalogue.publish(bad, by: F.healthSteward, origin: F.origin) }
            await #expect(throws: IdentityError.self) { try await catalogue.publish(F.clinics, by: F.cmbHandler, origin: F.origin) }

            let report = try await loader.load("clinics", data: F.clinicsCSV, format: .csv, by: F.healthSteward, origin: F.origin)
            #expect(report.received == 9 && report.created == 5 && report.updated == 0)
            #expect(report.rejected.map(\.line) == [7, 8, 9, 10])
            #expect(report.rejected.map(\.field) == ["beds", "licenceNo", "licenceNo", "divisionCode"])
            #expect(report.rejected[1].en.contains("repeats line 2"))
            await #expect(throws: ExchangeError.notProvider) {
                try await loader.load("clinics", data: F.clinicsCSV, format: .csv, by: F.cmbSteward, origin: F.origin)
            }

            let again = try await loader.load("clinics", data: F.clinicsCSV, format: .csv, by: F.healthSteward, origin: F.origin)
            #expect(again.created == 0 && again.updated == 0 && again.unchanged == 5)
            let ndjson = Data("""
                {"licenceNo":"PDY-003","name":"荷花路诊所","divisionCode":"411602","doctorIdNumber":"411602198503150035","beds":5,"open":true}
                {"licenceNo":"PDY-010","name":"新建诊所","divisionCode":"411602","open":"yes"}
                """.utf8)
            let changed = try await loader.load("clinics", data: ndjson, format: .ndjson, by: F.healthSteward, origin: F.origin)
            #expect(changed.updated == 1 && changed.created == 0 && changed.rejected.map(\.line) == [2] && changed.rejected[0].field == "open")
            let json = Data(#"[{"licenceNo":"PDY-011","name":"新诊所","divisionCode":"411602","unknown":1}]"#.utf8)
            let refused = try await loader.load("clinics", data: json, format: .json, by: F.healthSteward, origin: F.origin)
            #expect(refused.rejected.first?.line == 1 && refused.rejected.first?.field == "unknown")

            let changes = try await ChangeLog(store: store).changes(after: 0, recordTypes: [clinics.recordTypes[0]])
            #expect(changes.count == 6)
            #expect(changes.last?.operation == .updated && changes.last?.recordKey == "PDY-003" && changes.last?.fields == ["beds"])
            #expect(try await AuditLog(store: store, clock: clock).verify().problems.isEmpty)
        }
    }

    @Test("a consumer asks, the provider approves fewer fields, the consumer reads its district's rows masked; the message log holds the body's hash; revocation holds at once",
          arguments: TestEngine.all)
    func requestApproveQueryRevoke(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: F.migrations) { store in
            let clock = ManualClock(F.start)
            let (catalogue, loader, sharing, gateway) = try await F.platform(store, clock: clock)
            _ = try await catalogue.publish(F.clinics, by: F.healthSteward, origin: F.origin)
            _ = try await loader.load("clinics", data: F.clinicsCSV, format: .csv, by: F.healthSteward, origin: F.origin)

            await #expect(throws: ExchangeError.secretField("inspectionNote")) {
                try await sharing.request(ShareRequestInput(resource: "clinics", purpose: "城市管理巡查", fields: ["name", "inspectionNote"], days: 30),
                                          by: F.cmbSteward, origin: F.origin)
            }
            let asked = try await sharing.request(ShareRequestInput(resource: "clinics", purpose: "城市管理巡查时核对医疗机构",
                                                                    fields: ["licenceNo", "name", "doctorIdNumber", "doctorPhone", "beds"], days: 90),
                                                  by: F.cmbSteward, origin: F.origin)
            #expect(asked.state == .pending && asked.providerCode == "411600-HEALTH")
            await #expect(throws: ExchangeError.noGrant) { try await gateway.query("clinics", DataQuery(), by: F.cmbHandler, origin: F.origin) }
            await #expect(throws: ExchangeError.notProvider) { try await sharing.decide(asked.id, .approve(), by: F.cmbSteward, origin: F.origin) }
            #expect(try await sharing.requests(by: F.healthSteward, pendingOnly: true, page: PageRequest(limit: 10, offset: 0)).items.map(\.id) == [asked.id])

            let decided = try await sharing.decide(asked.id, .approve(fields: ["licenceNo", "name", "doctorIdNumber", "doctorPhone"], days: 30),
                                                   by: F.healthSteward, origin: F.origin)
            #expect(decided.state == .granted && decided.grantID != nil)
            await #expect(throws: ExchangeError.requestDecided) { try await sharing.decide(asked.id, .refuse(reason: "晚了"), by: F.healthSteward, origin: F.origin) }

            let answer = try await gateway.query("clinics", DataQuery(limit: 2), by: F.cmbHandler, origin: AuditOrigin(source: "test", requestID: "r-1"))
            let page = try JSONDecoder().decode(Answer.self, from: answer.body)
            #expect(page.fields == ["licenceNo", "name", "doctorIdNumber", "doctorPhone"] && page.masked)
            #expect(page.rows.map { $0["licenceNo"] } == [.string("PDY-001"), .string("PDY-002")])
            #expect(page.rows[0]["doctorIdNumber"] == .string("1101**********002X") && page.rows[0]["doctorPhone"] == .string("138****1234"))
            #expect(page.rows[0]["beds"] == nil && page.next != nil && !String(decoding: answer.body, as: UTF8.self).contains("PDY-002\"}],\"next\":\"PDY"))
            // The message log: the call, its query and the SHA-256 of exactly the body sent.
            #expect(answer.sha256 == SHA256.hash(data: answer.body).map { String(format: "%02x", $0) }.joined())
            let logged = try await AuditLog(store: store, clock: clock).entries(recordType: "grant").filter { $0.action == "exchange.query" }
            #expect(logged.count == 1 && logged[0].recordID == String(decided.grantID!) && logged[0].detail?.contains(answer.sha256) == true
                    && logged[0].purpose == "城市管理巡查时核对医疗机构" && logged[0].requestID == "r-1")

            // The next page, then the end: only 川汇区's rows (the consumer's scope), never 淮阳区's.
            let second = try JSONDecoder().decode(Answer.self, from: try await gateway.query("clinics", DataQuery(cursor: page.next, limit: 2), by: F.cmbHandler, origin: F.origin).body)
            #expect(second.rows.map { $0["licenceNo"] } == [.string("PDY-003")] && second.next == nil)
            // A cursor with a character of its middle changed (its last characters may carry only
            // padding bits: about one run in a thousand, replacing them changed no byte and the test failed).
            var tampered = Array(page.next!)
            tampered[tampered.count / 2] = tampered[tampered.count / 2] == "A" ? "B" : "A"
            await #expect {
                try await gateway.query("clinics", DataQuery(cursor: String(tampered), limit: 2), by: F.cmbHandler, origin: F.origin)
            } throws: { ($0 as? ExchangeError)?.field == "cursor" }
            let filtered = try JSONDecoder().decode(Answer.self, from: try await gateway.query("clinics", DataQuery(filters: ["name": "荷花路诊所"]), by: F.cmbHandler, origin: F.origin).body)
            #expect(filtered.rows.map { $0["licenceNo"] } == [.string("PDY-003")])
            await #expect(throws: ExchangeError.fieldsNotGranted(["beds"])) {
                try await gateway.query("clinics", DataQuery(fields: ["name", "beds"]), by: F.cmbHandler, origin: F.origin)
            }
            await #expect(throws: ExchangeError.noGrant) { try await gateway.query("clinics", DataQuery(), by: F.hudSteward, origin: F.origin) }

            let stats = try await catalogue.statistics("clinics", by: F.cmbHandler)
            #expect(stats.consumers == 1 && stats.calls == 3 && stats.rows == 4)

            let revoked = try await sharing.revoke(decided.grantID!, reason: "巡查结束", by: F.healthSteward, origin: F.origin)
            #expect(revoked.revokedAt != nil)
            await #expect(throws: ExchangeError.noGrant) { try await gateway.query("clinics", DataQuery(), by: F.cmbHandler, origin: F.origin) }
            #expect(try await AuditLog(store: store, clock: clock).verify().problems.isEmpty)
        }
    }

    @Test("terms: a not-shared resource is refused, an unconditional one is granted at once unless plain personal values are asked, a grant's calls a minute are limited",
          arguments: TestEngine.all)
    func termsAndRateLimit(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: F.migrations) { store in
            let clock = ManualClock(F.start)
            let (catalogue, loader, sharing, gateway) = try await F.platform(store, clock: clock)
            var secret = F.clinics
            secret.shortCode = "closed-clinics"
            secret.sharing = .notShared
            _ = try await catalogue.publish(secret, by: F.healthSteward, origin: F.origin)
            await #expect(throws: ExchangeError.notShared) {
                try await sharing.request(ShareRequestInput(resource: "closed-clinics", purpose: "核对医疗机构", fields: [], days: 30), by: F.cmbSteward, origin: F.origin)
            }
            var open = F.clinics
            open.sharing = .unconditional
            _ = try await catalogue.publish(open, by: F.healthSteward, origin: F.origin)
            _ = try await loader.load("clinics", data: F.clinicsCSV, format: .csv, by: F.healthSteward, origin: F.origin)
            let plain = try await sharing.request(ShareRequestInput(resource: "clinics", purpose: "核对医疗机构负责人", fields: ["name", "doctorIdNumber"], days: 30, plain: true),
                                                  by: F.cmbSteward, origin: F.origin)
            #expect(plain.state == .pending && plain.plain)
            let atOnce = try await sharing.request(ShareRequestInput(resource: "clinics", purpose: "核对医疗机构名称", fields: ["licenceNo", "name"], days: 30),
                                                   by: F.cmbSteward, origin: F.origin)
            #expect(atOnce.state == .granted && atOnce.decidedBy == "system")
            // The plain request approved at 2 calls a minute: the grant with plain values is used, its limit holds.
            let approved = try await sharing.decide(plain.id, .approve(ratePerMinute: 2), by: F.healthSteward, origin: F.origin)
            let first = try JSONDecoder().decode(Answer.self, from: try await gateway.query("clinics", DataQuery(fields: ["name", "doctorIdNumber"]), by: F.cmbHandler, origin: F.origin).body)
            #expect(first.grantId == approved.grantID && !first.masked && first.rows[0]["doctorIdNumber"] == .string("11010519491231002X"))
            _ = try await gateway.query("clinics", DataQuery(fields: ["name"]), by: F.cmbHandler, origin: F.origin)
            clock.advance(by: 20)
            await #expect(throws: ExchangeError.rateLimited(seconds: 40)) {
                try await gateway.query("clinics", DataQuery(fields: ["name"]), by: F.cmbHandler, origin: F.origin)
            }
            clock.advance(by: 40)
            _ = try await gateway.query("clinics", DataQuery(fields: ["name"]), by: F.cmbHandler, origin: F.origin)
            clock.advance(by: 31 * 86_400)
            await #expect(throws: ExchangeError.noGrant) { try await gateway.query("clinics", DataQuery(), by: F.cmbHandler, origin: F.origin) }
        }
    }
}
