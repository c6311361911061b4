import CityCore
import Foundation
import Hummingbird
import Identity

/// A staff member's sign-in.
struct LoginRequest: JSONBody {
    let username: String
    let password: String
    enum CodingKeys: String, CodingKey, CaseIterable { case username, password }
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .username: Schema.string(min: 1, max: 80)
        case .password: Schema.string(min: 1, max: 72)
        }
    }
}

/// Who the caller is.
struct MeDTO: JSONWritable, APIShape {
    let kind: String
    let id: String
    let displayName: String
    let organisationCode: String?
    let scope: String?
    let roles: [String]
    enum CodingKeys: String, CodingKey, CaseIterable { case kind, id, displayName, organisationCode, scope, roles }
    static let requiredFields: [CodingKeys] = [.kind, .id, .displayName, .roles]
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .kind: Schema.enumeration([Principal.Kind.staff, .apiKey, .citizen].map(\.rawValue))
        case .id, .displayName: Schema.string()
        case .organisationCode, .scope: Schema.nullableString
        case .roles: Schema.array(Schema.role)
        }
    }

    init(_ p: Principal) {
        kind = p.kind.rawValue
        id = p.id
        displayName = p.displayName
        organisationCode = p.organisationCode
        scope = p.scope?.root.rawValue
        roles = p.roles.sorted().map(\.rawValue)
    }

    init(kind: String, id: String, displayName: String, organisationCode: String?, scope: String?, roles: [String]) {
        (self.kind, self.id, self.displayName, self.organisationCode, self.scope, self.roles) = (kind, id, displayName, organisationCode, scope, roles)
    }

    /// Written by hand: `GET /api/v1/me` is what every client calls first, and Foundation's encoder
    /// was 9% of its server time.
    static var jsonCapacity: Int { 256 }
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("kind", kind)
        json.field("id", id)
        json.field("displayName", displayName)
        json.field("organisationCode", organisationCode)
        json.field("scope", scope)
        json.field("roles", strings: roles)
        json.endObject()
    }
}

/// A session just issued.
struct TokenDTO: ResponseEncodable, APIShape {
    let token: String
    let tokenType = "Bearer"
    let expiresAt: Date
    let me: MeDTO
    enum CodingKeys: String, CodingKey, CaseIterable { case token, tokenType, expiresAt, me }
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .token, .tokenType: Schema.string()
        case .expiresAt: Schema.string(format: "date-time")
        case .me: Schema.ref(MeDTO.self)
        }
    }

    init(_ session: IssuedSession) {
        token = session.token
        expiresAt = session.expiresAt
        me = MeDTO(session.principal)
    }
}

/// A citizen's registration.
struct CitizenRegistration: JSONBody {
    let phone: String
    let displayName: String
    let password: String
    enum CodingKeys: String, CodingKey, CaseIterable { case phone, displayName, password }
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .phone: Schema.string("mainland mobile number", pattern: "^1[3-9][0-9]{9}$")
        case .displayName: Schema.string(min: 1, max: 40)
        case .password: Schema.password
        }
    }
}

/// A citizen's sign-in.
struct CitizenLogin: JSONBody {
    let phone: String
    let password: String
    enum CodingKeys: String, CodingKey, CaseIterable { case phone, password }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.string() }
}

/// A citizen's account: the phone masked except to the citizen.
struct CitizenDTO: ResponseEncodable, APIShape {
    let id: Int64
    let phone: String
    let displayName: String
    enum CodingKeys: String, CodingKey, CaseIterable { case id, phone, displayName }
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .id: Schema.integer
        case .phone, .displayName: Schema.string()
        }
    }

    init(_ citizen: Citizen, masked: Bool) {
        id = citizen.id
        phone = masked ? Mask.phone(citizen.phone) : citizen.phone
        displayName = citizen.displayName
    }
}
