import CityCore
import CityStore
import Foundation
@testable import Identity
import TestSupport
import Testing

let migrations = StoreMigrations.all + IdentityMigrations.all
let fastHasher = PasswordHasher(cost: 4)
/// A city-wide platform administrator, acting in the tests.
let testAdmin = Principal(kind: .staff, id: "admin", displayName: "管理员", organisationCode: "411600-GOV", scope: .city, roles: [.platformAdmin])
let testOrigin = AuditOrigin(source: "192.0.2.1", requestID: "test")

func withIdentity<T: Sendable>(_ engine: TestEngine, clock: ManualClock = ManualClock(),
                               _ body: (OrganisationBook, StaffDirectory, SessionBook) async throws -> T) async throws -> T {
    try await TestStores.with(engine, migrations: migrations) { store in
        let organisations = OrganisationBook(store: store, clock: clock)
        let staff = StaffDirectory(store: store, clock: clock, hasher: fastHasher)
        let citizens = CitizenAccounts(store: store, clock: clock, hasher: fastHasher)
        let keys = APIKeyRing(store: store, clock: clock)
        let sessions = SessionBook(store: store, clock: clock, citizens: citizens, keys: keys, lifetime: 3600)
        try await organisations.upsert([
            Organisation(code: "411600-GOV", name: "周口市人民政府", parentCode: nil, divisionCode: .zhoukou, kind: "government"),
            Organisation(code: "411600-CMB", name: "周口市城市管理局", parentCode: "411600-GOV", divisionCode: .zhoukou, kind: "department"),
            Organisation(code: "411602-CMB", name: "川汇区城市管理局", parentCode: "411600-GOV", divisionCode: DivisionCode("411602")!, kind: "department"),
            Organisation(code: "411603-CMB", name: "淮阳区城市管理局", parentCode: "411600-GOV", divisionCode: DivisionCode("411603")!, kind: "department"),
        ])
        return try await body(organisations, staff, sessions)
    }
}

@Suite("Identity: staff, sessions, keys, citizens, on every engine")
struct IdentityTests {
    @Test("a staff member logs in with the right password and gets the organisation's division as scope", arguments: TestEngine.all)
    func login(engine: TestEngine) async throws {
        try await withIdentity(engine) { _, staff, _ in
            try await staff.create(NewStaffMember(username: "zhang.wei", displayName: "张伟", organisationCode: "411602-CMB",
                                                roles: [.departmentHandler], password: "Chuanhui2026"), by: testAdmin, origin: testOrigin)
            let principal = try await staff.authenticate(username: "zhang.wei", password: "Chuanhui2026")
            #expect(principal.scope == DivisionScope(DivisionCode("411602")!))
            #expect(principal.roles == [.departmentHandler])
            #expect(principal.auditActor == "staff:zhang.wei")
            await #expect(throws: IdentityError.invalidCredentials) { try await staff.authenticate(username: "zhang.wei", password: "wrong-password1") }
            await #expect(throws: IdentityError.invalidCredentials) { try await staff.authenticate(username: "nobody", password: "Chuanhui2026") }
        }
    }

