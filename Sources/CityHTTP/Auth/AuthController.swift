import CityCore
import Foundation
import Hummingbird
import Identity

/// Signing in and out over the API, for staff and citizens.
struct AuthController {
    let signIn: SignIn
    let sessions: SessionBook
    let citizens: CitizenAccounts

    func addPublicRoutes(to api: RouterGroup<AppRequestContext>) {
        api.post("/auth/login", use: login)
        api.post("/citizens", use: registerCitizen)
        api.post("/citizens/login", use: citizenLogin)
    }

    func addRoutes(to api: RouterGroup<AuthenticatedContext>) {
        api.get("/me", use: me)
        api.post("/auth/logout", use: logout)
        api.get("/citizens/me", use: citizenMe)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> TokenDTO {
        let body = try await request.decodeStrict(as: LoginRequest.self, context: context)
        return TokenDTO(try await signIn.staff(username: body.username, password: body.password, channel: .api, origin: context.auditOrigin))
    }

    @Sendable func registerCitizen(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<CitizenDTO> {
        let body = try await request.decodeStrict(as: CitizenRegistration.self, context: context)
        let citizen = try await citizens.register(phone: body.phone, displayName: body.displayName, password: body.password, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: CitizenDTO(citizen, masked: true))
    }

    @Sendable func citizenLogin(_ request: Request, context: AppRequestContext) async throws -> TokenDTO {
        let body = try await request.decodeStrict(as: CitizenLogin.self, context: context)
        return TokenDTO(try await signIn.citizen(phone: body.phone, password: body.password, origin: context.auditOrigin))
    }

    @Sendable func me(_ request: Request, context: AuthenticatedContext) async throws -> MeDTO {
        MeDTO(context.caller)
    }

    @Sendable func logout(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await sessions.signOut(context.sessionToken, by: context.caller, channel: context.sessionChannel, origin: context.auditOrigin)
        return Response(status: .noContent)
    }

    @Sendable func citizenMe(_ request: Request, context: AuthenticatedContext) async throws -> CitizenDTO {
        // A citizen reading their own record sees it unmasked; the read is still audited.
        CitizenDTO(try await citizens.ownAccount(by: context.caller, origin: context.auditOrigin), masked: false)
    }
}
