import CityCore
import HTTPTypes

/// A problem with the request itself, found by the HTTP layer before any module sees it: a body
/// that is not JSON, an unknown field, a wrong method, an oversize upload. Codes are `request.*`;
/// the transport-only statuses (405, 413, 415) live here, not in CityCore.
public struct RequestProblem: CityError, Equatable {
    public let code: String
    public let status: HTTPResponse.Status
    public let messageZh: String
    public let messageEn: String
    public let field: String?

    init(code: String, status: HTTPResponse.Status, zh: String, en: String, field: String? = nil) {
        self.code = code
        self.status = status
        self.messageZh = zh
        self.messageEn = en
        self.field = field
    }

    public var kind: ErrorKind {
        switch status {
        case .notFound: .notFound
        case .serviceUnavailable: .unavailable
        case .internalServerError: .internal
        default: .invalidInput
        }
    }

    static func malformedJSON(empty: Bool) -> Self {
        .init(code: "request.malformed-json", status: .badRequest,
              zh: empty ? "请求体为空，应为 JSON 对象" : "请求体不是有效的 JSON（语法错误）",
              en: empty ? "The request body is empty: a JSON object is expected" : "The request body is not valid JSON (syntax error)")
    }
    static let notAnObject = Self(code: "request.malformed-json", status: .badRequest, zh: "请求体应为 JSON 对象", en: "The request body must be a JSON object")
    static func unknownField(_ name: String) -> Self {
        .init(code: "request.unknown-field", status: .badRequest, zh: "不认识的字段：\(name)", en: "Unknown field: \(name)", field: name)
    }
    static func missingField(_ name: String) -> Self {
        .init(code: "request.missing-field", status: .badRequest, zh: "缺少必填字段：\(name)", en: "Missing required field: \(name)", field: name)
    }
    static func wrongType(_ name: String, expected: String) -> Self {
        .init(code: "request.invalid-field", status: .badRequest, zh: "字段 \(name) 的类型不对（应为 \(expected)）",
              en: "Field \(name) has the wrong type (expected \(expected))", field: name)
    }
    static func invalidValue(_ name: String) -> Self {
        .init(code: "request.invalid-field", status: .badRequest, zh: "字段 \(name) 的值无效", en: "Field \(name) has an invalid value", field: name)
    }
    static func invalidPath(_ name: String, zh: String, en: String) -> Self {
        .init(code: "request.invalid-field", status: .badRequest, zh: zh, en: en, field: name)
    }
    static func tooLarge(limit: Int) -> Self {
        .init(code: "request.too-large", status: .contentTooLarge, zh: "请求体过大（上限 \(limit) 字节）", en: "The request body is too large (limit \(limit) bytes)")
    }
    static let unsupportedMediaType = Self(code: "request.unsupported-media-type", status: .unsupportedMediaType,
                                           zh: "请求体应为 application/json", en: "The request body must be application/json")
    static func methodNotAllowed(_ allowed: [String]) -> Self {
        .init(code: "request.method-not-allowed", status: .methodNotAllowed, zh: "该接口不支持此请求方法（可用：\(allowed.joined(separator: ", "))）",
              en: "Method not allowed on this endpoint (allowed: \(allowed.joined(separator: ", ")))")
    }
    static let routeNotFound = Self(code: "request.route-not-found", status: .notFound, zh: "没有这个接口或页面", en: "No such endpoint or page")
    static let bad = Self(code: "request.bad", status: .badRequest, zh: "请求无效", en: "Bad request")
    static func badHeader(_ name: String, zh: String, en: String) -> Self {
        .init(code: "request.invalid-header", status: .badRequest, zh: zh, en: en, field: name)
    }
    static func badQuery(_ name: String, zh: String, en: String) -> Self {
        .init(code: "request.invalid-query", status: .badRequest, zh: zh, en: en, field: name)
    }
    static func controlCharacter(_ name: String) -> Self {
        .init(code: "request.control-character", status: .badRequest, zh: "字段 \(name) 含有不允许的控制字符（如 NUL）",
              en: "Field \(name) holds a control character that is not allowed (such as NUL)", field: name)
    }
    static let internalError = Self(code: "internal", status: .internalServerError,
                                    zh: "服务器内部错误，请稍后再试并告知请求编号", en: "Internal server error: try again later and quote the request id")
    static let unavailable = Self(code: "unavailable", status: .serviceUnavailable, zh: "服务暂不可用", en: "The service is temporarily unavailable")
}
