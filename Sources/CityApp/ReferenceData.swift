import Cases
import CityCore
import CityHTTP
import CityStore
import Exchange
import Foundation
import Identity
import Licences
import Registry

/// Zhoukou's reference data: the division tree with boundaries, the main departments and their
/// county branches, and the demo accounts. Idempotent: re-running updates in place and never
/// duplicates; accounts that exist keep their passwords.
public struct ReferenceData {
    /// A county-level division of Zhoukou.
    public struct County: Sendable {
        public let code: DivisionCode
        public let name: String
        /// 区 (district) rather than 县 or 县级市.
        public var isDistrict: Bool { name.hasSuffix("区") }
        /// The name without its 区/县/市 suffix.
        public var shortName: String { String(name.dropLast()) }
    }

    public static let counties: [County] = [
        ("411602", "川汇区"), ("411603", "淮阳区"), ("411621", "扶沟县"), ("411622", "西华县"), ("411623", "商水县"),
        ("411624", "沈丘县"), ("411625", "郸城县"), ("411627", "太康县"), ("411628", "鹿邑县"), ("411681", "项城市"),
    ].map { County(code: DivisionCode($0.0)!, name: $0.1) }

    /// The city's departments: short code, Chinese name, English name, parent short code, kind.
    static let cityDepartments: [(String, String, String, String?, String)] = [
        ("GOV", "周口市人民政府", "Zhoukou Municipal People's Government", nil, "government"),
        ("BDB", "周口市政务服务和大数据管理局", "Zhoukou Government Services and Big Data Bureau", "GOV", "department"),
        ("CMD", "周口市智慧城市运营指挥中心", "Zhoukou Smart City Operations Command Center", "BDB", "centre"),
        ("HOTLINE", "周口市12345政务服务便民热线中心", "Zhoukou 12345 Government Service Hotline Center", "BDB", "centre"),
        ("PSB", "周口市公安局", "Zhoukou Public Security Bureau", "GOV", "department"),
        ("CMB", "周口市城市管理局", "Zhoukou City Management Bureau", "GOV", "department"),
        ("HEALTH", "周口市卫生健康委员会", "Zhoukou Health Commission", "GOV", "department"),
        ("AMR", "周口市市场监督管理局", "Zhoukou Administration for Market Regulation", "GOV", "department"),
        ("NRB", "周口市自然资源和规划局", "Zhoukou Natural Resources and Planning Bureau", "GOV", "department"),
        ("REG", "周口市不动产登记中心", "Zhoukou Real Estate Registration Center", "NRB", "centre"),
        ("HUD", "周口市住房和城乡建设局", "Zhoukou Housing and Urban-Rural Development Bureau", "GOV", "department"),
        ("EMB", "周口市应急管理局", "Zhoukou Emergency Management Bureau", "GOV", "department"),
    ]

