import CityCore
import Foundation
import Hummingbird
import Identity

/// Organisations, staff accounts and API keys, for administrators; read within division scope.
struct IdentityController {
    let platform: Platform

    struct OrganisationDTO: ResponseEncodable, Codable {
        let code: String
        let name: String
        let nameEn: String?
        let parentCode: String?
        let divisionCode: String
        let kind: String
        init(_ o: Organisation) {
            code = o.code; name = o.name; nameEn = o.nameEn; parentCode = o.parentCode; divisionCode = o.divisionCode.rawValue; kind = o.kind
        }
    }

    struct OrganisationPage: ResponseEncodable {
        let items: [OrganisationDTO]
        let total: Int
        let limit: Int
        let offset: Int
    }

    struct NewOrganisation: JSONBody {
        let code: String
        let name: String
        let nameEn: String?
        let parentCode: String
        let divisionCode: DivisionCode
        let kind: String
        static let fields: Set<String> = ["code", "name", "nameEn", "parentCode", "divisionCode", "kind"]
    }

    struct StaffDTO: ResponseEncodable {
        let username: String
        let displayName: String
        let organisationCode: String
        let divisionCode: String
        let roles: [String]
        let active: Bool
    }

    struct StaffPage: ResponseEncodable {
        let items: [StaffDTO]
        let total: Int
        let limit: Int
        let offset: Int
        let masked: Bool
    }

    struct NewStaff: JSONBody {
        let username: String
        let displayName: String
        let organisationCode: String
        let roles: [Role]
        let password: String?
        static let fields: Set<String> = ["username", "displayName", "organisationCode", "roles", "password"]
    }

    struct PasswordChange: JSONBody {
        let password: String
        /// Required when changing one's own password; not when an administrator resets another's.
        let currentPassword: String?
        static let fields: Set<String> = ["password", "currentPassword"]
    }

    struct NewAPIKey: JSONBody {
        let name: String
        let organisationCode: String
        let roles: [Role]?
        static let fields: Set<String> = ["name", "organisationCode", "roles"]
    }

    struct APIKeyDTO: ResponseEncodable {
        let id: String
        let name: String
        let organisationCode: String
        let roles: [String]
        let createdAt: Date
        let revokedAt: Date?
        /// Present once, in the answer to the create call.
        let secret: String?
        init(_ k: APIKey, secret: String? = nil) {
            id = k.id; name = k.name; organisationCode = k.organisationCode; roles = k.roles.map(\.rawValue)
            createdAt = k.createdAt; revokedAt = k.revokedAt; self.secret = secret
        }
    }

    struct APIKeyList: ResponseEncodable { let items: [APIKeyDTO] }