    @Test("stored passwords are bcrypt hashes, never the password", arguments: TestEngine.all)
    func bcryptAtRest(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: migrations) { store in
            let organisations = OrganisationBook(store: store)
            try await organisations.upsert([Organisation(code: "411600-GOV", name: "周口市人民政府", parentCode: nil, divisionCode: .zhoukou, kind: "government")])
            try await StaffDirectory(store: store, hasher: fastHasher).create(
                NewStaffMember(username: "li.na", displayName: "李", organisationCode: "411600-GOV", roles: [], password: "Secret12345"), by: testAdmin, origin: testOrigin)
            let hash = try await store.read { try await $0.raw("SELECT password_hash FROM staff_users").first()!.decode(column: "password_hash", as: String.self) }
            #expect(hash.hasPrefix("$2"))
            #expect(!hash.contains("Secret12345"))
        }
    }

    @Test("ten racing creations of one organisation: one is created and audited in its transaction, nine get organisation-exists", arguments: TestEngine.all)
    func organisationRace(engine: TestEngine) async throws {
        try await withIdentity(engine) { organisations, staff, _ in
            let admin = Principal(kind: .staff, id: "admin", displayName: "管理员", organisationCode: "411600-GOV", scope: .city, roles: [.platformAdmin])
            let results = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<10 {
                    group.addTask {
                        do {
                            try await organisations.create(Organisation(code: "411602-NEW", name: "新机构\(i)", parentCode: "411600-GOV",
                                                                        divisionCode: DivisionCode("411602")!, kind: "department"),
                                                           by: admin, origin: AuditOrigin(source: "10.0.0.1"))
                            return "created"
                        } catch let error as IdentityError { return error.code }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == "created" }.count == 1)
            #expect(results.filter { $0 == "identity.organisation-exists" }.count == 9)
            let audited = try await AuditLog(store: staff.store).entries().filter { $0.action == "identity.organisation.create" }
            #expect(audited.count == 1 && audited.first?.actor == "staff:admin")
            // A county administrator may not create one in another county.
            let county = Principal(kind: .staff, id: "c", displayName: "县", organisationCode: "411603-CMB", scope: DivisionScope(DivisionCode("411603")!), roles: [.platformAdmin])
            await #expect(throws: IdentityError.outsideScope(DivisionCode("411602")!)) {
                try await organisations.create(Organisation(code: "411602-X", name: "X", parentCode: "411600-GOV", divisionCode: DivisionCode("411602")!, kind: "k"),
                                               by: county, origin: AuditOrigin())
            }
        }
    }

    @Test("an account awaiting activation answers like a wrong password, after the same bcrypt check", arguments: TestEngine.all)
    func inactiveLooksLikeWrong(engine: TestEngine) async throws {
        try await withIdentity(engine) { _, staff, _ in
            try await staff.create(NewStaffMember(username: "user9", displayName: "壬", organisationCode: "411600-CMB", roles: [], password: nil), by: testAdmin, origin: testOrigin)
            await #expect(throws: IdentityError.invalidCredentials) { try await staff.authenticate(username: "user9", password: "Anything1234") }
            // A NUL in the username is refused like any unknown name (it never reaches SQL).
            await #expect(throws: IdentityError.invalidCredentials) { try await staff.authenticate(username: "u\u{0}9", password: "Anything1234") }
        }
    }

    @Test("weak passwords are refused; accounts without one await activation", arguments: TestEngine.all)
    func passwords(engine: TestEngine) async throws {
        try await withIdentity(engine) { _, staff, _ in
            await #expect(throws: IdentityError.weakPassword) {
                try await staff.create(NewStaffMember(username: "user2", displayName: "乙", organisationCode: "411600-CMB", roles: [], password: "short1"), by: testAdmin, origin: testOrigin)
            }
            try await staff.create(NewStaffMember(username: "user3", displayName: "丙", organisationCode: "411600-CMB", roles: [], password: nil), by: testAdmin, origin: testOrigin)
            await #expect(throws: IdentityError.invalidCredentials) { try await staff.authenticate(username: "user3", password: "Anything1234") }
            // bcrypt would silently ignore everything past 72 bytes: such passwords are refused.
            await #expect(throws: IdentityError.weakPassword) {
                try await staff.changePassword(of: "user3", to: "Aa1" + String(repeating: "x", count: 70), current: nil, by: testAdmin, origin: testOrigin)
            }
            try await staff.changePassword(of: "user3", to: "Activated2026", current: nil, by: testAdmin, origin: testOrigin)
            #expect(try await staff.authenticate(username: "user3", password: "Activated2026").id == "user3")
        }
    }

    @Test("a bulk load inserts every account once; re-running it adds nothing", arguments: TestEngine.all)
    func bulkLoad(engine: TestEngine) async throws {
        try await withIdentity(engine) { _, staff, _ in
            let users = (0..<1_300).map { i in
                NewStaffMember(username: "staff\(i)", displayName: "员工\(i)", organisationCode: i % 2 == 0 ? "411602-CMB" : "411603-CMB",
                             roles: [.departmentHandler, .inspector], password: nil)
            }
            #expect(try await staff.load(users, source: "test", by: testAdmin, origin: testOrigin) == 1_300)
            #expect(try await staff.load(users, source: "test", by: testAdmin, origin: testOrigin) == 0)
            #expect(try await staff.count() == 1_300)
            let reader = Principal(kind: .staff, id: "d", displayName: "派遣员", organisationCode: "411602-CMB", scope: DivisionScope(DivisionCode("411602")!),
                                   roles: [.dispatcher])
            let chuanhui = try await staff.list(by: reader, page: PageRequest(limit: 10, offset: 0), origin: testOrigin)
            #expect(chuanhui.page.total == 650)
            #expect(chuanhui.masked && chuanhui.page.items.allSatisfy { $0.displayName.hasSuffix("*") })
            #expect(chuanhui.page.items.allSatisfy { $0.divisionCode == DivisionCode("411602") && $0.roles == [.departmentHandler, .inspector] })
        }
    }

    @Test("a load naming an unknown organisation fails whole and writes nothing of that batch", arguments: TestEngine.all)
    func bulkLoadUnknownOrganisation(engine: TestEngine) async throws {
        try await withIdentity(engine) { _, staff, _ in
            let users = [NewStaffMember(username: "user.a", displayName: "A", organisationCode: "411600-CMB", roles: [], password: nil),
                         NewStaffMember(username: "user.b", displayName: "B", organisationCode: "NOPE", roles: [], password: nil)]
            await #expect(throws: IdentityError.unknownOrganisation("NOPE")) { try await staff.load(users, source: "test", by: testAdmin, origin: testOrigin) }
            let count = try await staff.count()
            #expect(count == 0)
        }
    }

    @Test("a session resolves to its principal until it expires or is revoked", arguments: TestEngine.all)
    func sessions(engine: TestEngine) async throws {
        let clock = ManualClock()
        try await withIdentity(engine, clock: clock) { _, staff, sessions in
            try await staff.create(NewStaffMember(username: "operator1", displayName: "王丽", organisationCode: "411600-CMB", roles: [.commandOperator], password: "Operator2026"), by: testAdmin, origin: testOrigin)
            let principal = try await staff.authenticate(username: "operator1", password: "Operator2026")
            let a = try await sessions.issue(for: principal, channel: .api, origin: testOrigin)
            #expect(try await sessions.resolve(a.token) == principal)
            #expect(try await sessions.resolve(a.token + "x") == nil)
            clock.advance(by: 3601)
            #expect(try await sessions.resolve(a.token) == nil)
            let b = try await sessions.issue(for: principal, channel: .web, origin: testOrigin)
            try await sessions.signOut(b.token, by: principal, channel: .web, origin: testOrigin)
            #expect(try await sessions.resolve(b.token) == nil)
            // A password change ends the account's other sessions.
            let c = try await sessions.issue(for: principal, channel: .api, origin: testOrigin)
            #expect(try await sessions.resolve(c.token) != nil)
            try await staff.changePassword(of: "operator1", to: "Changed2026op", current: nil, by: testAdmin, origin: testOrigin)
            #expect(try await sessions.resolve(c.token) == nil)
        }
    }

    @Test("an API key authenticates as its organisation's scope until revoked; its secret is not stored", arguments: TestEngine.all)
    func apiKeys(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: migrations) { store in
            let organisations = OrganisationBook(store: store)
            try await organisations.upsert([
                Organisation(code: "411600-GOV", name: "周口市人民政府", parentCode: nil, divisionCode: .zhoukou, kind: "government"),
                Organisation(code: "411603-AMR", name: "淮阳区市场监督管理局", parentCode: "411600-GOV", divisionCode: DivisionCode("411603")!, kind: "department"),
            ])
            let keys = APIKeyRing(store: store)
            let (key, secret) = try await keys.create(NewAPIKey(name: "淮阳区市场监管系统", organisationCode: "411603-AMR", roles: [.dataSteward]), by: testAdmin, origin: testOrigin)
            let principal = try #require(try await keys.authenticate(secret))
            #expect(principal.kind == .apiKey)
            #expect(principal.scope == DivisionScope(DivisionCode("411603")!))
            #expect(principal.roles == [.dataSteward])
            let forged = secret.dropLast() + (secret.last == "A" ? "B" : "A")
            #expect(try await keys.authenticate(String(forged)) == nil)
            let stored = try await store.read { try await $0.raw("SELECT secret_hash FROM api_keys").first()!.decode(column: "secret_hash", as: String.self) }
            #expect(!stored.contains(secret) && stored.count == 64)
            try await keys.revoke(id: key.id, by: testAdmin, origin: testOrigin)
            #expect(try await keys.authenticate(secret) == nil)
            await #expect(throws: IdentityError.unknownOrganisation("NOPE")) { try await keys.create(NewAPIKey(name: "x", organisationCode: "NOPE", roles: []), by: testAdmin, origin: testOrigin) }
        }
    }

    @Test("citizens register by mobile number once and log in; a second registration is a conflict", arguments: TestEngine.all)
    func citizens(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: migrations) { store in
            let citizens = CitizenAccounts(store: store, hasher: fastHasher)
            let c = try await citizens.register(phone: "13912345678", displayName: "周口市民", password: "Citizen2026", origin: testOrigin)
            let p = try await citizens.authenticate(phone: "13912345678", password: "Citizen2026")
            #expect(p.kind == .citizen && p.id == String(c.id) && p.scope == nil)
            await #expect(throws: IdentityError.phoneTaken) { try await citizens.register(phone: "13912345678", displayName: "x", password: "Citizen2026", origin: testOrigin) }
            let refused = await #expect(throws: IdentityError.self) { try await citizens.register(phone: "12345", displayName: "x", password: "Citizen2026", origin: testOrigin) }
            #expect(refused?.code == "identity.invalid-field" && refused?.field == "phone")
        }
    }
}

