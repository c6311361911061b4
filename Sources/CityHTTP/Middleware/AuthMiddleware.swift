import CityCore
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Logging

/// Finds the caller: a bearer token (session or API key) in `Authorization`, an API key in
/// `X-API-Key`, or the web session cookie. Bad credentials do not fail here: they are remembered,
/// and `AuthenticatedContext` refuses them, so public routes stay reachable.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: SessionBook
    let keys: APIKeyRing
    let settings: HTTPSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.bodyLimit = settings.maxBodySize
        context.purpose = request.headers[.cityPurpose].map { Text.storable($0, maxCharacters: 200) }
        do {
            try await identify(request, &context)
        } catch {
            // The credential store did not answer: say so as problem+json rather than drop the request.
            return ProblemMiddleware<Context>.response(for: ProblemMiddleware<Context>.cityError(from: error, context: context), request: request, context: context)
        }
        return try await next(request, context)
    }

    private func identify(_ request: Request, _ context: inout Context) async throws {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                var token = parts[1][...]
                while token.first == " " || token.first == "\t" { token = token.dropFirst() }
                while token.last == " " || token.last == "\t" { token = token.dropLast() }
                context.principal = try await sessions.resolve(String(token))
                context.sessionToken = String(token)
            }
            if context.principal == nil { context.authFailure = .unauthenticated }
        } else if let key = request.headers[.apiKey] {
            context.principal = try await keys.authenticate(key)
            if context.principal == nil { context.authFailure = .unauthenticated }
        } else if let cookie = request.cookies[SessionCookie.name]?.value {
            if let principal = try await sessions.resolve(cookie), request.isSafeOrSameOrigin {
                context.principal = principal
                context.viaCookie = true
                context.sessionToken = cookie
            }
        }
    }
}

/// The web session cookie.
public enum SessionCookie {
    public static let name = "cityhub_session"

    /// The cookie carrying `value`: HttpOnly, SameSite=Lax, Secure unless the settings say otherwise.
    public static func make(_ value: String, maxAge: Int, settings: HTTPSettings) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookies, httpOnly: true, sameSite: .lax)
    }
}

extension Request {
    /// Whether a request may act with the session cookie: reads always; a change only when it
    /// names this server as its origin (`Origin`, or `Referer` where a client sends no `Origin`).
    /// A change naming neither is refused: every browser sends `Origin` on a cross-site POST, and
    /// a client that sends neither is not a page of ours. The cookie is SameSite=Lax as well.
    public var isSafeOrSameOrigin: Bool {
        guard ![.get, .head, .options].contains(method) else { return true }
        return isSameOrigin
    }

    /// Whether `Origin` (or failing it, `Referer`) names this server.
    public var isSameOrigin: Bool {
        guard let host = head.authority, let claimed = headers[.origin] ?? headers[.referer],
              let parts = URLComponents(string: claimed), let claimedHost = parts.host else { return false }
        return (parts.port.map { "\(claimedHost):\($0)" } ?? claimedHost) == host
    }
}

extension HTTPField.Name {
    static let apiKey = Self("X-API-Key")!
}
