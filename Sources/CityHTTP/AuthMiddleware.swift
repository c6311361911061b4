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
    static let cookieName = "cityhub_session"
    let platform: Platform

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.bodyLimit = platform.settings.maxBodySize
        do {
            try await identify(request, &context)
        } catch {
            // The credential store did not answer: say so as problem+json rather than drop the request.
            return ProblemMiddleware<Context>.response(for: ProblemMiddleware<Context>.cityError(from: error, context: context), request: request, context: context)
        }
        if let principal = context.principal {
            context.logger[metadataKey: "principal"] = .string(principal.auditActor)
        }
        return try await next(request, context)
    }

    private func identify(_ request: Request, _ context: inout Context) async throws {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
                context.principal = try await platform.sessions.resolve(token)
                context.sessionToken = token
            }
            if context.principal == nil { context.authFailure = .unauthenticated }
        } else if let key = request.headers[.apiKey] {
            context.principal = try await platform.keys.authenticate(key)
            if context.principal == nil { context.authFailure = .unauthenticated }
        } else if let cookie = request.cookies[Self.cookieName]?.value {
            if let principal = try await platform.sessions.resolve(cookie), Self.sameOrigin(request) {
                context.principal = principal
                context.viaCookie = true
                context.sessionToken = cookie
            }
        }
    }

    /// A cookie-authenticated request that changes something must come from our own pages: the
    /// session cookie is SameSite=Lax, and an `Origin` naming another host is refused as well.
    static func sameOrigin(_ request: Request) -> Bool {
        guard ![.get, .head, .options].contains(request.method) else { return true }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return URLComponents(string: origin).map { c in
            let originHost = c.host.map { h in c.port.map { "\(h):\($0)" } ?? h }
            return originHost == host
        } ?? false
    }
}

extension HTTPField.Name {
    static let apiKey = Self("X-API-Key")!
}

/// One structured log line per request: method, path, status, duration, request id; and the
/// request id echoed in `X-Request-Id`.
struct RequestLogMiddleware<Context: CityContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let status = response.status.code
        context.logger.log(level: status >= 500 ? .error : .info, "request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(status),
            "ms": .string(String(format: "%.2f", ms)),
        ])
        return response
    }
}

/// Security headers on every response.
struct SecurityHeadersMiddleware<Context: CityContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        }
        if response.headers[.cacheControl] == nil, request.uri.path.hasPrefix("/api/") {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}

/// Refuses control characters (NUL and friends, also percent-encoded) in the path and the query
/// before anything reads them: they would be cut by SQLite, refused by PostgreSQL, and could make
/// a static file name end differently from what its extension claims (`home.js%00.html`).
struct InputBoundaryMiddleware<Context: CityContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Text.hasForbiddenControl(path.removingPercentEncoding ?? path) {
            throw HTTPProblem.controlCharacter("path")
        }
        for (name, value) in request.uri.queryParameters where Text.hasForbiddenControl(name) || Text.hasForbiddenControl(value) {
            throw HTTPProblem.controlCharacter(Text.storable(String(name), maxCharacters: 80))
        }
        return try await next(request, context)
    }
}
