import CityCore
import CityStore
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Logging
import NIOCore

/// Turns every error a handler throws into problem+json (an HTML page for a browser asking for a
/// page that does not exist), and writes every refusal (403) and every refused credential to the
/// audit log. Nothing internal (SQL text, stack traces, paths) reaches the client: unknown errors
/// are logged with the request id and their cause, and answered with a generic 500.
struct ProblemMiddleware<Context: CityContext>: RouterMiddleware {
    let audit: AuditLog
    let signIn: SignIn
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: request.uri.path)
            // A path that exists with other methods is a 405 with `Allow`, not a 404.
            guard !allowed.isEmpty else {
                if !request.uri.path.hasPrefix("/api/"), request.headers[.accept]?.contains("text/html") == true {
                    return Self.notFoundPage(context: context)
                }
                return Self.response(for: RequestProblem.routeNotFound, request: request, context: context)
            }
            var response = Self.response(for: RequestProblem.methodNotAllowed(allowed), request: request, context: context)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        } catch let page as PageFailure {
            _ = await refusal(page.cause, request: request, context: context)
            return page.response
        } catch {
            return Self.response(for: await refusal(error, request: request, context: context), request: request, context: context)
        }
    }

    /// The error as a CityError, with refusals audited on the way.
    private func refusal(_ error: any Error, request: Request, context: Context) async -> any CityError {
        let cityError = Self.cityError(from: error, context: context)
        let route = "\(request.method) \(request.uri.path)"
        do {
            if cityError.kind == .forbidden {
                try await audit.append(AuditEntry(actor: context.principal?.auditActor ?? "anonymous", action: "http.denied", recordType: "route", recordID: route,
                                                  divisionCode: context.principal?.scope?.root.rawValue, origin: context.auditOrigin, outcome: "denied",
                                                  detail: cityError.code))
            } else if (cityError as? IdentityError) == .unauthenticated, request.headers[.authorization] != nil || request.headers[.apiKey] != nil {
                // A token or key that is wrong, expired or revoked: audited, folded per address and minute.
                try await signIn.auditRefusedCredential(route: route, origin: context.auditOrigin)
            }
        } catch {
            context.logger.error("could not audit a refusal", metadata: ["error": "\(String(reflecting: error))"])
        }
        return cityError
    }

    static func cityError(from error: any Error, context: Context) -> any CityError {
        switch error {
        case let e as any CityError where e.kind == .unavailable:
            // One code for an unreachable database, whichever layer noticed it; the cause is logged.
            context.logger.error("database unavailable", metadata: ["code": "\(e.code)", "cause": "\(e.underlying ?? "-")"])
            return RequestProblem.unavailable
        case is NIOTooManyBytesError:
            return RequestProblem.tooLarge(limit: context.maxUploadSize)
        case let e as any CityError:
            if e.kind == .internal { context.logger.error("internal error", metadata: ["code": "\(e.code)", "cause": "\(e.underlying ?? "-")"]) }
            return e
        case let e as HTTPError:
            switch e.status {
            case .notFound: return RequestProblem.routeNotFound
            case .contentTooLarge: return RequestProblem.tooLarge(limit: context.maxUploadSize)
            case .unsupportedMediaType: return RequestProblem.unsupportedMediaType
            case .methodNotAllowed: return RequestProblem.methodNotAllowed([])
            case .badRequest: return RequestProblem.bad
            case .unauthorized: return IdentityError.unauthenticated
            default:
                context.logger.error("http error", metadata: ["status": "\(e.status.code)"])
                return RequestProblem.internalError
            }
        case _ where Store.isUnavailable(error):
            context.logger.error("database unavailable", metadata: ["cause": "\(String(reflecting: error))"])
            return RequestProblem.unavailable
        default:
            context.logger.error("unhandled error", metadata: ["cause": "\(String(reflecting: error))"])
            return RequestProblem.internalError
        }
    }

    static func response(for error: any CityError, request: Request, context: Context) -> Response {
        let status = error.status
        // Open311 clients read the spec's error list, in the format the path asks for.
        if request.uri.path.hasPrefix(Open311Controller.root + "/") {
            return (request.uri.path.hasSuffix(".xml") ? Open311Format.xml : .json).error(status, error.messageEn)
        }
        let problem = ProblemDetails(
            type: "urn:cityhub:problem:\(error.code)",
            title: status.reasonPhrase,
            status: status.code,
            detail: error.messageEn,
            instance: request.uri.path,
            code: error.code,
            messageZh: error.messageZh,
            messageEn: error.messageEn,
            field: error.field,
            requestId: context.requestID
        )
        var response = problemResponse(problem, status: status, challenge: error.kind == .unauthenticated)
        if let seconds = error.retryAfter ?? (error.kind == .unavailable ? Self.unavailableRetryAfter : nil) {
            response.headers[.retryAfter] = String(seconds)
        }
        return response
    }

    /// The page a browser gets for a path that does not exist.
    static func notFoundPage(context: Context) -> Response {
        let html = """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>页面不存在 · Page not found · CityHub</title><link rel="stylesheet" href="/static/city.css"><link rel="icon" href="/static/favicon.svg"></head>
            <body><main class="card"><h1>页面不存在 <small lang="en">Page not found</small></h1>
            <p>您要找的页面不存在或已移动。<span lang="en">The page you asked for does not exist or has moved.</span></p>
            <p><a href="/">返回工作台 <span lang="en">Back to the workbench</span></a></p>
            <p class="muted">请求编号 Request id: \(context.requestID)</p></main></body></html>
            """
        return Response(status: .notFound, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// What a 503 asks clients to wait before retrying, in seconds.
    static var unavailableRetryAfter: Int { 5 }
}

/// A page's answer to a request it refuses or cannot serve: the page that says so, and the error
/// it shows. `ProblemMiddleware` audits it as it audits the API's refusals (every 403), then sends
/// the page instead of problem+json.
public struct PageFailure: Error {
    public let cause: any CityError
    public let response: Response

    public init(_ cause: any CityError, page response: Response) {
        self.cause = cause
        self.response = response
    }
}

/// The HTML "page not found" (404), for pages that find no such record.
public func notFoundPage(_ context: AppRequestContext) -> Response {
    ProblemMiddleware<AppRequestContext>.notFoundPage(context: context)
}
