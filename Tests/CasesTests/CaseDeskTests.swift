import Cases
import CityCore
import CityStore
import Foundation
import Identity
import Registry
import TestSupport
import Testing

/// A city of two districts with their departments, the seeded categories and rules, and people
/// in every role.
enum CaseFixture {
    static let migrations = StoreMigrations.all + IdentityMigrations.all + RegistryMigrations.all + CasesMigrations.all
    static let admin = Principal.commandLine(user: "test")
    static let chuanhui = DivisionScope(DivisionCode("411602")!)
    static let operator_ = Principal(kind: .staff, id: "operator", displayName: "王丽", organisationCode: "411600-CMD", scope: .city, roles: [.commandOperator])
    static let dispatcher = Principal(kind: .staff, id: "dispatcher", displayName: "李强", organisationCode: "411600-CMD", scope: .city, roles: [.dispatcher])
    static let handler = Principal(kind: .staff, id: "handler", displayName: "张伟", organisationCode: "411602-CMB", scope: chuanhui, roles: [.departmentHandler])
    static let otherHandler = Principal(kind: .staff, id: "hud", displayName: "周杰", organisationCode: "411602-HUD", scope: chuanhui, roles: [.departmentHandler])
    static let inspector = Principal(kind: .staff, id: "inspector", displayName: "刘洋", organisationCode: "411602-CMB", scope: chuanhui, roles: [.inspector])
    static let countyOperator = Principal(kind: .staff, id: "hy", displayName: "孙浩", organisationCode: "411603-CMD", scope: DivisionScope(DivisionCode("411603")!),
                                          roles: [.commandOperator])
    static let citizen = Principal(kind: .citizen, id: "c-1", displayName: "13800000000", organisationCode: nil, scope: nil, roles: [])

    /// 川汇区 covers 114.6…114.8 × 33.5…33.7; 淮阳区 114.8…115.1 × 33.6…33.9.
    static let inChuanhui = GeoPoint(lon: 114.65, lat: 33.60)
    /// Wednesday 25 November 2026, 10:00 in China.
    static let start = try! Date("2026-11-25T10:00:00+08:00", strategy: .iso8601)

    static func square(_ lon: Double, _ lat: Double, _ size: Double) -> String {
        let ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        return #"{"type":"Polygon","coordinates":[[\#(ring.map { "[\($0[0]),\($0[1])]" }.joined(separator: ","))]]}"#
    }

    static let divisions = Data("""
        {"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"adcode":411600,"name":"周口市"},"geometry":\(square(114.0, 33.0, 2.0))},
          {"type":"Feature","properties":{"adcode":"411603","name":"淮阳区"},"geometry":\(square(114.8, 33.6, 0.3))},
          {"type":"Feature","properties":{"adcode":"411602","name":"川汇区"},"geometry":\(square(114.6, 33.5, 0.2))}
        ]}
        """.utf8)

    /// The desk over a prepared store, on a clock the test moves.
    static func desk(_ store: Store, clock: ManualClock) async throws -> CaseDesk {
        _ = try await DivisionBook(store: store).importGeoJSON(divisions, source: "test", by: admin, origin: .commandLine)
        try await OrganisationBook(store: store).upsert([
            Organisation(code: "411600-CMD", name: "周口市城市运行指挥中心", parentCode: nil, divisionCode: .zhoukou, kind: "department"),
            Organisation(code: "411602-CMB", name: "川汇区城市管理局", parentCode: nil, divisionCode: DivisionCode("411602")!, kind: "department"),
            Organisation(code: "411602-HUD", name: "川汇区住房和城乡建设局", parentCode: nil, divisionCode: DivisionCode("411602")!, kind: "department"),
            Organisation(code: "411603-CMB", name: "淮阳区城市管理局", parentCode: nil, divisionCode: DivisionCode("411603")!, kind: "department"),
        ])
        let catalogue = CaseCatalogue(store: store, clock: clock)
        try await catalogue.seed(routing: [RoutingRule(categoryPrefix: "1", divisionPrefix: "411602", organisationCode: "411602-CMB"),
                                           RoutingRule(categoryPrefix: "2", divisionPrefix: "411602", organisationCode: "411602-CMB")], by: admin)
        try await catalogue.loadCalendar(year: 2026, holidays: (1...7).map { ("2026-10-0\($0)", "国庆节") }, workdays: [("2026-10-10", "国庆节调休")], by: admin)
        let geography = GeographyBook(store: store)
        try await geography.load()
        return CaseDesk(store: store, geography: geography, clock: clock)
    }

