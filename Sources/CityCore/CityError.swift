// CityCore: the values every CityHub module shares. Foundation only: no HTTP, no SQL.

/// What kind of failure an error is, so the HTTP layer can pick a status without knowing the module.
public enum ErrorKind: String, Sendable, Codable {
    case invalidInput
    case unauthenticated
    case forbidden
    case notFound
    case methodNotAllowed
    case conflict
    /// Well-formed, but it refers to something that does not exist or breaks a rule of the domain.
    case unprocessable
    case tooLarge
    case unsupportedMediaType
    case rateLimited
    case unavailable
    case `internal`
}

/// A typed error every module's error type conforms to: a stable machine code, a Chinese and an
/// English message, and the field at fault. Nothing internal (SQL, paths) belongs in the messages.
public protocol CityError: Error, Sendable {
    /// Stable machine code, e.g. `identity.invalid-credentials`.
    var code: String { get }
    var kind: ErrorKind { get }
    /// The message in Chinese (zh-CN), shown to users by default.
    var messageZh: String { get }
    /// The message in English.
    var messageEn: String { get }
    /// The JSON pointer or field name at fault, when there is one.
    var field: String? { get }
    /// For refusals that pass with time (rate limits, an unavailable database): seconds to wait.
    var retryAfter: Int? { get }
}

extension CityError {
    public var retryAfter: Int? { nil }
}

/// A ready-made CityError for the common cases that belong to no module.
public struct PlatformError: CityError, Equatable {
    public let code: String
    public let kind: ErrorKind
    public let messageZh: String
    public let messageEn: String
    public let field: String?

    /// Creates an error with both messages.
    public init(code: String, kind: ErrorKind, zh: String, en: String, field: String? = nil) {
        self.code = code
        self.kind = kind
        self.messageZh = zh
        self.messageEn = en
        self.field = field
    }

    /// A required field is missing or has the wrong form.
    public static func invalidField(_ field: String, zh: String, en: String) -> Self {
        .init(code: "request.invalid-field", kind: .invalidInput, zh: zh, en: en, field: field)
    }

    /// The named record does not exist (or the caller may not know it exists).
    public static func notFound(_ what: String, zhWhat: String) -> Self {
        .init(code: "request.not-found", kind: .notFound, zh: "未找到\(zhWhat)", en: "\(what) not found")
    }

    /// The caller lacks the role for this action.
    public static func missingRole(_ roleNames: [String]) -> Self {
        .init(
            code: "auth.forbidden-role", kind: .forbidden,
            zh: "当前账号无权执行此操作（需要角色：\(roleNames.joined(separator: "、"))）",
            en: "This account may not do this (needs role: \(roleNames.joined(separator: ", ")))"
        )
    }

    /// The record lies outside the caller's division scope.
    public static func outsideScope(_ division: DivisionCode) -> Self {
        .init(
            code: "auth.outside-division-scope", kind: .forbidden,
            zh: "无权访问行政区划 \(division) 的数据",
            en: "This account may not access data of division \(division)"
        )
    }
}
