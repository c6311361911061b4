// CityCore: the values every CityHub module shares. Foundation only: no HTTP, no SQL.

/// What kind of failure an error is, so the HTTP layer can pick a status without knowing the
/// module. Kinds that only a transport has (a wrong method, an oversize body) live there.
public enum ErrorKind: String, Sendable, Codable {
    case invalidInput
    case unauthenticated
    case forbidden
    case notFound
    case conflict
    /// Well-formed, but it refers to something that does not exist or breaks a rule of the domain.
    case unprocessable
    case rateLimited
    case unavailable
    case `internal`
}

/// The error every module's one error type conforms to: a stable machine code in the module's
/// family (`identity.*`, `registry.*`), a Chinese and an English message, the field at fault, and
/// the cause underneath for the log. Nothing internal (SQL, paths) belongs in the messages.
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
    /// What went wrong underneath (a driver error, a decoding failure): logged, never shown.
    var underlying: String? { get }
}

extension CityError {
    public var retryAfter: Int? { nil }
    public var underlying: String? { nil }
}
