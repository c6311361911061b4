import Foundation

/// The OpenAPI 3.1 document for every route. `OpenAPITests` checks that each route the router
/// knows is described here and each path here is routed.
enum OpenAPI {
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static func string(_ description: String? = nil, format: String? = nil, pattern: String? = nil, min: Int? = nil, max: Int? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "string")]
        if let format { pairs.append(("format", .string(format))) }
        if let pattern { pairs.append(("pattern", .string(pattern))) }
        if let min { pairs.append(("minLength", .number(Double(min)))) }
        if let max { pairs.append(("maxLength", .number(Double(max)))) }
        if let description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    static let integer: JSONValue = ["type": "integer"]
    static let boolean: JSONValue = ["type": "boolean"]
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    static func object(_ properties: [(String, JSONValue)], required: [String], closed: Bool = true) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "object"), ("properties", .object(properties)),
                                            ("required", .array(required.map { .string($0) }))]
        if closed { pairs.append(("additionalProperties", false)) }
        return .object(pairs)
    }

    static let roles: JSONValue = ["type": "string", "enum": ["platformAdmin", "commandOperator", "dispatcher", "departmentHandler", "inspector", "auditor", "dataSteward"]]
    static let divisionCode = string("GB/T 2260 division code", pattern: "^(0[1-9]|[1-9][0-9])[0-9]{4}([0-9]{3}([0-9]{3})?)?$")
    /// 10+ characters with at least one letter and one digit.
    static let password = string("10 characters to 72 bytes, with letters and digits", pattern: "^(?=.*[A-Za-z])(?=.*[0-9])[ -~]{10,72}$")
    static let pageLimit: JSONValue = ["type": "integer", "minimum": 0, "maximum": 1_000_000, "description": "clamped to 1...500"]
    static let pageOffset: JSONValue = ["type": "integer", "minimum": 0, "maximum": 1_000_000_000]

    static let schemas: JSONValue = .object([
        ("Problem", object([
            ("type", string(format: "uri-reference")), ("title", string()), ("status", integer), ("detail", string()), ("instance", string()),
            ("code", string("stable machine code")), ("messageZh", string("message in Chinese")), ("messageEn", string("message in English")),
            ("field", string("the field at fault")), ("requestId", string()),
        ], required: ["type", "title", "status", "detail", "code", "messageZh", "messageEn"], closed: false)),
        ("LoginRequest", object([("username", string(min: 1, max: 80)), ("password", string(min: 1, max: 72))], required: ["username", "password"])),
        ("Me", object([("kind", ["type": "string", "enum": ["staff", "apiKey", "citizen"]]), ("id", string()), ("displayName", string()),
                       ("organisationCode", nullableString), ("scope", nullableString), ("roles", array(roles))],
                      required: ["kind", "id", "displayName", "roles"], closed: false)),
        ("Token", object([("token", string()), ("tokenType", string()), ("expiresAt", string(format: "date-time")), ("me", ref("Me"))],
                         required: ["token", "tokenType", "expiresAt", "me"], closed: false)),
        ("CitizenRegistration", object([("phone", string("mainland mobile number", pattern: "^1[3-9][0-9]{9}$")), ("displayName", string(min: 1, max: 40)),
                                        ("password", password)], required: ["phone", "displayName", "password"])),
        ("CitizenLogin", object([("phone", string()), ("password", string())], required: ["phone", "password"])),
        ("Citizen", object([("id", integer), ("phone", string()), ("displayName", string())], required: ["id", "phone", "displayName"], closed: false)),
        ("Organisation", object([("code", string()), ("name", string()), ("nameEn", nullableString), ("parentCode", nullableString),
                                 ("divisionCode", divisionCode), ("kind", string())], required: ["code", "name", "divisionCode", "kind"], closed: false)),
        ("OrganisationPage", object([("items", array(ref("Organisation"))), ("total", integer), ("limit", integer), ("offset", integer)],
                                    required: ["items", "total", "limit", "offset"], closed: false)),
        ("NewOrganisation", object([("code", string(pattern: "^[A-Za-z0-9.-]{2,40}$")), ("name", string(min: 1, max: 100)), ("nameEn", string(max: 200)),
                                    ("parentCode", string()), ("divisionCode", divisionCode), ("kind", string(min: 1, max: 40))],
                                   required: ["code", "name", "parentCode", "divisionCode", "kind"])),
        ("Staff", object([("username", string()), ("displayName", string()), ("organisationCode", string()), ("divisionCode", divisionCode),
                          ("roles", array(roles)), ("active", boolean)], required: ["username", "displayName", "organisationCode", "divisionCode", "roles", "active"], closed: false)),
        ("StaffPage", object([("items", array(ref("Staff"))), ("total", integer), ("limit", integer), ("offset", integer), ("masked", boolean)],
                             required: ["items", "total", "limit", "offset", "masked"], closed: false)),
        ("NewStaff", object([("username", string(pattern: "^[a-z0-9._-]{3,40}$")), ("displayName", string(min: 1, max: 60)), ("organisationCode", string()),
                             ("roles", array(roles)), ("password", password)], required: ["username", "displayName", "organisationCode", "roles"])),
        ("PasswordChange", object([("password", password), ("currentPassword", ["type": ["string", "null"], "maxLength": 72, "description": "required to change one's own password"])], required: ["password"])),
        ("APIKey", object([("id", string()), ("name", string()), ("organisationCode", string()), ("roles", array(roles)),
                           ("createdAt", string(format: "date-time")), ("revokedAt", nullableString),
                           ("secret", string("shown once, in the answer to the create call"))], required: ["id", "name", "organisationCode", "roles", "createdAt"], closed: false)),
        ("APIKeyList", object([("items", array(ref("APIKey")))], required: ["items"], closed: false)),
        ("NewAPIKey", object([("name", string(min: 1, max: 80)), ("organisationCode", string()), ("roles", array(roles))], required: ["name", "organisationCode"])),
        ("Division", object([("code", divisionCode), ("name", string()), ("level", string()), ("parentCode", nullableString),
                             ("label", ["type": ["object", "null"]]), ("source", nullableString), ("boundary", ["description": "GeoJSON geometry"])],
                            required: ["code", "name", "level"], closed: false)),
        ("DivisionList", object([("items", array(ref("Division")))], required: ["items"], closed: false)),
        ("AuditEntry", object([("seq", integer), ("at", string(format: "date-time")), ("actor", string()), ("action", string()), ("recordType", nullableString),
                               ("recordID", nullableString), ("divisionCode", nullableString), ("purpose", nullableString), ("source", nullableString),
                               ("requestID", nullableString), ("outcome", string()), ("detail", nullableString), ("prevHash", string()), ("hash", string())],
                              required: ["seq", "at", "actor", "action", "outcome", "prevHash", "hash"], closed: false)),
        ("AuditEntryList", object([("items", array(ref("AuditEntry")))], required: ["items"], closed: false)),
        ("AuditVerification", object([("intact", boolean), ("checked", integer), ("headHash", string()),
                                      ("problems", array(object([("seq", integer), ("kind", string()), ("message", string())], required: ["seq", "kind", "message"], closed: false)))],
                                     required: ["intact", "checked", "headHash", "problems"], closed: false)),
    ])

    struct Operation {
        let method: String
        let path: String
        let id: String
        let summary: String
        let tag: String
        var authenticated = true
        var body: String? = nil
        var query: [(String, JSONValue, String)] = []
        var pathParameters: [(String, JSONValue)] = []
        var success: (Int, String?, String)  // status, schema name, media type
    }

    static let json = "application/json"
    static let html = "text/html"

    static let operations: [Operation] = [
        .init(method: "get", path: "/healthz", id: "healthz", summary: "Liveness: the process answers", tag: "system", authenticated: false, success: (200, nil, json)),
        .init(method: "get", path: "/readyz", id: "readyz", summary: "Readiness: the database answers", tag: "system", authenticated: false, success: (200, nil, json)),
        .init(method: "get", path: "/metrics", id: "metrics", summary: "Prometheus metrics", tag: "system", authenticated: false, success: (200, nil, "text/plain")),
        .init(method: "get", path: "/api/v1/openapi.json", id: "openapi", summary: "This document", tag: "system", authenticated: false, success: (200, nil, json)),
        .init(method: "get", path: "/", id: "homePage", summary: "Workbench page (redirects to /login without a session)", tag: "web", authenticated: false, success: (200, nil, html)),
        .init(method: "get", path: "/login", id: "loginPage", summary: "Sign-in page", tag: "web", authenticated: false, success: (200, nil, html)),
        .init(method: "post", path: "/login", id: "loginForm", summary: "Sign in with a form; sets the session cookie", tag: "web", authenticated: false, success: (303, nil, html)),
        .init(method: "post", path: "/logout", id: "logoutForm", summary: "Sign out; clears the session cookie", tag: "web", authenticated: false, success: (303, nil, html)),
        .init(method: "post", path: "/api/v1/auth/login", id: "login", summary: "Exchange a staff username and password for a bearer token", tag: "auth",
              authenticated: false, body: "LoginRequest", success: (200, "Token", json)),
        .init(method: "post", path: "/api/v1/auth/logout", id: "logout", summary: "Revoke the token in use", tag: "auth", success: (204, nil, json)),
        .init(method: "get", path: "/api/v1/me", id: "me", summary: "Who the caller is: roles and division scope", tag: "auth", success: (200, "Me", json)),
        .init(method: "post", path: "/api/v1/citizens", id: "registerCitizen", summary: "Register a citizen account", tag: "citizens",
              authenticated: false, body: "CitizenRegistration", success: (201, "Citizen", json)),
        .init(method: "post", path: "/api/v1/citizens/login", id: "citizenLogin", summary: "Exchange a citizen's phone and password for a bearer token", tag: "citizens",
              authenticated: false, body: "CitizenLogin", success: (200, "Token", json)),
        .init(method: "get", path: "/api/v1/citizens/me", id: "citizenMe", summary: "The signed-in citizen's own account", tag: "citizens", success: (200, "Citizen", json)),
        .init(method: "get", path: "/api/v1/organisations", id: "listOrganisations", summary: "Organisations within the caller's division scope", tag: "identity",
              query: [("division", divisionCode, "only this division"), ("limit", pageLimit, "page size, 1-500"), ("offset", pageOffset, "items to skip")],
              success: (200, "OrganisationPage", json)),
        .init(method: "post", path: "/api/v1/organisations", id: "createOrganisation", summary: "Create an organisation (platform admin)", tag: "identity",
              body: "NewOrganisation", success: (201, "Organisation", json)),
        .init(method: "get", path: "/api/v1/organisations/{code}", id: "getOrganisation", summary: "One organisation (403 outside scope)", tag: "identity",
              pathParameters: [("code", string())], success: (200, "Organisation", json)),
        .init(method: "get", path: "/api/v1/staff", id: "listStaff", summary: "Staff accounts within scope; names masked except for admins; audited", tag: "identity",
              query: [("organisation", string(), "only this organisation"), ("limit", pageLimit, "page size"), ("offset", pageOffset, "items to skip")],
              success: (200, "StaffPage", json)),
        .init(method: "post", path: "/api/v1/staff", id: "createStaff", summary: "Create a staff account (platform admin)", tag: "identity",
              body: "NewStaff", success: (201, "Staff", json)),
        .init(method: "put", path: "/api/v1/staff/{username}/password", id: "setStaffPassword", summary: "Set a password (own, or any as platform admin)", tag: "identity",
              body: "PasswordChange", pathParameters: [("username", string())], success: (204, nil, json)),
        .init(method: "get", path: "/api/v1/apikeys", id: "listAPIKeys", summary: "API keys (never their secrets)", tag: "identity", success: (200, "APIKeyList", json)),
        .init(method: "post", path: "/api/v1/apikeys", id: "createAPIKey", summary: "Create an API key for another government system; the secret is shown once", tag: "identity",
              body: "NewAPIKey", success: (201, "APIKey", json)),
        .init(method: "delete", path: "/api/v1/apikeys/{id}", id: "revokeAPIKey", summary: "Revoke an API key", tag: "identity",
              pathParameters: [("id", string())], success: (204, nil, json)),
        .init(method: "get", path: "/api/v1/divisions", id: "listDivisions", summary: "Divisions within scope", tag: "registry", success: (200, "DivisionList", json)),
        .init(method: "get", path: "/api/v1/divisions/locate", id: "locateDivision", summary: "The division containing a point (WGS84)", tag: "registry",
              query: [("lon", ["type": "number", "minimum": -180, "maximum": 180], "longitude"), ("lat", ["type": "number", "minimum": -90, "maximum": 90], "latitude")],
              success: (200, "Division", json)),
        .init(method: "get", path: "/api/v1/divisions/{code}", id: "getDivision", summary: "One division with its boundary (403 outside scope)", tag: "registry",
              pathParameters: [("code", string())], success: (200, "Division", json)),
        .init(method: "get", path: "/api/v1/audit", id: "listAudit", summary: "Audit entries, newest first (auditor)", tag: "audit",
              query: [("recordType", string(), "record type"), ("recordId", string(), "record id"), ("limit", pageLimit, "page size"), ("offset", pageOffset, "items to skip")],
              success: (200, "AuditEntryList", json)),
        .init(method: "get", path: "/api/v1/audit/verify", id: "verifyAudit", summary: "Check the audit hash chain (auditor)", tag: "audit", success: (200, "AuditVerification", json)),
    ]

    static func problemResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/problem+json": ["schema": ref("Problem")]]]
    }

    static var document: JSONValue {
        var paths: [(String, [(String, JSONValue)])] = []
        for op in operations {
            var pairs: [(String, JSONValue)] = [("operationId", .string(op.id)), ("summary", .string(op.summary)), ("tags", [.string(op.tag)])]
            var parameters: [JSONValue] = op.pathParameters.map { name, schema in ["name": .string(name), "in": "path", "required": true, "schema": schema] }
            parameters += op.query.map { name, schema, description in ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema] }
            if op.path == "/api/v1/divisions/locate" {
                parameters = op.query.map { name, schema, description in ["name": .string(name), "in": "query", "required": true, "description": .string(description), "schema": schema] }
            }
            if !parameters.isEmpty { pairs.append(("parameters", .array(parameters))) }
            if let body = op.body {
                pairs.append(("requestBody", ["required": true, "content": ["application/json": ["schema": ref(body)]]]))
            }
            var responses: [(String, JSONValue)] = []
            var success: [(String, JSONValue)] = [("description", "success")]
            if let schema = op.success.1 {
                success.append(("content", [op.success.2: ["schema": ref(schema)]]))
            } else if op.success.0 != 204 && op.success.0 != 303 {
                success.append(("content", [op.success.2: ["schema": [:]]]))
            }
            if op.success.0 == 303 { success.append(("headers", ["Location": ["schema": ["type": "string"]]])) }
            responses.append((String(op.success.0), .object(success)))
            if op.path == "/login" {
                responses.append(("401", ["description": "wrong credentials: the form again with the message", "content": [html: ["schema": [:]]]]))
                responses.append(("429", ["description": "too many failed logins from this address", "content": [html: ["schema": [:]]]]))
            } else if op.path.hasSuffix("/login") {
                responses.append(("429", problemResponse("too many failed logins: 30 from this address, or 5 at this account from this address, in 15 minutes; see Retry-After")))
            }
            if op.path == "/" { responses.append(("303", ["description": "no session: to the sign-in page", "headers": ["Location": ["schema": ["type": "string"]]]])) }
            if op.path == "/readyz" { responses.append(("503", ["description": "database unreachable", "content": [json: ["schema": [:]]]])) }
            if op.body != nil || !op.query.isEmpty || !op.pathParameters.isEmpty {
                responses.append(("400", problemResponse("bad input: the field at fault is named")))
            }
            if op.body != nil {
                responses.append(("413", problemResponse("body over the size limit")))
                responses.append(("415", problemResponse("body is not application/json")))
            }
            if op.authenticated || op.path.hasSuffix("/login") && op.path != "/login" { responses.append(("401", problemResponse("missing or bad credentials"))) }
            if op.authenticated { responses.append(("403", problemResponse("missing role or outside division scope (audited)"))) }
            if op.authenticated && (op.method != "get" || !op.pathParameters.isEmpty || op.path.contains("locate") || op.path.hasSuffix("/me")) {
                responses.append(("404", problemResponse("not found")))
            }
            if op.method == "post" && op.authenticated || op.id == "registerCitizen" { responses.append(("409", problemResponse("conflicts with an existing record"))) }
            if op.body != nil && op.authenticated || op.query.contains(where: { $0.0 == "organisation" }) {
                responses.append(("422", problemResponse("refers to a record that does not exist (e.g. an unknown organisation)")))
            }
            if op.id == "setStaffPassword" {
                responses.append(("429", problemResponse("too many wrong current passwords: limited like logins; see Retry-After")))
            }
            if op.path.hasPrefix("/api/") && op.id != "openapi" || op.authenticated {
                responses.append(("503", problemResponse("the database is unavailable: retry after the seconds in Retry-After")))
            }
            pairs.append(("responses", .object(responses)))
            if op.authenticated { pairs.append(("security", [["bearer": []], ["apiKey": []], ["cookie": []]])) } else { pairs.append(("security", [])) }
            if let index = paths.firstIndex(where: { $0.0 == op.path }) {
                paths[index].1.append((op.method, .object(pairs)))
            } else {
                paths.append((op.path, [(op.method, .object(pairs))]))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "CityHub API",
                "version": .string(WebController.version),
                "description": "周口城市大脑 CityHub: the city's data foundation, command center and applications. Errors are RFC 9457 problem+json with messages in Chinese and English.",
                "license": ["name": "Apache-2.0", "identifier": "Apache-2.0"],
            ],
            "servers": [["url": "/"]],
            "paths": .object(paths.map { ($0.0, .object($0.1)) }),
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/auth/login, or an API key"],
                    "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                    "cookie": ["type": "apiKey", "in": "cookie", "name": "cityhub_session"],
                ],
            ],
        ]
    }
}