@Suite("Principal rules")
struct PrincipalTests {
    let county = Principal(kind: .staff, id: "h", displayName: "孙浩", organisationCode: "411603-CMB", scope: DivisionScope(DivisionCode("411603")!), roles: [.departmentHandler])
    let admin = Principal(kind: .staff, id: "admin", displayName: "管理员", organisationCode: "411600-BDB", scope: .city, roles: [.platformAdmin])

    @Test("a county staff member sees its own county only; the city sees all")
    func scope() throws {
        #expect(county.canSee(DivisionCode("411603")!))
        #expect(!county.canSee(DivisionCode("411602")!))
        #expect(!county.canSee(.zhoukou))
        #expect(admin.canSee(DivisionCode("411602")!))
        #expect(throws: IdentityError.outsideScope(DivisionCode("411602")!)) { try county.requireScope(DivisionCode("411602")!) }
    }

    @Test("roles gate actions; platform admins pass every role check; citizens see no division")
    func roles() throws {
        #expect(throws: IdentityError.missingRole([.auditor])) { try county.require(anyOf: .auditor) }
        try county.require(anyOf: .auditor, .departmentHandler)
        try admin.require(anyOf: .auditor)
        let citizen = Principal(kind: .citizen, id: "1", displayName: "x", organisationCode: nil, scope: nil, roles: [])
        #expect(!citizen.canSee(.zhoukou))
    }

