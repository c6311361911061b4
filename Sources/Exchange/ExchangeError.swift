import CityCore

/// Exchange's errors. Codes are `exchange.*`.
public enum ExchangeError: CityError, Equatable {
    case invalidField(String, zh: String, en: String)
    /// No resource with that code or short code in the catalogue.
    case unknownResource
    /// A short code another resource already carries.
    case shortCodeTaken(String)
    /// Only the providing organisation's data stewards may do this.
    case notProvider
    /// The resource is not shared (its legal basis is in the catalogue).
    case notShared
    /// Secret fields never leave through the exchange.
    case secretField(String)
    case unknownRequest
    /// The request was decided already.
    case requestDecided
    case unknownGrant
    /// The caller's organisation holds no live grant for the resource (or not for this system).
    case noGrant
    /// Fields were asked for that the grant does not cover.
    case fieldsNotGranted([String])
    /// Too many calls on one grant: wait `retryAfter` seconds.
    case rateLimited(seconds: Int)
    /// The dataset's rows cannot be loaded into a registry or the cases (they load themselves).
    case notADataset
    /// The API key named for a request is not the consumer organisation's, or is revoked.
    case unknownAPIKey
    case unknownSubscription
    /// The receiver's address is not one the platform calls (not http(s), or private without leave).
    case receiverRefused(String)

    public var code: String {
        switch self {
        case .invalidField: "exchange.invalid-field"
        case .unknownResource: "exchange.unknown-resource"
        case .shortCodeTaken: "exchange.short-code-taken"
        case .notProvider: "exchange.not-provider"
        case .notShared: "exchange.not-shared"
        case .secretField: "exchange.secret-field"
        case .unknownRequest: "exchange.unknown-request"
        case .requestDecided: "exchange.request-decided"
        case .unknownGrant: "exchange.unknown-grant"
        case .noGrant: "exchange.no-grant"
        case .fieldsNotGranted: "exchange.fields-not-granted"
        case .rateLimited: "exchange.rate-limited"
        case .notADataset: "exchange.not-a-dataset"
        case .unknownAPIKey: "exchange.unknown-api-key"
        case .unknownSubscription: "exchange.unknown-subscription"
        case .receiverRefused: "exchange.receiver-refused"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .invalidField, .secretField: .invalidInput
        case .unknownResource, .unknownRequest, .unknownGrant, .unknownSubscription: .notFound
        case .receiverRefused: .unprocessable
        case .shortCodeTaken, .requestDecided: .conflict
        case .notProvider, .noGrant, .fieldsNotGranted: .forbidden
        case .notShared, .notADataset, .unknownAPIKey: .unprocessable
        case .rateLimited: .rateLimited
        }
    }

    public var messageZh: String {
        switch self {
        case .invalidField(_, let zh, _): zh
        case .unknownResource: "目录中没有该编码的资源"
        case .shortCodeTaken(let code): "简码 \(code) 已被其他资源使用"
        case .notProvider: "只有资源提供单位的数据管理员可以进行此操作"
        case .notShared: "该资源不予共享，依据见目录"
        case .secretField(let field): "字段 \(field) 为涉密字段，不通过交换共享"
        case .unknownRequest: "没有该共享申请"
        case .requestDecided: "该共享申请已处理"
        case .unknownGrant: "没有该授权"
        case .noGrant: "您的单位没有该资源的有效授权（或该授权未绑定此系统）"
        case .fieldsNotGranted(let fields): "以下字段未获授权：\(fields.joined(separator: "、"))"
        case .rateLimited(let seconds): "调用过于频繁，请 \(seconds) 秒后再试"
        case .notADataset: "只有主题库可以通过交换上传数据"
        case .unknownAPIKey: "该 API 密钥不属于申请单位或已吊销"
        case .unknownSubscription: "没有该订阅"
        case .receiverRefused(let why): "不能向该地址推送：\(why)"
        }
    }

    public var messageEn: String {
        switch self {
        case .invalidField(_, _, let en): en
        case .unknownResource: "No resource with that code in the catalogue"
        case .shortCodeTaken(let code): "The short code \(code) belongs to another resource"
        case .notProvider: "Only the providing organisation's data stewards may do this"
        case .notShared: "This resource is not shared; the catalogue states the legal basis"
        case .secretField(let field): "Field \(field) is secret and never shared through the exchange"
        case .unknownRequest: "No such share request"
        case .requestDecided: "This share request has been decided already"
        case .unknownGrant: "No such grant"
        case .noGrant: "Your organisation holds no live grant for this resource (or the grant is for another system)"
        case .fieldsNotGranted(let fields): "Not granted: \(fields.joined(separator: ", "))"
        case .rateLimited(let seconds): "Too many calls on this grant; try again in \(seconds) s"
        case .notADataset: "Only thematic datasets take rows through the exchange"
        case .unknownAPIKey: "The API key is not the requesting organisation's, or it is revoked"
        case .unknownSubscription: "No such subscription"
        case .receiverRefused(let why): "The platform does not post to that address: \(why)"
        }
    }

    public var field: String? {
        switch self {
        case .invalidField(let field, _, _): field
        case .shortCodeTaken: "shortCode"
        case .secretField, .fieldsNotGranted: "fields"
        case .unknownAPIKey: "apiKeyId"
        case .receiverRefused: "url"
        default: nil
        }
    }

    public var retryAfter: Int? {
        if case .rateLimited(let seconds) = self { return seconds }
        return nil
    }
}
