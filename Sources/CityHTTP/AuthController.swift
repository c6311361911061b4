import CityCore
import Foundation
import Hummingbird
import Identity

/// `POST /api/v1/auth/login` and friends: tokens for staff and citizens.
struct AuthController {
    let platform: Platform

    struct LoginRequest: JSONBody {
        let username: String
        let password: String
        static let fields: Set<String> = ["username", "password"]
    }

    struct TokenResponse: ResponseEncodable {
        let token: String
        let tokenType = "Bearer"
        let expiresAt: Date
        let me: MeResponse
    }

    struct MeResponse: ResponseEncodable {
        let kind: String
        let id: String
        let displayName: String
        let organisationCode: String?
        let scope: String?
        let roles: [String]

        init(_ p: Principal) {
            kind = p.kind.rawValue
            id = p.id
            displayName = p.displayName
            organisationCode = p.organisationCode
            scope = p.scope?.rawValue
            roles = p.roles.sorted().map(\.rawValue)
        }
    }

    struct CitizenRegistration: JSONBody {
        let phone: String
        let displayName: String
        let password: String
        static let fields: Set<String> = ["phone", "displayName", "password"]
    }

    struct CitizenLogin: JSONBody {
        let phone: String
        let password: String
        static let fields: Set<String> = ["phone", "password"]
    }

    struct CitizenResponse: ResponseEncodable {
        let id: Int64
        let phone: String
        let displayName: String
    }

    func addPublicRoutes(to api: RouterGroup<AppRequestContext>) {
        api.post("/auth/login") { request, context -> EditedResponse<TokenResponse> in
            let body = try await request.decodeStrict(as: LoginRequest.self, context: context)
            let principal: Principal
            do {
                principal = try await platform.throttle.guarding(source: context.remoteAddress, account: body.username) {
                    try await platform.staff.authenticate(username: body.username, password: body.password)
                }
            } catch let error as IdentityError {
                try await platform.auditLoginRefusal(context, action: "identity.login", recordType: "staff", recordID: body.username, error: error)
                throw error
            }
            let session = try await platform.sessions.issue(for: principal, channel: .api)
            try await platform.audit.append(.init(actor: principal.auditActor, action: "identity.login", recordType: "staff", recordID: principal.id,
                                                  divisionCode: principal.scope?.rawValue, source: context.remoteAddress, requestID: context.requestID))
            return EditedResponse(status: .ok, response: TokenResponse(token: session.token, expiresAt: session.expiresAt, me: MeResponse(principal)))
        }
        api.post("/citizens") { request, context -> EditedResponse<CitizenResponse> in
            let body = try await request.decodeStrict(as: CitizenRegistration.self, context: context)
            guard (1...40).contains(body.displayName.count) else {
                throw PlatformError.invalidField("displayName", zh: "姓名应为 1 至 40 个字符", en: "displayName must be 1 to 40 characters")
            }
            let citizen = try await platform.citizens.register(phone: body.phone, displayName: body.displayName, password: body.password)
            try await platform.audit.append(.init(actor: "citizen:\(citizen.id)", action: "identity.citizen.register", recordType: "citizen",
                                                  recordID: String(citizen.id), source: context.remoteAddress, requestID: context.requestID))
            return EditedResponse(status: .created, response: CitizenResponse(id: citizen.id, phone: Masking.phone(citizen.phone), displayName: citizen.displayName))
        }
        api.post("/citizens/login") { request, context -> TokenResponse in
            let body = try await request.decodeStrict(as: CitizenLogin.self, context: context)
            let principal: Principal
            do {
                principal = try await platform.throttle.guarding(source: context.remoteAddress, account: body.phone) {
                    try await platform.citizens.authenticate(phone: body.phone, password: body.password)
                }
            } catch let error as IdentityError {
                try await platform.auditLoginRefusal(context, action: "identity.citizen.login", recordType: "citizen", recordID: Masking.phone(body.phone), error: error)
                throw error
            }
            let session = try await platform.sessions.issue(for: principal, channel: .api)
            try await platform.audit.append(.init(actor: principal.auditActor, action: "identity.citizen.login", recordType: "citizen", recordID: principal.id,
                                                  source: context.remoteAddress, requestID: context.requestID))
            return TokenResponse(token: session.token, expiresAt: session.expiresAt, me: MeResponse(principal))
        }
    }

    func addRoutes(to api: RouterGroup<AuthenticatedContext>) {
        api.get("/me") { _, context -> MeResponse in
            MeResponse(context.caller)
        }
        api.post("/auth/logout") { _, context -> Response in
            guard context.caller.kind != .apiKey else { throw IdentityError.logoutWithAPIKey }
            if let token = context.sessionToken { try await platform.sessions.revoke(token) }
            try await platform.audit(context, action: "identity.logout", recordType: context.caller.kind.rawValue, recordID: context.caller.id)
            return Response(status: .noContent)
        }
        api.get("/citizens/me") { _, context -> CitizenResponse in
            guard context.caller.kind == .citizen, let citizen = try await platform.citizens.find(id: context.caller.id) else {
                throw PlatformError.notFound("Citizen account", zhWhat: "市民账号")
            }
            // A citizen reading their own record sees it unmasked; the read is still audited.
            try await platform.audit(context, action: "identity.citizen.read", recordType: "citizen", recordID: context.caller.id, purpose: "self")
            return CitizenResponse(id: citizen.id, phone: citizen.phone, displayName: citizen.displayName)
        }
    }
}