    @Test("masking keeps the first and last digits of a phone and the surname of a name")
    func masking() {
        #expect(Mask.phone("13800000000") == "138****0000")
        #expect(Mask.name("张伟") == "张*")
        #expect(Mask.name("欧阳娜娜") == "欧***")
    }
}

@Suite("Login limits per address and per account and address, on every engine")
struct LoginThrottleTests {
    struct Wrong: Error {}

    @Test("an address that failed 30 times in 15 minutes must wait, told how long; other addresses are not affected", arguments: TestEngine.all)
    func perAddress(engine: TestEngine) async throws {
        let clock = ManualClock()
        try await TestStores.with(engine, migrations: migrations) { store in
            let throttle = LoginThrottle(store: store, clock: clock)
            for i in 0..<30 {
                await #expect(throws: IdentityError.invalidCredentials) {
                    try await throttle.guarding(source: "10.0.0.9", account: "user\(i)") { throw IdentityError.invalidCredentials }
                }
            }
            await #expect(throws: IdentityError.tooManyAttempts(retryAfter: 900)) {
                try await throttle.guarding(source: "10.0.0.9", account: "someone") { 1 }
            }
            let elsewhere = try await throttle.guarding(source: "10.0.0.10", account: "someone") { 1 }
            #expect(elsewhere == 1)
            clock.advance(by: 15 * 60 + 1)
            let later = try await throttle.guarding(source: "10.0.0.9", account: "someone") { 1 }
            #expect(later == 1)
        }
    }

    @Test("200 parallel failed logins from one address: at most 30 are checked, the rest get 429", arguments: TestEngine.all)
    func parallelAddress(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: migrations) { store in
            let throttle = LoginThrottle(store: store)
            let checked = Counter()
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        do {
                            _ = try await throttle.guarding(source: "10.9.9.9", account: "user\(i)") { () async throws -> Int in
                                checked.add()
                                throw IdentityError.invalidCredentials
                            }
                            return "ok"
                        } catch let error as IdentityError { return error.code }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(checked.value == 30)
            #expect(outcomes.filter { $0 == "identity.too-many-attempts" }.count == 170)
        }
    }

    @Test("100 parallel guesses at one account: 5 are checked, so the right password at #60 is never tried", arguments: TestEngine.all)
    func parallelAccount(engine: TestEngine) async throws {
        try await withIdentity(engine) { _, staff, _ in
            try await staff.create(NewStaffMember(username: "target", displayName: "靶", organisationCode: "411600-CMB", roles: [], password: "RightPass123"), by: testAdmin, origin: testOrigin)
            let throttle = LoginThrottle(store: staff.store)
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<100 {
                    group.addTask {
                        let guess = i == 60 ? "RightPass123" : "WrongPass\(i)x"
                        return (try? await throttle.guarding(source: "10.8.8.8", account: "target") {
                            try await staff.authenticate(username: "target", password: guess)
                        }) != nil
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            // Either the right guess was among the 5 checked (and counted nothing) or it was refused: never more than 5 checked.
            let failures = try await staff.store.read { try await $0.raw("SELECT COUNT(*) AS n FROM login_failures").first()!.decode(column: "n", as: Int.self) }
            #expect(accepted + failures <= 5)
        }
    }

    @Test("five wrong passwords from one address lock the account there only; the owner elsewhere signs in, and the count resets", arguments: TestEngine.all)
    func noLockOut(engine: TestEngine) async throws {
        let clock = ManualClock()
        try await withIdentity(engine, clock: clock) { _, staff, _ in
            try await staff.create(NewStaffMember(username: "admin2", displayName: "管", organisationCode: "411600-CMB", roles: [], password: "RightPass123"), by: testAdmin, origin: testOrigin)
            let throttle = LoginThrottle(store: staff.store, clock: clock)
            func login(_ source: String, _ password: String) async throws -> Principal {
                try await throttle.guarding(source: source, account: "admin2") { try await staff.authenticate(username: "admin2", password: password) }
            }
            for _ in 0..<5 { _ = try? await login("6.6.6.6", "WrongPass123") }
            // Case does not buy more guesses.
            await #expect(throws: IdentityError.accountLocked(retryAfter: 900)) {
                try await throttle.guarding(source: "6.6.6.6", account: "ADMIN2") { try await staff.authenticate(username: "ADMIN2", password: "RightPass123") }
            }
            // The owner, from their own address, is not locked out.
            #expect(try await login("10.1.1.1", "RightPass123").id == "admin2")
            // Four mistakes, then the right password: the count starts again from zero.
            for _ in 0..<4 { _ = try? await login("10.1.1.1", "WrongPass123") }
            #expect(try await login("10.1.1.1", "RightPass123").id == "admin2")
            for _ in 0..<4 { _ = try? await login("10.1.1.1", "WrongPass123") }
            #expect(try await login("10.1.1.1", "RightPass123").id == "admin2")
            // The attacker's lock ends with the window; one more wrong try does not lock it again at once.
            clock.advance(by: 15 * 60 + 1)
            _ = try? await login("6.6.6.6", "WrongPass123")
            #expect(try await login("6.6.6.6", "RightPass123").id == "admin2")
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}

@Suite("Staff CSV import")
struct StaffImportTests {
    let organisations: Set<String> = ["411602-CMB", "411603-CMB"]

    @Test("good lines load, bad ones are named by line number")
    func parse() {
        let csv = """
        username,display_name,organisation_code,roles
        grid.001,"周, 网格",411602-CMB,inspector
        grid.002,李网格,411602-CMB,inspector;departmentHandler

        x,太短,411602-CMB,inspector
        grid.003,王,411699-CMB,inspector
        grid.004,赵,411603-CMB,wizard
        grid.001,重复,411602-CMB,inspector
        grid.005,孙,411603-CMB,platformAdmin
        grid.006,钱,411603-CMB
        """
        let (accounts, rejected) = StaffImport.parse(csv, organisations: organisations)
        #expect(accounts.map(\.username) == ["grid.001", "grid.002"])
        #expect(accounts[0].displayName == "周, 网格")
        #expect(accounts[1].roles == [.inspector, .departmentHandler])
        #expect(rejected.map(\.line) == [5, 6, 7, 8, 9, 10])
        #expect(rejected[1].reason.contains("unknown organisation"))
    }

    @Test("a wrong header is refused at line 1")
    func header() {
        let (accounts, rejected) = StaffImport.parse("name,org\nx,y", organisations: organisations)
        #expect(accounts.isEmpty && rejected.first?.line == 1)
    }
}