    func addRoutes(to api: RouterGroup<AuthenticatedContext>) {
        api.get("/organisations") { request, context -> OrganisationPage in
            let caller = context.caller
            guard let scope = caller.scope else { throw PlatformError.missingRole(["工作人员/staff"]) }
            let division = try request.uri.queryParameters["division"].map { text -> DivisionCode in
                guard let code = DivisionCode(String(text)) else {
                    throw HTTPProblem.badQuery("division", zh: "division 应为 6 位行政区划代码", en: "division must be a 6-digit division code")
                }
                return code
            }
            if let division { try caller.requireScope(division) }
            let page = try await platform.organisations.list(within: scope, division: division, page: try Self.page(request))
            return OrganisationPage(items: page.items.map(OrganisationDTO.init), total: page.total, limit: page.limit, offset: page.offset)
        }
        api.get("/organisations/{code}") { _, context -> OrganisationDTO in
            let code = try context.parameters.require("code")
            guard let organisation = try await platform.organisations.find(code) else {
                throw PlatformError.notFound("Organisation \(code)", zhWhat: "机构 \(code)")
            }
            try context.caller.requireScope(organisation.divisionCode)
            return OrganisationDTO(organisation)
        }
        api.post("/organisations") { request, context -> EditedResponse<OrganisationDTO> in
            try context.caller.require(anyOf: .platformAdmin)
            let body = try await request.decodeStrict(as: NewOrganisation.self, context: context)
            let organisation = Organisation(code: body.code, name: body.name, nameEn: body.nameEn, parentCode: body.parentCode, divisionCode: body.divisionCode, kind: body.kind)
            try await platform.organisations.create(organisation, by: context.caller, origin: context.auditOrigin)
            return EditedResponse(status: .created, response: OrganisationDTO(organisation))
        }

        api.get("/staff") { request, context -> StaffPage in
            let caller = context.caller
            try caller.require(anyOf: .auditor, .dataSteward, .dispatcher, .commandOperator)
            guard let scope = caller.scope else { throw PlatformError.missingRole(["工作人员/staff"]) }
            let organisation = request.uri.queryParameters["organisation"].map(String.init)
            if let organisation {
                guard let found = try await platform.organisations.find(organisation) else { throw IdentityError.unknownOrganisation(organisation) }
                try caller.requireScope(found.divisionCode)
            }
            let page = try await platform.staff.list(within: scope, organisationCode: organisation, page: try Self.page(request))
            // Names are personal data: administrators see them; everyone else sees them masked.
            let unmasked = caller.roles.contains(.platformAdmin)
            try await platform.audit(context, action: "identity.staff.list", recordType: "staff", recordID: organisation ?? "*", division: scope.rawValue,
                                     purpose: request.headers[.cityPurpose], detail: "\(page.items.count) rows, \(unmasked ? "unmasked" : "masked")")
            return StaffPage(items: page.items.map { u in
                StaffDTO(username: u.username, displayName: unmasked ? u.displayName : Masking.name(u.displayName), organisationCode: u.organisationCode,
                         divisionCode: u.divisionCode.rawValue, roles: u.roles.map(\.rawValue), active: u.active)
            }, total: page.total, limit: page.limit, offset: page.offset, masked: !unmasked)
        }
        api.post("/staff") { request, context -> EditedResponse<StaffDTO> in
            try context.caller.require(anyOf: .platformAdmin)
            let body = try await request.decodeStrict(as: NewStaff.self, context: context)
            guard StaffImport.isUsername(body.username) else {
                throw PlatformError.invalidField("username", zh: "用户名为 3 至 40 位字母、数字、点、下划线或连字符", en: "username must be 3 to 40 letters, digits, dots, underscores or hyphens")
            }
            guard let organisation = try await platform.organisations.find(body.organisationCode) else { throw IdentityError.unknownOrganisation(body.organisationCode) }
            try context.caller.requireScope(organisation.divisionCode)
            let user = try await platform.staff.create(NewStaffUser(username: body.username, displayName: body.displayName,
                                                                    organisationCode: body.organisationCode, roles: Set(body.roles), password: body.password))
            try await platform.audit(context, action: "identity.staff.create", recordType: "staff", recordID: user.username, division: user.divisionCode.rawValue)
            return EditedResponse(status: .created, response: StaffDTO(username: user.username, displayName: user.displayName, organisationCode: user.organisationCode,
                                                                      divisionCode: user.divisionCode.rawValue, roles: user.roles.map(\.rawValue), active: user.active))
        }
        api.put("/staff/{username}/password") { request, context -> Response in
            let username = try context.parameters.require("username")
            let isSelf = context.caller.kind == .staff && context.caller.id == username
            if !isSelf { try context.caller.require(anyOf: .platformAdmin) }
            let body = try await request.decodeStrict(as: PasswordChange.self, context: context)
            guard let user = try await platform.staff.find(username: username) else { throw IdentityError.unknownUser(username) }
            try context.caller.requireScope(user.divisionCode)
            if isSelf {
                guard let current = body.currentPassword else { throw HTTPProblem.missingField("currentPassword") }
                // Guessing the current password with a stolen token is limited like guessing a login.
                try await platform.throttle.guarding(source: context.remoteAddress, account: username) {
                    try await platform.staff.changeOwnPassword(username: username, current: current, new: body.password)
                }
            } else {
                try await platform.staff.setPassword(username: username, password: body.password)
            }
            try await platform.audit(context, action: "identity.staff.password", recordType: "staff", recordID: username, division: user.divisionCode.rawValue)
            return Response(status: .noContent)
        }

        api.get("/apikeys") { _, context -> APIKeyList in
            try context.caller.require(anyOf: .platformAdmin, .auditor)
            guard let scope = context.caller.scope else { throw PlatformError.missingRole(["工作人员/staff"]) }
            return APIKeyList(items: try await platform.keys.list(within: scope).map { APIKeyDTO($0) })
        }
        api.post("/apikeys") { request, context -> EditedResponse<APIKeyDTO> in
            try context.caller.require(anyOf: .platformAdmin)
            let body = try await request.decodeStrict(as: NewAPIKey.self, context: context)
            guard (1...80).contains(body.name.count) else {
                throw PlatformError.invalidField("name", zh: "名称应为 1 至 80 个字符", en: "name must be 1 to 80 characters")
            }
            guard let organisation = try await platform.organisations.find(body.organisationCode) else { throw IdentityError.unknownOrganisation(body.organisationCode) }
            try context.caller.requireScope(organisation.divisionCode)
            let roles = Set(body.roles ?? [.departmentHandler])
            guard !roles.contains(.platformAdmin) else {
                throw PlatformError.invalidField("roles", zh: "API 密钥不能授予平台管理员角色", en: "An API key cannot hold the platformAdmin role")
            }
            let (key, secret) = try await platform.keys.create(name: body.name, organisationCode: body.organisationCode, roles: roles)
            try await platform.audit(context, action: "identity.apikey.create", recordType: "apikey", recordID: key.id, division: organisation.divisionCode.rawValue)
            return EditedResponse(status: .created, response: APIKeyDTO(key, secret: secret))
        }
        api.delete("/apikeys/{id}") { _, context -> Response in
            try context.caller.require(anyOf: .platformAdmin)
            let id = try context.parameters.require("id")
            guard let key = try await platform.keys.find(id: id),
                  let organisation = try await platform.organisations.find(key.organisationCode) else {
                throw PlatformError.notFound("API key \(id)", zhWhat: "API 密钥 \(id)")
            }
            try context.caller.requireScope(organisation.divisionCode)
            guard try await platform.keys.revoke(id: id) else { throw PlatformError.notFound("API key \(id)", zhWhat: "API 密钥 \(id)") }
            try await platform.audit(context, action: "identity.apikey.revoke", recordType: "apikey", recordID: id)
            return Response(status: .noContent)
        }
    }

    static func page(_ request: Request) throws -> PageRequest {
        func int(_ name: String, max: Int) throws -> Int? {
            guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
            guard let value = Int(String(text)), (0...max).contains(value) else {
                throw HTTPProblem.badQuery(name, zh: "\(name) 应为 0 到 \(max) 之间的整数", en: "\(name) must be an integer from 0 to \(max)")
            }
            return value
        }
        // The same bounds the OpenAPI document states; a limit over 500 is then clamped.
        return PageRequest(limit: try int("limit", max: 1_000_000), offset: try int("offset", max: 1_000_000_000))
    }
}