    /// A tiny valid PNG's first bytes (the type is read from them).
    static let png = Photo(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]))
    static let jpeg = Photo(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46]))

    static func hotlineCall(_ category: String = "20102", at point: GeoPoint = inChuanhui, kind: HotlineKind = .complaint) -> NewCase {
        NewCase(channel: .hotline, kind: kind, categoryCode: category, description: "七一路菜市场门口垃圾堆了三天没人清运", location: point,
                reporter: Reporter(name: "陈女士", phone: "13912345678"))
    }
}

@Suite("Cases: intake, the closed loop, detours and deadlines, on every engine")
struct CaseDeskTests {
    @Test("a hotline call is registered, routed, accepted, reported back, verified, closed and called back; each step in the timeline, the audit log and the change log",
          arguments: TestEngine.all)
    func closedLoop(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            let filed = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin(source: "test"))
            let number = filed.item.number
            #expect(number.hasPrefix("411602261125") && number.count == 17)
            #expect(filed.item.state == .dispatched && filed.item.organisationCode == "411602-CMB" && filed.item.categoryName == "暴露垃圾")
            // A complaint: 15 working days from Wednesday 25 November → Wednesday 16 December, 17:30.
            #expect(filed.item.deadlineAt == (try Date("2026-12-16T17:30:00+08:00", strategy: .iso8601)))
            #expect(filed.item.reporter?.phone == "13912345678" && !filed.item.masked)

