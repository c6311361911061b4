/// The identity domain's operations and shapes.
enum IdentityAPI {
    static let paging: [APIOperation.Query] = [.init("limit", Schema.pageLimit, "page size, 1-500"), .init("offset", Schema.pageOffset, "items to skip")]

    static let fragment = APIFragment(operations: [
        .init("get", "/api/v1/organisations", id: "listOrganisations", summary: "Organisations within the caller's division scope", tag: "identity",
              query: [.init("division", Schema.divisionCode, "only this division")] + paging, success: (200, PageDTO<OrganisationDTO>.schemaName, APIFragment.json)),
        .init("post", "/api/v1/organisations", id: "createOrganisation", summary: "Create an organisation (platform admin)", tag: "identity",
              body: NewOrganisationBody.schemaName, success: (201, OrganisationDTO.schemaName, APIFragment.json),
              answers: [(409, "an organisation with that code exists"), (422, "the parent organisation does not exist")]),
        .init("get", "/api/v1/organisations/{code}", id: "getOrganisation", summary: "One organisation (404 when unknown or outside scope)", tag: "identity",
              pathParameters: [("code", Schema.string())], success: (200, OrganisationDTO.schemaName, APIFragment.json),
              answers: [(404, "no such organisation within the caller's scope")]),
        .init("get", "/api/v1/staff", id: "listStaff", summary: "Staff members within scope; names masked except for admins stating a purpose in X-Purpose; audited", tag: "identity",
              query: [.init("organisation", Schema.string(), "only this organisation")] + paging, headers: [RegistryAPI.purpose],
              success: (200, StaffPageDTO.schemaName, APIFragment.json),
              answers: [(422, "no such organisation within the caller's scope")]),
        .init("post", "/api/v1/staff", id: "createStaff", summary: "Create a staff account (platform admin)", tag: "identity",
              body: NewStaffBody.schemaName, success: (201, StaffDTO.schemaName, APIFragment.json),
              answers: [(409, "the username is taken"), (422, "no such organisation within the caller's scope")]),
        .init("put", "/api/v1/staff/{username}/password", id: "setStaffPassword", summary: "Set a password (own, with the current one; or any as platform admin)",
              tag: "identity", body: PasswordChange.schemaName, pathParameters: [("username", Schema.string())], success: (204, nil, APIFragment.json),
              answers: [(404, "no such staff member within the caller's scope"),
                        (429, "too many wrong current passwords: limited like logins; see Retry-After")]),
        .init("get", "/api/v1/apikeys", id: "listAPIKeys", summary: "API keys (never their secrets)", tag: "identity",
              success: (200, APIKeyList.schemaName, APIFragment.json)),
        .init("post", "/api/v1/apikeys", id: "createAPIKey", summary: "Create an API key for another government system; the secret is shown once",
              tag: "identity", body: NewAPIKeyBody.schemaName, success: (201, APIKeyDTO.schemaName, APIFragment.json),
              answers: [(422, "no such organisation within the caller's scope")]),
        .init("delete", "/api/v1/apikeys/{id}", id: "revokeAPIKey", summary: "Revoke an API key", tag: "identity",
              pathParameters: [("id", Schema.string())], success: (204, nil, APIFragment.json),
              answers: [(404, "no such live key within the caller's scope")]),
    ], shapes: [OrganisationDTO.self, PageDTO<OrganisationDTO>.self, NewOrganisationBody.self, StaffDTO.self, StaffPageDTO.self, NewStaffBody.self,
                PasswordChange.self, APIKeyDTO.self, APIKeyList.self, NewAPIKeyBody.self])
}
