import CityCore
import CityStore
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Logging
import NIOCore

/// An RFC 9457 problem detail, with CityHub's extensions: a stable `code`, the message in Chinese
/// and English, the field at fault, and the request id to quote to support.
public struct ProblemDetails: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var instance: String?
    public var code: String
    public var messageZh: String
    public var messageEn: String
    public var field: String?
    public var requestId: String?
}

extension ErrorKind {
    /// The HTTP status for this kind of failure.
    public var status: HTTPResponse.Status {
        switch self {
        case .invalidInput: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .unprocessable: .unprocessableContent
        case .tooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}

/// Problems raised by the HTTP layer itself.
public enum HTTPProblem {
    public static func malformedJSON(empty: Bool) -> PlatformError {
        .init(code: "request.malformed-json", kind: .invalidInput,
              zh: empty ? "请求体为空，应为 JSON 对象" : "请求体不是有效的 JSON（语法错误）",
              en: empty ? "The request body is empty: a JSON object is expected" : "The request body is not valid JSON (syntax error)")
    }
    public static let notAnObject = PlatformError(code: "request.malformed-json", kind: .invalidInput,
                                                   zh: "请求体应为 JSON 对象", en: "The request body must be a JSON object")
    public static func unknownField(_ name: String) -> PlatformError {
        .init(code: "request.unknown-field", kind: .invalidInput, zh: "不认识的字段：\(name)", en: "Unknown field: \(name)", field: name)
    }
    public static func missingField(_ name: String) -> PlatformError {
        .init(code: "request.missing-field", kind: .invalidInput, zh: "缺少必填字段：\(name)", en: "Missing required field: \(name)", field: name)
    }
    public static func wrongType(_ name: String, expected: String) -> PlatformError {
        .init(code: "request.invalid-field", kind: .invalidInput, zh: "字段 \(name) 的类型不对（应为 \(expected)）",
              en: "Field \(name) has the wrong type (expected \(expected))", field: name)
    }
    public static func invalidValue(_ name: String) -> PlatformError {
        .init(code: "request.invalid-field", kind: .invalidInput, zh: "字段 \(name) 的值无效", en: "Field \(name) has an invalid value", field: name)
    }
    public static func tooLarge(limit: Int) -> PlatformError {
        .init(code: "request.too-large", kind: .tooLarge, zh: "请求体过大（上限 \(limit) 字节）", en: "The request body is too large (limit \(limit) bytes)")
    }
    public static let unsupportedMediaType = PlatformError(code: "request.unsupported-media-type", kind: .unsupportedMediaType,
        zh: "请求体应为 application/json", en: "The request body must be application/json")
    public static func methodNotAllowed(_ allowed: [String]) -> PlatformError {
        .init(code: "request.method-not-allowed", kind: .methodNotAllowed, zh: "该接口不支持此请求方法（可用：\(allowed.joined(separator: ", "))）",
              en: "Method not allowed on this endpoint (allowed: \(allowed.joined(separator: ", ")))")
    }
    public static let routeNotFound = PlatformError(code: "request.route-not-found", kind: .notFound,
        zh: "没有这个接口或页面", en: "No such endpoint or page")
    public static func badQuery(_ name: String, zh: String, en: String) -> PlatformError {
        .init(code: "request.invalid-query", kind: .invalidInput, zh: zh, en: en, field: name)
    }
    public static func controlCharacter(_ name: String) -> PlatformError {
        .init(code: "request.control-character", kind: .invalidInput, zh: "字段 \(name) 含有不允许的控制字符（如 NUL）",
              en: "Field \(name) holds a control character that is not allowed (such as NUL)", field: name)
    }
    public static let internalError = PlatformError(code: "internal", kind: .internal,
        zh: "服务器内部错误，请稍后再试并告知请求编号", en: "Internal server error: try again later and quote the request id")
    public static let unavailable = PlatformError(code: "unavailable", kind: .unavailable,
        zh: "服务暂不可用", en: "The service is temporarily unavailable")
}

/// Turns every error a handler throws into problem+json, and writes every refusal (403) to the
/// audit log. Nothing internal (SQL text, stack traces, paths) reaches the client: unknown errors
/// are logged with the request id and answered with a generic 500.
struct ProblemMiddleware<Context: CityContext>: RouterMiddleware {
    let platform: Platform
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // A path that exists with other methods is a 405 with `Allow`, not a 404.
            let allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty else { return Self.response(for: HTTPProblem.routeNotFound, request: request, context: context) }
            var response = Self.response(for: HTTPProblem.methodNotAllowed(allowed), request: request, context: context)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        } catch {
            let cityError = Self.cityError(from: error, context: context)
            if cityError.kind == .forbidden {
                await platform.auditDenied(request: request, context: context, error: cityError)
            } else if (cityError as? IdentityError) == .unauthenticated, request.headers[.authorization] != nil || request.headers[.apiKey] != nil {
                // A token or key that is wrong, expired or revoked: audited, folded per address and minute.
                do {
                    try await platform.auditAnonymousRefusal(context, action: "identity.credential", recordType: "route",
                                                             recordID: "\(request.method) \(request.uri.path)", error: cityError)
                } catch {
                    context.logger.error("could not audit a refused credential", metadata: ["error": "\(error)"])
                }
            }
            return Self.response(for: cityError, request: request, context: context)
        }
    }

