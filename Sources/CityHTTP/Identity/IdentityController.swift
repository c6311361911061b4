import CityCore
import Foundation
import Hummingbird
import Identity

/// Organisations, staff accounts and API keys. The handlers parse and shape; the Identity module
/// checks role and scope and writes the audit entries.
struct IdentityController {
    let organisations: OrganisationBook
    let staff: StaffDirectory
    let keys: APIKeyRing

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/organisations", use: listOrganisations)
        api.get("/organisations/{code}", use: getOrganisation)
        api.post("/organisations", use: createOrganisation)
        api.get("/staff", use: listStaff)
        api.post("/staff", use: createStaff)
        api.put("/staff/{username}/password", use: setStaffPassword)
        api.get("/apikeys", use: listAPIKeys)
        api.post("/apikeys", use: createAPIKey)
        api.delete("/apikeys/{id}", use: revokeAPIKey)
    }

    @Sendable func listOrganisations(_ request: Request, context: StaffContext) async throws -> PageDTO<OrganisationDTO> {
        let page = try await organisations.list(by: context.caller, division: try request.division(), page: try PageRequest(request))
        return PageDTO(page, OrganisationDTO.init)
    }

    @Sendable func getOrganisation(_ request: Request, context: StaffContext) async throws -> OrganisationDTO {
        OrganisationDTO(try await organisations.find(try context.parameters.require("code"), by: context.caller))
    }

    @Sendable func createOrganisation(_ request: Request, context: StaffContext) async throws -> EditedResponse<OrganisationDTO> {
        let body = try await request.decodeStrict(as: NewOrganisationBody.self, context: context)
        let organisation = Organisation(code: body.code, name: body.name, nameEn: body.nameEn, parentCode: body.parentCode, divisionCode: body.divisionCode, kind: body.kind)
        try await organisations.create(organisation, by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: OrganisationDTO(organisation))
    }

    @Sendable func listStaff(_ request: Request, context: StaffContext) async throws -> StaffPageDTO {
        let organisation = request.uri.queryParameters["organisation"].map(String.init)
        return StaffPageDTO(try await staff.list(by: context.caller, organisationCode: organisation, page: try PageRequest(request), origin: context.auditOrigin))
    }

    @Sendable func createStaff(_ request: Request, context: StaffContext) async throws -> EditedResponse<StaffDTO> {
        let body = try await request.decodeStrict(as: NewStaffBody.self, context: context)
        let member = try await staff.create(NewStaffMember(username: body.username, displayName: body.displayName, organisationCode: body.organisationCode,
                                                           roles: Set(body.roles), password: body.password), by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: StaffDTO(member))
    }

    @Sendable func setStaffPassword(_ request: Request, context: StaffContext) async throws -> Response {
        let username = try context.parameters.require("username")
        let body = try await request.decodeStrict(as: PasswordChange.self, context: context)
        try await staff.changePassword(of: username, to: body.password, current: body.currentPassword, by: context.caller, origin: context.auditOrigin)
        return Response(status: .noContent)
    }

    @Sendable func listAPIKeys(_ request: Request, context: StaffContext) async throws -> APIKeyList {
        APIKeyList(items: try await keys.list(by: context.caller).map { APIKeyDTO($0) })
    }

    @Sendable func createAPIKey(_ request: Request, context: StaffContext) async throws -> EditedResponse<APIKeyDTO> {
        let body = try await request.decodeStrict(as: NewAPIKeyBody.self, context: context)
        let (key, secret) = try await keys.create(NewAPIKey(name: body.name, organisationCode: body.organisationCode, roles: Set(body.roles ?? [.departmentHandler])),
                                                  by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: APIKeyDTO(key, secret: secret))
    }

    @Sendable func revokeAPIKey(_ request: Request, context: StaffContext) async throws -> Response {
        try await keys.revoke(id: try context.parameters.require("id"), by: context.caller, origin: context.auditOrigin)
        return Response(status: .noContent)
    }
}
