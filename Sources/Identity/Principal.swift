import CityCore
import Foundation

/// Who acts: a staff member, another government system (API key), a citizen, or an operator at
/// the command line. `caller` is a request's principal; `auditActor` its name in the audit log.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case staff
        case apiKey
        case citizen
        /// Someone with shell access to a server running `cityhub` commands: acts as a city-wide
        /// platform administrator, named by their operating-system account.
        case commandLine = "cli"
    }

    public let kind: Kind
    /// Username, API key id, citizen id, or operating-system account.
    public let id: String
    public let displayName: String
    public let organisationCode: String?
    /// The divisions whose data this principal may see; nil for citizens, who see only their own.
    public let scope: DivisionScope?
    public let roles: Set<Role>

    public init(kind: Kind, id: String, displayName: String, organisationCode: String?, scope: DivisionScope?, roles: Set<Role>) {
        self.kind = kind
        self.id = id
        self.displayName = displayName
        self.organisationCode = organisationCode
        self.scope = scope
        self.roles = roles
    }

    /// The operator running a command on a server: platform administrator over the whole city.
    public static func commandLine(user: String = NSUserName()) -> Principal {
        Principal(kind: .commandLine, id: user, displayName: user, organisationCode: nil, scope: .city, roles: [.platformAdmin])
    }

    /// How the audit log names this principal (`staff:zhang.wei`).
    public var auditActor: String { "\(kind.rawValue):\(id)" }

    /// Throws unless the principal holds at least one of `roles` (platform admins hold every right).
    public func require(anyOf roles: Role...) throws(IdentityError) {
        guard self.roles.contains(.platformAdmin) || !self.roles.isDisjoint(with: roles) else {
            throw IdentityError.missingRole(roles)
        }
    }

    /// The principal's division scope; throws for citizens, who have none.
    public func staffScope() throws(IdentityError) -> DivisionScope {
        guard let scope else { throw IdentityError.needsStaffScope }
        return scope
    }

    /// Whether the principal may see data of `division`.
    public func canSee(_ division: DivisionCode) -> Bool {
        scope?.contains(division) ?? false
    }

    /// Throws unless `division` lies within the principal's scope.
    public func requireScope(_ division: DivisionCode) throws(IdentityError) {
        guard canSee(division) else { throw IdentityError.outsideScope(division) }
    }
}