    static func cityError(from error: any Error, context: Context) -> any CityError {
        switch error {
        case StoreError.unavailable:
            // One code for an unreachable database, whichever layer noticed it.
            context.logger.error("database unavailable", metadata: ["error": "lease timed out"])
            return HTTPProblem.unavailable
        case is NIOTooManyBytesError:
            return HTTPProblem.tooLarge(limit: context.maxUploadSize)
        case let e as any CityError:
            if e.kind == .internal { context.logger.error("internal error", metadata: ["error": "\(e.code)"]) }
            return e
        case let e as HTTPError:
            switch e.status {
            case .notFound: return HTTPProblem.routeNotFound
            case .contentTooLarge: return HTTPProblem.tooLarge(limit: context.maxUploadSize)
            case .unsupportedMediaType: return HTTPProblem.unsupportedMediaType
            case .methodNotAllowed:
                return HTTPProblem.methodNotAllowed([])
            case .badRequest:
                return PlatformError(code: "request.bad", kind: .invalidInput, zh: "请求无效", en: "Bad request: \(e.body ?? "")")
            case .unauthorized:
                return IdentityError.unauthenticated
            default:
                context.logger.error("http error", metadata: ["status": "\(e.status.code)"])
                return HTTPProblem.internalError
            }
        case _ where Store.isUnavailable(error):
            context.logger.error("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            return HTTPProblem.unavailable
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return HTTPProblem.internalError
        }
    }

    static func response(for error: any CityError, request: Request, context: Context) -> Response {
        let status = error.kind.status
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

    /// What a 503 asks clients to wait before retrying, in seconds.
    static var unavailableRetryAfter: Int { 5 }
}

/// Serialises a problem as `application/problem+json`.
func problemResponse(_ problem: ProblemDetails, status: HTTPResponse.Status, challenge: Bool = false) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(problem)) ?? Data("{}".utf8)
    var headers: HTTPFields = [.contentType: "application/problem+json; charset=utf-8"]
    if challenge { headers[.wwwAuthenticate] = "Bearer realm=\"cityhub\"" }
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// The routes the router serves, by path pattern, so a known path asked with an unknown method
/// gets 405 and the methods it allows.
final class RouteTable: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(components: [Substring], method: String)] = []

    /// Records the router's routes; called once the router is complete.
    func load(_ routes: [(path: String, method: String)]) {
        let parsed = routes.map { (components: $0.path.split(separator: "/"), method: $0.method) }
        lock.withLock { entries = parsed }
    }

    /// The methods served at `path`, sorted; empty when no route matches it.
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        let all = lock.withLock { entries }
        let methods = all.filter { entry in
            entry.components.count == parts.count && zip(entry.components, parts).allSatisfy { pattern, part in
                pattern.hasPrefix("{") || pattern == part
            }
        }.map(\.method)
        return Array(Set(methods)).sorted()
    }
}
