// Identity: organisations, staff users, roles, citizens, API keys, sessions, and the division
// scope of every caller. It decides who someone is and what they may touch; it knows nothing of
// HTTP and renders nothing.
import CityCore

/// A staff role. Names are the glossary's.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Runs the platform: organisations, accounts, keys, reference data.
    case platformAdmin
    /// Command-center operator: watches and registers cases.
    case commandOperator
    /// Sends cases to handling departments.
    case dispatcher
    /// Works cases and data for a handling department.
    case departmentHandler
    /// Inspector or grid worker: reports and verifies in the field.
    case inspector
    /// Reads the audit log; changes nothing.
    case auditor
    /// Curates a department's catalogue entries and share terms.
    case dataSteward

    /// The Chinese label shown on pages.
    public var labelZh: String {
        switch self {
        case .platformAdmin: "平台管理员"
        case .commandOperator: "指挥中心坐席"
        case .dispatcher: "派遣员"
        case .departmentHandler: "部门处置人员"
        case .inspector: "监督员/网格员"
        case .auditor: "审计员"
        case .dataSteward: "数据管理员"
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Who is calling: a staff user, another government system (API key), or a citizen.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case staff
        case apiKey
        case citizen
    }

    public let kind: Kind
    /// Username, API key id, or citizen id.
    public let id: String
    public let displayName: String
    public let organisationCode: String?
    /// The divisions whose data this caller may see; nil for citizens, who see only their own.
    public let scope: DivisionCode?
    public let roles: Set<Role>

    public init(kind: Kind, id: String, displayName: String, organisationCode: String?, scope: DivisionCode?, roles: Set<Role>) {
        self.kind = kind
        self.id = id
        self.displayName = displayName
        self.organisationCode = organisationCode
        self.scope = scope
        self.roles = roles
    }

    /// How the audit log names this caller.
    public var auditActor: String { "\(kind.rawValue):\(id)" }

    /// Throws unless the caller holds at least one of `roles` (platform admins hold every right).
    public func require(anyOf roles: Role...) throws(PlatformError) {
        guard self.roles.contains(.platformAdmin) || !self.roles.isDisjoint(with: roles) else {
            throw PlatformError.missingRole(roles.map { "\($0.labelZh)/\($0.rawValue)" })
        }
    }

    /// Whether the caller may see data of `division`.
    public func canSee(_ division: DivisionCode) -> Bool {
        scope?.contains(division) ?? false
    }

    /// Throws unless `division` lies within the caller's scope.
    public func requireScope(_ division: DivisionCode) throws(PlatformError) {
        guard canSee(division) else { throw PlatformError.outsideScope(division) }
    }
}
