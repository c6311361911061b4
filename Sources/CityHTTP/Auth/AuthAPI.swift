/// The auth domain's operations and shapes.
enum AuthAPI {
    static let loginLimits = "too many failed logins: 30 from this address, or 5 at this account from this address, in 15 minutes; see Retry-After"

    static let fragment = APIFragment(operations: [
        .init("post", "/api/v1/auth/login", id: "login", summary: "Exchange a staff username and password for a bearer token", tag: "auth",
              access: .open, body: LoginRequest.schemaName, success: (200, TokenDTO.schemaName, APIFragment.json),
              answers: [(401, "wrong username or password"), (429, loginLimits)]),
        .init("post", "/api/v1/auth/logout", id: "logout", summary: "Revoke the token in use", tag: "auth", access: .signedIn,
              success: (204, nil, APIFragment.json), answers: [(422, "an API key does not end at logout: an administrator revokes it")]),
        .init("get", "/api/v1/me", id: "me", summary: "Who the caller is: roles and division scope", tag: "auth", access: .signedIn,
              success: (200, MeDTO.schemaName, APIFragment.json)),
        .init("post", "/api/v1/citizens", id: "registerCitizen", summary: "Register a citizen account (5 per address in 15 minutes)", tag: "citizens",
              access: .open, body: CitizenRegistration.schemaName, success: (201, CitizenDTO.schemaName, APIFragment.json),
              answers: [(409, "that phone number is registered"), (429, "too many registrations from this address; see Retry-After")]),
        .init("post", "/api/v1/citizens/login", id: "citizenLogin", summary: "Exchange a citizen's phone and password for a bearer token", tag: "citizens",
              access: .open, body: CitizenLogin.schemaName, success: (200, TokenDTO.schemaName, APIFragment.json),
              answers: [(401, "wrong phone number or password"), (429, loginLimits)]),
        .init("get", "/api/v1/citizens/me", id: "citizenMe", summary: "The signed-in citizen's own account", tag: "citizens", access: .signedIn,
              success: (200, CitizenDTO.schemaName, APIFragment.json)),
    ], shapes: [LoginRequest.self, MeDTO.self, TokenDTO.self, CitizenRegistration.self, CitizenLogin.self, CitizenDTO.self])
}