            clock.advance(by: 600)
            let accepted = try await desk.act(number, .accept, by: CaseFixture.handler, origin: AuditOrigin())
            // The department adds a photo while it handles the case; another department may not.
            let added = try await desk.addPhoto(number, CaseFixture.png, by: CaseFixture.handler, origin: AuditOrigin())
            #expect(added.stage == "feedback" && added.size == CaseFixture.png.data.count)
            clock.advance(by: 60)
            await #expect(throws: CasesError.photoNotNow(.handling)) {
                try await desk.addPhoto(number, CaseFixture.png, by: CaseFixture.otherHandler, origin: AuditOrigin())
            }
            #expect(accepted.item.state == .handling && accepted.item.reporter?.phone == "139****5678" && accepted.item.masked)
            _ = try await desk.act(number, .reportBack, CaseActionInput(note: "已清运", photos: [CaseFixture.jpeg]), by: CaseFixture.handler, origin: AuditOrigin())
            clock.advance(by: 600)
            _ = try await desk.act(number, .verify, CaseActionInput(passed: true, photos: [CaseFixture.png]), by: CaseFixture.inspector, origin: AuditOrigin())
            let done = try await desk.act(number, .callback, CaseActionInput(solved: true, satisfied: true), by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(done.item.state == .closed && done.item.callback?.satisfied == true && done.item.closedAt != nil)
            #expect(done.timeline.map(\.action) == ["report", "register", "dispatch", "accept", "photo", "reportBack", "close", "callback"])
            #expect(done.timeline[2].actor == "system:router" && done.timeline[3].actor == "staff:handler")
            #expect(done.attachments.map(\.stage) == ["feedback", "feedback", "verify"] && done.attachments[1].contentType == "image/jpeg")
            // After closure no step takes photos.
            await #expect(throws: CasesError.photoNotNow(.closed)) {
                try await desk.addPhoto(number, CaseFixture.png, by: CaseFixture.inspector, origin: AuditOrigin())
            }
            let (photo, bytes) = try await desk.photo(number, id: done.attachments[2].id, by: CaseFixture.inspector)
            #expect(photo.contentType == "image/png" && bytes == CaseFixture.png.data)

            let audited = try await AuditLog(store: store).entries(recordType: "case", recordID: number).map(\.action)
            #expect(Set(audited) == ["cases.file", "cases.accept", "cases.photo", "cases.reportBack", "cases.verify", "cases.callback"])
            let changes = try await ChangeLog(store: store).changes(after: 0, recordTypes: ["case"])
            #expect(changes.count == 6 && changes.allSatisfy { $0.recordKey == number && $0.divisionCode == "411602" } && changes[0].operation == .created)
            #expect(try await JobQueue(store: store).counts()["queued"] == 2)
        }
    }

    @Test("an edit to the reference data, through the catalogue or by hand in the database, holds for the next case though each process caches it",
          arguments: TestEngine.all)
    func referenceEdits(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            let first = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(first.item.organisationCode == "411602-CMB")
            // Another process (here: plain SQL) routes events to the housing bureau and gives complaints about 201xx 2 working days.
            try await store.write { db in
                try await db.raw("UPDATE case_routing_rules SET organisation_code = '411602-HUD' WHERE category_prefix = '2'").run()
                try await db.raw("""
                    INSERT INTO case_deadline_rules (category_prefix, kind, urgency, amount, unit, updated_at)
                    VALUES ('201', 'complaint', '', 2, 'workingDays', \(bind: CaseFixture.start))
                    """).run()
            }
            let second = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(second.item.organisationCode == "411602-HUD")
            // Two working days from Wednesday 25 November: Friday 27 November, 17:30.
            #expect(second.item.deadlineAt == (try Date("2026-11-27T17:30:00+08:00", strategy: .iso8601)))
            // Through the catalogue: the category switched off is refused at once.
            let catalogue = CaseCatalogue(store: store, clock: clock)
            try await catalogue.upsert([CaseCategory(code: "20102", family: "event", major: "201", name: "暴露垃圾", majorName: "市容环境", active: false)],
                                       by: CaseFixture.admin)
            await #expect(throws: CasesError.unknownCategory("20102")) {
                try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            }
        }
    }

    @Test("a reporter's ID number is linked to the persons registry when it names a resident, shown masked to a department", arguments: TestEngine.all)
    func reporterLinked(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            let resident = ResidentID("411602198506126153")!
            _ = try await PersonRegistry(store: store, audit: AuditLog(store: store)).load(
                [PersonSourceRecord(idNumber: resident, source: .publicSecurity, receivedAt: CaseFixture.start,
                                    values: [.name: "王建国", .sex: "male", .birthDate: "1985-06-12", .divisionCode: "411602"])],
                origin: "test", by: CaseFixture.admin, audit: .commandLine)
            var call = CaseFixture.hotlineCall()
            call.reporter.idNumber = resident.rawValue
            let known = try await desk.file(call, by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(known.item.reporter?.registeredResident == true && known.item.reporter?.idNumber == resident.rawValue)
            call.reporter.idNumber = "11010519491231002X"
            let stranger = try await desk.file(call, by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(stranger.item.reporter?.registeredResident == false)
            let none = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(none.item.reporter?.registeredResident == nil)
            // The department reads the link, but the number masked.
            let seen = try await desk.detail(known.item.number, by: CaseFixture.handler, origin: AuditOrigin())
            #expect(seen.item.reporter?.registeredResident == true && seen.item.reporter?.idNumber == "4116**********6153")
        }
    }

    @Test("guards: the wrong state names what is allowed, another department and another county are refused, roles are checked", arguments: TestEngine.all)
    func guards(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let desk = try await CaseFixture.desk(store, clock: ManualClock(CaseFixture.start))
            let number = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin()).item.number
            await #expect(throws: CasesError.wrongState(action: .verify, state: .dispatched, allowed: [])) {
                try await desk.act(number, .verify, CaseActionInput(passed: true), by: CaseFixture.inspector, origin: AuditOrigin())
            }
            await #expect(throws: CasesError.wrongState(action: .reportBack, state: .dispatched, allowed: [.accept, .return, .requestExtension, .requestPark])) {
                try await desk.act(number, .reportBack, CaseActionInput(note: "x"), by: CaseFixture.handler, origin: AuditOrigin())
            }
            await #expect(throws: CasesError.notTheHandlingDepartment) {
                try await desk.act(number, .accept, by: CaseFixture.otherHandler, origin: AuditOrigin())
            }
            await #expect(throws: IdentityError.missingRole([.departmentHandler])) {
                try await desk.act(number, .accept, by: CaseFixture.dispatcher, origin: AuditOrigin())
            }
            await #expect(throws: CasesError.unknownCase) { try await desk.detail(number, by: CaseFixture.countyOperator, origin: AuditOrigin()) }
            await #expect(throws: CasesError.unknownCase) { try await desk.detail("41160226112599999", by: CaseFixture.operator_, origin: AuditOrigin()) }
            // 退单 needs a reason; a bad photo is refused by its bytes; a county operator cannot file in another county.
            await #expect(throws: CasesError.self) { try await desk.act(number, .return, by: CaseFixture.handler, origin: AuditOrigin()) }
            var call = CaseFixture.hotlineCall()
            call.photos = [Photo(Data("not an image".utf8))]
            await #expect(throws: CasesError.badAttachment(zh: "第 1 张不是 JPEG、PNG 或 WebP 图片", en: "Photo 1 is not a JPEG, PNG or WebP image by its bytes")) {
                try await desk.file(call, by: CaseFixture.operator_, origin: AuditOrigin())
            }
            await #expect(throws: IdentityError.outsideScope(DivisionCode("411602")!)) {
                try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.countyOperator, origin: AuditOrigin())
            }
            await #expect(throws: CasesError.outsideCity) {
                try await desk.file(CaseFixture.hotlineCall(at: GeoPoint(lon: 120, lat: 30)), by: CaseFixture.operator_, origin: AuditOrigin())
            }
            await #expect(throws: CasesError.unknownCategory("99999")) {
                try await desk.file(CaseFixture.hotlineCall("99999"), by: CaseFixture.operator_, origin: AuditOrigin())
            }
        }
    }

    @Test("an inspector's report waits for registration; dispatch by hand, return, extension, rework, and an unsatisfied callback reopens it", arguments: TestEngine.all)
    func detours(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            // 30101 (a hotline category) has no routing rule: a dispatcher decides.
            let report = NewCase(channel: .inspector, categoryCode: "30101", description: "路灯不亮", location: CaseFixture.inChuanhui, photos: [CaseFixture.jpeg, CaseFixture.png])
            let filed = try await desk.file(report, by: CaseFixture.inspector, origin: AuditOrigin())
            let number = filed.item.number
            #expect(filed.item.state == .reported && filed.attachments.count == 2 && filed.item.gridCode == nil)
            #expect(try await desk.act(number, .register, by: CaseFixture.operator_, origin: AuditOrigin()).item.state == .registered)
            let queue = try await desk.queue(CaseFilter(), page: PageRequest(limit: 10, offset: 0), by: CaseFixture.dispatcher)
            #expect(queue.items.map(\.number) == [number])
            _ = try await desk.act(number, .dispatch, CaseActionInput(organisationCode: "411602-HUD"), by: CaseFixture.dispatcher, origin: AuditOrigin())
            let returned = try await desk.act(number, .return, CaseActionInput(note: "路灯归城管局管理"), by: CaseFixture.otherHandler, origin: AuditOrigin())
            #expect(returned.item.state == .registered && returned.item.returns == 1 && returned.item.organisationCode == nil)
            _ = try await desk.act(number, .dispatch, CaseActionInput(organisationCode: "411602-CMB"), by: CaseFixture.dispatcher, origin: AuditOrigin())
            _ = try await desk.act(number, .accept, by: CaseFixture.handler, origin: AuditOrigin())
            let before = try await desk.detail(number, by: CaseFixture.operator_, origin: AuditOrigin()).item.deadlineAt!
            _ = try await desk.act(number, .requestExtension, CaseActionInput(note: "需更换灯杆", limit: TimeLimit(2, .workingDays)), by: CaseFixture.handler, origin: AuditOrigin())
            await #expect(throws: CasesError.requestPending("extension")) {
                try await desk.act(number, .requestPark, CaseActionInput(note: "x"), by: CaseFixture.handler, origin: AuditOrigin())
            }
            let extended = try await desk.act(number, .approveExtension, by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(extended.item.extended && extended.item.pendingRequest == nil && extended.item.deadlineAt! > before)
            _ = try await desk.act(number, .reportBack, CaseActionInput(note: "已修复"), by: CaseFixture.handler, origin: AuditOrigin())
            let rework = try await desk.act(number, .verify, CaseActionInput(note: "仍不亮", passed: false), by: CaseFixture.inspector, origin: AuditOrigin())
            #expect(rework.item.state == .handling && rework.item.reworks == 1)
            _ = try await desk.act(number, .reportBack, CaseActionInput(note: "更换灯泡"), by: CaseFixture.handler, origin: AuditOrigin())
            _ = try await desk.act(number, .verify, CaseActionInput(passed: true), by: CaseFixture.inspector, origin: AuditOrigin())
            let reopened = try await desk.act(number, .callback, CaseActionInput(solved: true, satisfied: false), by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(reopened.item.state == .handling && reopened.item.reworks == 2 && reopened.item.callback?.satisfied == false)
            #expect(reopened.timeline.map(\.action).suffix(2) == ["callback", "reopen"])
        }
    }

    @Test("an open case of the same category within 50 m is offered; a merged case closes with its master and its reporter is told", arguments: TestEngine.all)
    func duplicatesAndMerge(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let desk = try await CaseFixture.desk(store, clock: ManualClock(CaseFixture.start))
            let master = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin()).item.number
            // 20 m north: offered; 80 m north, or another category: not.
            let near = GeoPoint(lon: CaseFixture.inChuanhui.lon, lat: CaseFixture.inChuanhui.lat + 20 / 111_320)
            let far = GeoPoint(lon: CaseFixture.inChuanhui.lon, lat: CaseFixture.inChuanhui.lat + 80 / 111_320)
            #expect(try await desk.nearbyOpen(category: "20102", at: near, by: CaseFixture.citizen).map(\.number) == [master])
            #expect(try await desk.nearbyOpen(category: "20102", at: far, by: CaseFixture.citizen).isEmpty)
            #expect(try await desk.nearbyOpen(category: "20105", at: near, by: CaseFixture.citizen).isEmpty)

            let citizenCase = try await desk.file(NewCase(channel: .citizen, categoryCode: "20102", description: "这里有垃圾", location: near, reporter: Reporter(phone: "13800000000")),
                                                  by: CaseFixture.citizen, origin: AuditOrigin())
            #expect(citizenCase.item.state == .reported && citizenCase.item.reporter?.phone == "13800000000")
            let merged = try await desk.act(citizenCase.item.number, .merge, CaseActionInput(into: master), by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(merged.item.state == .merged && merged.item.mergedInto == master)
            _ = try await desk.act(master, .accept, by: CaseFixture.handler, origin: AuditOrigin())
            _ = try await desk.act(master, .reportBack, CaseActionInput(note: "已清运"), by: CaseFixture.handler, origin: AuditOrigin())
            let closed = try await desk.act(master, .verify, CaseActionInput(passed: true), by: CaseFixture.inspector, origin: AuditOrigin())
            #expect(closed.timeline.map(\.action).contains("mergedFrom") && closed.timeline.last?.action == "toldMerged")
            // The citizen follows their own case and sees the outcome; another citizen does not see it.
            let told = try await desk.detail(citizenCase.item.number, by: CaseFixture.citizen, origin: AuditOrigin())
            #expect(told.item.closedAt != nil && told.timeline.last?.action == "outcome")
            let stranger = Principal(kind: .citizen, id: "c-2", displayName: "x", organisationCode: nil, scope: nil, roles: [])
            await #expect(throws: CasesError.unknownCase) { try await desk.detail(citizenCase.item.number, by: stranger, origin: AuditOrigin()) }
            #expect(try await desk.queue(CaseFilter(), page: PageRequest(limit: 10, offset: 0), by: CaseFixture.citizen).items.map(\.number) == [citizenCase.item.number])
        }
    }

    @Test("deadlines: warned at 80%, overdue and escalated at the deadline by the job queue, once; an extension makes the old checks moot", arguments: TestEngine.all)
    func deadlines(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            let jobs = JobQueue(store: store, clock: clock)
            // An urgent case: 4 working hours from 10:00 → 15:00 (08:30-17:30 days).
            var call = CaseFixture.hotlineCall(kind: .help)
            call.urgency = .urgent
            let filed = try await desk.file(call, by: CaseFixture.operator_, origin: AuditOrigin())
            let number = filed.item.number
            #expect(filed.item.deadlineAt == CaseFixture.start.addingTimeInterval(4 * 3600))
            func runDue() async throws -> Int {
                let due = try await jobs.claim(worker: "test")
                for job in due {
                    try await desk.runDeadline(job)
                    try await jobs.complete(job, worker: "test")
                }
                return due.count
            }
            #expect(try await runDue() == 0)
            clock.advance(by: 3.3 * 3600)  // past 80% (3 h 12 min)
            #expect(try await runDue() == 1)
            var now = try await desk.detail(number, by: CaseFixture.operator_, origin: AuditOrigin()).item
            #expect(now.warnedAt != nil && now.overdueAt == nil)
            clock.advance(by: 3600)
            #expect(try await runDue() == 1)
            now = try await desk.detail(number, by: CaseFixture.operator_, origin: AuditOrigin()).item
            #expect(now.overdueAt != nil && now.escalations == 1)
            let overdueQueue = try await desk.queue(CaseFilter(overdueOnly: true), page: PageRequest(limit: 10, offset: 0), by: CaseFixture.operator_)
            #expect(overdueQueue.items.map(\.number) == [number])
            // A second delivery of the same check changes nothing.
            let job = Job(id: 0, queue: "default", kind: CaseDesk.deadlineJob,
                          payload: #"{"division":"411602","number":"\#(number)","deadline":"\#(now.deadlineAt!.millisecondISO8601)","stage":"overdue"}"#,
                          attempts: 1, maxAttempts: 5)
            try await desk.runDeadline(job)
            let detail = try await desk.detail(number, by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(detail.item.escalations == 1 && detail.timeline.filter { $0.action == "overdue" }.count == 1)
            // Extended: a new deadline, the marks cleared, and the old deadline's checks are moot.
            _ = try await desk.act(number, .requestExtension, CaseActionInput(note: "等配件", limit: TimeLimit(1, .workingDays)), by: CaseFixture.handler, origin: AuditOrigin())
            let extended = try await desk.act(number, .approveExtension, by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(extended.item.overdueAt == nil && extended.item.deadlineAt! > now.deadlineAt!)
            try await desk.runDeadline(job)
            #expect(try await desk.detail(number, by: CaseFixture.operator_, origin: AuditOrigin()).item.overdueAt == nil)
        }
    }

    @Test("generated cases spread over the loop, count in the indicators, and the daily numbers go on after them", arguments: TestEngine.all)
    func generated(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            await #expect(throws: IdentityError.self) {
                try await desk.generate(count: 10, divisions: [("411602", "411602-CMB", 1)], by: CaseFixture.operator_)
            }
            // All of them on today, so today's sequence is long before the next intake.
            let written = try await desk.generate(count: 2_000, divisions: [("411602", "411602-CMB", 1)], days: 1, by: CaseFixture.admin)
            #expect(written == 2_000)
            let all = try await desk.queue(CaseFilter(mine: false), page: PageRequest(limit: 1, offset: 0), by: CaseFixture.operator_)
            #expect(all.total == 2_000)
            let filed = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(Int(filed.item.number.suffix(5))! > 1)
            let rows = try await desk.indicators(by: .total, from: CaseFixture.start.addingTimeInterval(-2 * 86_400), to: CaseFixture.start.addingTimeInterval(60),
                                                 by: CaseFixture.operator_)
            #expect(rows.count == 1 && rows[0].registered > 1_500 && rows[0].dispatched > 1_500)
        }
    }

    @Test("an emergency is handed off to 110/119/120 at once and recorded")
    func handOff() async throws {
        try await TestStores.with(.sqlite, migrations: CaseFixture.migrations) { store in
            let desk = try await CaseFixture.desk(store, clock: ManualClock(CaseFixture.start))
            var call = CaseFixture.hotlineCall("20411", kind: .help)
            call.urgency = .emergency
            call.handOffTo = .fire
            let filed = try await desk.file(call, by: CaseFixture.operator_, origin: AuditOrigin())
            #expect(filed.item.state == .handedOff && filed.item.handedOffTo == .fire && filed.timeline.map(\.action) == ["report", "handOff"])
            #expect(filed.timeline.last?.note == "转 119")
        }
    }
}
