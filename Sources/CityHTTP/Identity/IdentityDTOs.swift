import CityCore
import Foundation
import Hummingbird
import Identity

/// An organisation as the API shows it.
struct OrganisationDTO: ResponseEncodable, APIShape {
    let code: String
    let name: String
    let nameEn: String?
    let parentCode: String?
    let divisionCode: String
    let kind: String
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, nameEn, parentCode, divisionCode, kind }
    static let requiredFields: [CodingKeys] = [.code, .name, .divisionCode, .kind]
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code, .name, .kind: Schema.string()
        case .nameEn, .parentCode: Schema.nullableString
        case .divisionCode: Schema.divisionCode
        }
    }

    init(_ o: Organisation) {
        code = o.code; name = o.name; nameEn = o.nameEn; parentCode = o.parentCode; divisionCode = o.divisionCode.rawValue; kind = o.kind
    }
}

/// A new organisation.
struct NewOrganisationBody: JSONBody {
    let code: String
    let name: String
    let nameEn: String?
    let parentCode: String
    let divisionCode: DivisionCode
    let kind: String
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, nameEn, parentCode, divisionCode, kind }
    static let requiredFields: [CodingKeys] = [.code, .name, .parentCode, .divisionCode, .kind]
    static let schemaName = "NewOrganisation"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code: Schema.string(pattern: "^[A-Za-z0-9.-]{2,40}$")
        case .name: Schema.string(min: 1, max: 100)
        case .nameEn: Schema.string(max: 200)
        case .parentCode: Schema.string()
        case .divisionCode: Schema.divisionCode
        case .kind: Schema.string(min: 1, max: 40)
        }
    }
}

/// A staff member as the API shows them (the name masked unless the reader may see it).
struct StaffDTO: ResponseEncodable, APIShape {
    let username: String
    let displayName: String
    let organisationCode: String
    let divisionCode: String
    let roles: [String]
    let active: Bool
    enum CodingKeys: String, CodingKey, CaseIterable { case username, displayName, organisationCode, divisionCode, roles, active }
    static let schemaName = "Staff"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .username, .displayName, .organisationCode: Schema.string()
        case .divisionCode: Schema.divisionCode
        case .roles: Schema.array(Schema.role)
        case .active: Schema.boolean
        }
    }

    init(_ m: StaffMember) {
        username = m.username; displayName = m.displayName; organisationCode = m.organisationCode
        divisionCode = m.divisionCode.rawValue; roles = m.roles.map(\.rawValue); active = m.active
    }
}

/// A page of staff members.
struct StaffPageDTO: ResponseEncodable, APIShape {
    let items: [StaffDTO]
    let total: Int
    let limit: Int
    let offset: Int
    let masked: Bool
    enum CodingKeys: String, CodingKey, CaseIterable { case items, total, limit, offset, masked }
    static let schemaName = "StaffPage"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .items: Schema.array(Schema.ref(StaffDTO.self))
        case .total, .limit, .offset: Schema.integer
        case .masked: Schema.boolean
        }
    }

    init(_ result: StaffPage) {
        items = result.page.items.map(StaffDTO.init); total = result.page.total; limit = result.page.limit; offset = result.page.offset
        masked = result.masked
    }
}

/// A new staff member.
struct NewStaffBody: JSONBody {
    let username: String
    let displayName: String
    let organisationCode: String
    let roles: [Role]
    let password: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case username, displayName, organisationCode, roles, password }
    static let requiredFields: [CodingKeys] = [.username, .displayName, .organisationCode, .roles]
    static let schemaName = "NewStaff"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .username: Schema.string(pattern: "^[a-z0-9._-]{3,40}$")
        case .displayName: Schema.string(min: 1, max: 60)
        case .organisationCode: Schema.string()
        case .roles: Schema.array(Schema.role)
        case .password: Schema.password
        }
    }
}

/// A new password: one's own (with the current one) or, for an administrator, anyone's.
struct PasswordChange: JSONBody {
    let password: String
    /// Required when changing one's own password; not when an administrator resets another's.
    let currentPassword: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case password, currentPassword }
    static let requiredFields: [CodingKeys] = [.password]
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .password: Schema.password
        case .currentPassword: ["type": ["string", "null"], "maxLength": 72, "description": "required to change one's own password"]
        }
    }
}

/// A new API key.
struct NewAPIKeyBody: JSONBody {
    let name: String
    let organisationCode: String
    let roles: [Role]?
    enum CodingKeys: String, CodingKey, CaseIterable { case name, organisationCode, roles }
    static let requiredFields: [CodingKeys] = [.name, .organisationCode]
    static let schemaName = "NewAPIKey"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .name: Schema.string(min: 1, max: 80)
        case .organisationCode: Schema.string()
        case .roles: Schema.array(Schema.role)
        }
    }
}

/// An API key as listed; its secret only in the answer to the create call.
struct APIKeyDTO: ResponseEncodable, APIShape {
    let id: String
    let name: String
    let organisationCode: String
    let roles: [String]
    let createdAt: Date
    let revokedAt: Date?
    /// Present once, in the answer to the create call.
    let secret: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case id, name, organisationCode, roles, createdAt, revokedAt, secret }
    static let requiredFields: [CodingKeys] = [.id, .name, .organisationCode, .roles, .createdAt]
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .id, .name, .organisationCode: Schema.string()
        case .roles: Schema.array(Schema.role)
        case .createdAt: Schema.string(format: "date-time")
        case .revokedAt: Schema.nullableString
        case .secret: Schema.string("shown once, in the answer to the create call")
        }
    }

    init(_ k: APIKey, secret: String? = nil) {
        id = k.id; name = k.name; organisationCode = k.organisationCode; roles = k.roles.map(\.rawValue)
        createdAt = k.createdAt; revokedAt = k.revokedAt; self.secret = secret
    }
}

/// The API keys within scope.
struct APIKeyList: ResponseEncodable, APIShape {
    let items: [APIKeyDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(APIKeyDTO.self)) }
}
