// Identity: organisations, staff members, roles, citizens, API keys, sessions, and the division
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
