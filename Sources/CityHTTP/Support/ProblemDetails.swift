import CityCore
import Foundation
import HTTPTypes
import Hummingbird

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
        case .conflict: .conflict
        case .unprocessable: .unprocessableContent
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}

extension CityError {
    /// The HTTP status of this error: the request layer's own, or its kind's.
    var status: HTTPResponse.Status {
        (self as? RequestProblem)?.status ?? kind.status
    }
}

/// Serialises a problem as `application/problem+json`.
func problemResponse(_ problem: ProblemDetails, status: HTTPResponse.Status, challenge: Bool = false) -> Response {
    // Written directly, keys sorted: refusals are on the hot path of every 401, 403 and 429.
    var json = JSONWriter(capacity: 512)
    json.beginObject()
    json.field("code", problem.code)
    json.field("detail", problem.detail)
    json.field("field", problem.field)
    json.field("instance", problem.instance)
    json.field("messageEn", problem.messageEn)
    json.field("messageZh", problem.messageZh)
    json.field("requestId", problem.requestId)
    json.key("status")
    json.integer(problem.status)
    json.field("title", problem.title)
    json.field("type", problem.type)
    json.endObject()
    let body = ByteBuffer(string: json.text)
    var headers: HTTPFields = [.contentType: "application/problem+json; charset=utf-8"]
    if challenge { headers[.wwwAuthenticate] = "Bearer realm=\"cityhub\"" }
    return Response(status: status, headers: headers, body: .init(byteBuffer: body))
}
