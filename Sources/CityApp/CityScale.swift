import CityCore
import Foundation
import Identity

/// The reference city's identity at full size: 1,085 government bodies and 21,600 staff accounts,
/// synthetic below the real departments (sections of each department, township offices), for
/// load tests and benchmarks. Deterministic: the same names every run, so re-running adds nothing.
public enum CityScale {
    /// The sizes to load.
    public struct Size: Sendable {
        public let organisations: Int
        public let staff: Int
        /// The reference city: 1,085 government bodies, 21,600 staff accounts.
        public static let city = Size(organisations: 1_085, staff: 21_600)
        /// A tenth of the staff, for quick benchmark runs.
        public static let small = Size(organisations: 300, staff: 2_160)
    }

    public struct Result: Sendable {
        public let organisations: Int
        public let staff: Int
        public let newStaff: Int
    }

    /// The synthetic organisations: sections (科室) under every department until the target is met.
    public static func organisations(target: Int) -> [Organisation] {
        let base = ReferenceData.organisations
        let departments = base.filter { $0.kind == "department" || $0.kind == "centre" }
        let sections = ["办公室", "政策法规科", "综合业务科", "信息化科", "财务科", "督查科", "执法大队", "服务中心", "人事科", "安全监管科"]
        var list = base
        var round = 0
        while list.count < target {
            for d in departments where list.count < target {
                let index = round % sections.count
                let suffix = round < sections.count ? "" : "\(round / sections.count + 1)"
                list.append(Organisation(code: "\(d.code).S\(String(format: "%02d", round + 1))", name: d.name + sections[index] + suffix,
                                         parentCode: d.code, divisionCode: d.divisionCode, kind: "unit"))
            }
            round += 1
        }
        return list
    }

    /// Loads organisations and staff; staff get `staffPassword` (hashed once, shared) or none.
    public static func load(platform: PlatformParts, size: Size, staffPassword: String?, hasher: PasswordHasher) async throws -> Result {
        let organisations = organisations(target: size.organisations)
        try await platform.organisations.upsert(organisations)
        let units = organisations.filter { $0.kind == "unit" }
        let roles: [Role] = [.departmentHandler, .departmentHandler, .departmentHandler, .inspector, .dataSteward, .dispatcher, .commandOperator]
        let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
        let given = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")
        var members: [NewStaffMember] = []
        for i in 0..<size.staff {
            let unit = units[i % units.count]
            let name = String(surnames[i % surnames.count]) + String(given[(i / surnames.count) % given.count]) + String(given[(i / 7) % given.count])
            members.append(NewStaffMember(username: String(format: "s%06d", i + 1), displayName: name, organisationCode: unit.code,
                                      roles: [roles[i % roles.count]], password: nil))
        }
        let hash: String? = if let staffPassword { await hasher.hash(staffPassword) } else { nil }
        let created = try await platform.staff.load(members, passwordHashes: Array(repeating: hash, count: members.count), source: "scale \(size.staff)",
                                                    by: Principal.commandLine(), origin: .commandLine)
        return Result(organisations: try await platform.organisations.count(), staff: try await platform.staff.count(), newStaff: created)
    }
}