    /// The branches every county has: short code, name pattern ({n} = county name), English.
    static let countyDepartments: [(String, String, String)] = [
        ("BDB", "{n}政务服务和大数据管理局", "Government Services and Big Data Bureau"),
        ("PSB", "{n}公安局", "Public Security Bureau"),
        ("CMB", "{n}城市管理局", "City Management Bureau"),
        ("HEALTH", "{n}卫生健康委员会", "Health Commission"),
        ("AMR", "{n}市场监督管理局", "Administration for Market Regulation"),
        ("NRB", "{n}自然资源局", "Natural Resources Bureau"),
        ("HUD", "{n}住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
        ("EMB", "{n}应急管理局", "Emergency Management Bureau"),
    ]

    /// The organisation tree: the city government and departments, each county's government and branches.
    public static var organisations: [Organisation] {
        let city = DivisionCode.zhoukou
        var list = cityDepartments.map { short, name, en, parent, kind in
            Organisation(code: "\(city)-\(short)", name: name, nameEn: en, parentCode: parent.map { "\(city)-\($0)" }, divisionCode: city, kind: kind)
        }
        for county in counties {
            list.append(Organisation(code: "\(county.code)-GOV", name: "\(county.name)人民政府", nameEn: "\(county.name) People's Government",
                                     parentCode: "\(city)-GOV", divisionCode: county.code, kind: "government"))
            for (short, pattern, en) in countyDepartments {
                // District police are branches of the city bureau (周口市公安局川汇分局).
                let name = short == "PSB" && county.isDistrict ? "周口市公安局\(county.shortName)分局" : pattern.replacingOccurrences(of: "{n}", with: county.name)
                list.append(Organisation(code: "\(county.code)-\(short)", name: name, nameEn: "\(county.name) \(en)",
                                         parentCode: "\(county.code)-GOV", divisionCode: county.code, kind: "department"))
            }
        }
        return list
    }

    /// The demo accounts: username, display name, organisation, roles.
    public static let demoAccounts: [(String, String, String, [Role])] = [
        ("operator", "王丽", "411600-CMD", [.commandOperator]),
        ("dispatcher", "李强", "411600-CMD", [.dispatcher]),
        ("handler", "张伟", "411600-CMB", [.departmentHandler]),
        ("inspector", "刘洋", "411602-CMB", [.inspector]),
        ("auditor", "陈静", "411600-BDB", [.auditor]),
        ("steward", "赵敏", "411600-BDB", [.dataSteward]),
        ("huaiyang.handler", "孙浩", "411603-CMB", [.departmentHandler]),
    ]

    /// The demo citizen's phone number (a reserved test number).
    public static let demoCitizenPhone = "13800000000"

    /// Credentials created by a seed run: shown once, never stored in clear.
    public struct Credential: Sendable, Equatable {
        public let username: String
        public let password: String
        public let roles: [Role]
        public let organisationCode: String
    }

    /// What a seed run did.
    public struct Report: Sendable {
        public var divisions: Int
        public var organisations: Int
        public var created: [Credential]
        /// Demo geography and residents (zero without demo data).
        public var grids = 0, addresses = 0, cameras = 0, persons = 0, entities = 0, cases = 0
    }

    /// The seed of the demo's synthetic residents (the demo entities' representatives are among them).
    static let demoResidentSeed: UInt64 = 411_600

    /// The demo's synthetic residents: enough to search and read, small enough to load in seconds.
    public static let demoPersons = 5_000
    /// The demo's synthetic legal entities, their representatives among the demo residents.
    public static let demoEntities = 2_000
    /// The demo's generated cases (the last 30 days), when the store holds none.
    public static let demoCases = 3_000

    /// Seeds divisions, organisations and accounts. Accounts are created only when missing.
    /// With `demoData`, the demo geography and residents too (generated, marked demo; idempotent).
    public static func seed(platform: PlatformParts, adminPassword: String?, demoPassword: String?, demoAccounts withDemo: Bool = true,
                            demoData: Bool = true) async throws -> Report {
        // The seed acts as the operator who started the server, and its changes are audited so.
        let seeder = Principal.commandLine()
        let origin = AuditOrigin(source: "seed")
        var divisions = 0
        for file in ["zhoukou-city", "zhoukou-counties"] {
            guard let url = Bundle.module.url(forResource: file, withExtension: "geojson", subdirectory: "Seed") else {
                throw CocoaError(.fileNoSuchFile)
            }
            let report = try await platform.divisions.importGeoJSON(try Data(contentsOf: url), source: "天地图 Tianditu (demo data)",
                                                                   defaultParent: DivisionCode("410000"), by: seeder, origin: origin)
            divisions += report.imported
        }
        let organisations = Self.organisations
        try await platform.organisations.upsert(organisations)

        var created: [Credential] = []
        var accounts: [(String, String, String, [Role], String?)] = [("admin", "系统管理员", "411600-BDB", [.platformAdmin], adminPassword)]
        if withDemo { accounts += demoAccounts.map { ($0.0, $0.1, $0.2, $0.3, demoPassword) } }
        for (username, name, organisation, roles, given) in accounts where try await platform.staff.find(username: username) == nil {
            let password = given ?? Secrets.password()
            do {
                _ = try await platform.staff.create(NewStaffMember(username: username, displayName: name, organisationCode: organisation, roles: Set(roles), password: password),
                                                    by: seeder, origin: origin)
                created.append(Credential(username: username, password: password, roles: roles, organisationCode: organisation))
            } catch IdentityError.usernameTaken {
                // Another server process starting at the same moment created it (and prints its password).
            }
        }
        if withDemo {
            let password = demoPassword ?? Secrets.password()
            // Seeded before: keeps its password.
            if try await platform.citizens.seed(phone: demoCitizenPhone, displayName: "周口市民", password: password) {
                created.append(Credential(username: demoCitizenPhone, password: password, roles: [], organisationCode: "citizen"))
            }
        }
        try await seedCases(platform.caseCatalogue, by: seeder)
        try await seedStandingGrants(platform.sharing, by: seeder)
        var report = Report(divisions: divisions, organisations: organisations.count, created: created)
        if demoData {
            (report.grids, report.addresses, report.cameras) = try await platform.geography.seedDemo(central: counties[0].code, worker: "inspector",
                                                                                                     by: seeder, origin: origin)
            report.persons = try await platform.persons.seedDemo(count: demoPersons, seed: demoResidentSeed, today: platform.clock.now(), by: seeder, audit: origin).imported
            report.entities = try await platform.entities.seedDemo(count: demoEntities, representativeSeed: demoResidentSeed, today: platform.clock.now(),
                                                                   by: seeder, audit: origin)
            // A month of generated cases, so the wall display and the queues have something to show.
            report.cases = try await platform.cases.seedDemo(count: demoCases, divisions: counties.enumerated().map { i, county in
                (county.code.rawValue, i == 0 ? "411600-CMB" : "\(county.code)-CMB", i == 0 ? 3.0 : 1.0)
            }, by: seeder)
        }
        return report
    }
}

extension ReferenceData {
    /// The case categories and deadline rules, components and events routed to the city
    /// management bureaus, and the working-day schedules shipped with this release (2026).
    static func seedCases(_ catalogue: CaseCatalogue, by seeder: Principal) async throws {
        // The central district's city management is the city bureau's (中心城区由市城市管理局负责); each
        // county's goes to its own bureau.
        let routing = counties.enumerated().flatMap { i, county in
            ["1", "2"].map { RoutingRule(categoryPrefix: $0, divisionPrefix: county.code.rawValue, organisationCode: i == 0 ? "411600-CMB" : "\(county.code)-CMB") }
        }
        try await catalogue.seed(routing: routing, by: seeder)
        let known = try await catalogue.calendar().years
        for year in [2026] where !known.contains(year) {
            guard let url = Bundle.module.url(forResource: "calendar-\(year)", withExtension: "json", subdirectory: "Seed") else { throw CocoaError(.fileNoSuchFile) }
            try await catalogue.loadCalendar(try CaseCatalogue.Schedule.parse(Data(contentsOf: url)), by: seeder)
        }
    }
}

extension ReferenceData {
    /// The big-data bureaus' standing grants: plain values of the persons and legal-entity
    /// registries for the city's bureau and each county's, as ordinary grants (three years,
    /// revocable; a revoked one is not written again).
    static func seedStandingGrants(_ sharing: SharingDesk, by seeder: Principal) async throws {
        let bureaus = ["\(DivisionCode.zhoukou)-BDB"] + counties.map { "\($0.code)-BDB" }
        for bureau in bureaus {
            for resource in ["persons", "entities"] {
                try await sharing.grantStanding(resource, to: bureau, purpose: "基础库数据治理：大数据局常设授权 (the bureau's standing grant for registry stewardship)",
                                                days: 1_095, by: seeder)
            }
        }
    }

    /// The city root and, for every department that issues a built-in licence type, an Ed25519 and
    /// a P-256 seal, where it has no active one (so a revoked or rotated seal is not made again).
    static func seedSeals(_ seals: SealBook, organisations: OrganisationBook, by seeder: Principal) async throws {
        for issuer in Set(LicenceType.builtIn.map(\.issuerCode)).sorted() {
            guard try await organisations.find(issuer) != nil else { continue }
            let active = Set(try await seals.list(organisation: issuer, by: seeder).filter { $0.state == .active }.map(\.algorithm))
            for algorithm in SealAlgorithm.allCases where !active.contains(algorithm) {
                _ = try await seals.create(NewSeal(organisationCode: issuer, creditCode: demoCreditCode(issuer), algorithm: algorithm), by: seeder, origin: .commandLine)
            }
        }
    }

    /// A demo unified social credit code for a government body (category 11): its division, an
    /// organisation code derived from its code, and the check character. Real deployments give
    /// each seal the department's own code.
    public static func demoCreditCode(_ organisationCode: String) -> String {
        let division = String(organisationCode.prefix(6))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in organisationCode.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let digits = String(format: "%07d", Int(hash % 10_000_000))
        let body = "11" + division + "MB" + digits
        return body + String(CreditCode.checkCharacter(body)!)
    }
}

/// The parts of the platform the seed writes to.
public struct PlatformParts: Sendable {
    public let divisions: DivisionBook
    public let organisations: OrganisationBook
    public let staff: StaffDirectory
    public let citizens: CitizenAccounts
    public let geography: GeographyBook
    public let persons: PersonRegistry
    public let entities: EntityRegistry
    public let caseCatalogue: CaseCatalogue
    public let cases: CaseDesk
    public let sharing: SharingDesk
    public let clock: any WallClock

    public init(_ platform: Platform) {
        caseCatalogue = platform.caseCatalogue
        cases = platform.cases
        sharing = platform.sharing
        divisions = platform.divisions
        organisations = platform.organisations
        staff = platform.staff
        citizens = platform.citizens
        geography = platform.geography
        persons = platform.persons
        entities = platform.entities
        clock = platform.clock
    }
}
