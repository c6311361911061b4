import CityCore

/// Identity's errors: who may sign in, and who may touch what. Codes are `identity.*`.
public enum IdentityError: CityError, Equatable {
    case invalidCredentials
    /// This account has used up its failed logins from this address; seconds until it may try again.
    case accountLocked(retryAfter: Int)
    case accountInactive
    case unauthenticated
    case weakPassword
    case usernameTaken(String)
    case phoneTaken
    case unknownOrganisation(String)
    case organisationExists(String)
    /// An organisation asked for by its code that does not exist, or lies outside the caller's scope.
    case organisationNotFound(String)
    case wrongCurrentPassword
    case logoutWithAPIKey
    case unknownStaffMember(String)
    case unknownAPIKey(String)
    /// This address has used up its failed logins; seconds until it may try again.
    case tooManyAttempts(retryAfter: Int)
    /// This address has registered as many citizen accounts as it may for now.
    case tooManyRegistrations(retryAfter: Int)
    /// A field of a request has the wrong form.
    case invalidField(String, zh: String, en: String)
    /// The caller lacks every role that allows this.
    case missingRole([Role])
    /// The record lies outside the caller's division scope.
    case outsideScope(DivisionCode)
    /// Only staff and other systems (principals with a division scope) may do this.
    case needsStaffScope
    /// A citizen's own account, asked for by someone who is not that citizen.
    case notACitizen
    /// A sign-in code that is wrong, used up or expired.
    case wrongCode
    /// A code was sent to this phone a moment ago; seconds until another may be.
    case codeTooSoon(retryAfter: Int)

    public var code: String {
        switch self {
        case .invalidCredentials: "identity.invalid-credentials"
        case .accountLocked: "identity.account-locked"
        case .accountInactive: "identity.account-inactive"
        case .unauthenticated: "identity.unauthenticated"
        case .weakPassword: "identity.weak-password"
        case .usernameTaken: "identity.username-taken"
        case .phoneTaken: "identity.phone-taken"
        case .unknownOrganisation: "identity.unknown-organisation"
        case .organisationExists: "identity.organisation-exists"
        case .organisationNotFound: "identity.organisation-not-found"
        case .wrongCurrentPassword: "identity.wrong-current-password"
        case .logoutWithAPIKey: "identity.logout-api-key"
        case .unknownStaffMember: "identity.unknown-staff-member"
        case .unknownAPIKey: "identity.unknown-api-key"
        case .tooManyAttempts: "identity.too-many-attempts"
        case .tooManyRegistrations: "identity.too-many-registrations"
        case .invalidField: "identity.invalid-field"
        case .missingRole: "identity.forbidden-role"
        case .outsideScope: "identity.outside-division-scope"
        case .needsStaffScope: "identity.staff-only"
        case .notACitizen: "identity.citizens-only"
        case .wrongCode: "identity.wrong-code"
        case .codeTooSoon: "identity.code-too-soon"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .invalidCredentials, .unauthenticated, .accountInactive, .wrongCode: .unauthenticated
        case .codeTooSoon: .rateLimited
        case .weakPassword, .wrongCurrentPassword, .invalidField: .invalidInput
        case .logoutWithAPIKey, .unknownOrganisation: .unprocessable
        case .usernameTaken, .phoneTaken, .organisationExists: .conflict
        case .unknownStaffMember, .unknownAPIKey, .organisationNotFound: .notFound
        case .tooManyAttempts, .accountLocked, .tooManyRegistrations: .rateLimited
        case .missingRole, .outsideScope, .needsStaffScope, .notACitizen: .forbidden
        }
    }

    public var messageZh: String {
        switch self {
        case .invalidCredentials: "用户名或密码错误"
        case .accountLocked(let s): "此账号在本地址登录失败次数过多，请 \(Self.minutes(s)) 分钟后再试"
        case .accountInactive: "账号尚未激活或已停用，请联系管理员"
        case .unauthenticated: "请先登录，或提供有效的访问令牌"
        case .weakPassword: "密码须为 10 个字符至 72 字节，且同时包含英文字母和数字"
        case .usernameTaken(let u): "用户名 \(u) 已被使用"
        case .phoneTaken: "该手机号已注册"
        case .unknownOrganisation(let c): "机构 \(c) 不存在"
        case .organisationExists(let c): "机构代码 \(c) 已存在"
        case .organisationNotFound(let c): "未找到机构 \(c)"
        case .wrongCurrentPassword: "当前密码不正确"
        case .logoutWithAPIKey: "API 密钥不能通过登出失效，请由管理员撤销（DELETE /api/v1/apikeys/{id}）"
        case .unknownStaffMember(let u): "工作人员 \(u) 不存在"
        case .unknownAPIKey(let id): "API 密钥 \(id) 不存在"
        case .tooManyAttempts(let s): "该地址登录失败次数过多，请 \(Self.minutes(s)) 分钟后再试"
        case .tooManyRegistrations(let s): "该地址注册次数过多，请 \(Self.minutes(s)) 分钟后再试"
        case .invalidField(_, let zh, _): zh
        case .missingRole(let roles): "当前账号无权执行此操作（需要角色：\(roles.map { "\($0.labelZh)/\($0.rawValue)" }.joined(separator: "、"))）"
        case .outsideScope(let d): "无权访问行政区划 \(d) 的数据"
        case .needsStaffScope: "仅限工作人员或接入系统使用"
        case .notACitizen: "仅限市民本人使用"
        case .wrongCode: "验证码错误或已过期，请重新获取"
        case .codeTooSoon(let s): "验证码已发送，请 \(s) 秒后再重新获取"
        }
    }

    public var messageEn: String {
        switch self {
        case .invalidCredentials: "Wrong username or password"
        case .accountLocked(let s): "Too many failed logins at this account from this address: try again in \(Self.minutes(s)) minutes"
        case .accountInactive: "The account is not activated or is disabled; ask an administrator"
        case .unauthenticated: "Log in first, or send a valid access token"
        case .weakPassword: "A password needs 10 characters to 72 bytes with both Latin letters and digits"
        case .usernameTaken(let u): "Username \(u) is taken"
        case .phoneTaken: "That phone number is already registered"
        case .unknownOrganisation(let c): "Organisation \(c) does not exist"
        case .organisationExists(let c): "Organisation \(c) exists"
        case .organisationNotFound(let c): "Organisation \(c) not found"
        case .wrongCurrentPassword: "The current password is wrong"
        case .logoutWithAPIKey: "An API key does not end at logout: an administrator revokes it (DELETE /api/v1/apikeys/{id})"
        case .unknownStaffMember(let u): "Staff member \(u) does not exist"
        case .unknownAPIKey(let id): "API key \(id) does not exist"
        case .tooManyAttempts(let s): "Too many failed logins from this address: try again in \(Self.minutes(s)) minutes"
        case .tooManyRegistrations(let s): "Too many registrations from this address: try again in \(Self.minutes(s)) minutes"
        case .invalidField(_, _, let en): en
        case .missingRole(let roles): "This account may not do this (needs role: \(roles.map(\.rawValue).joined(separator: ", ")))"
        case .outsideScope(let d): "This account may not access data of division \(d)"
        case .needsStaffScope: "Only staff members and connected systems may do this"
        case .notACitizen: "Only the citizen themself may do this"
        case .wrongCode: "The code is wrong or has expired: ask for a new one"
        case .codeTooSoon(let s): "A code was just sent: ask again in \(s) seconds"
        }
    }

    public var retryAfter: Int? {
        switch self {
        case .accountLocked(let s), .tooManyAttempts(let s), .tooManyRegistrations(let s), .codeTooSoon(let s): s
        default: nil
        }
    }

    /// A password that did not match (or an account that cannot sign in): what the login limits count.
    public var isFailedPasswordCheck: Bool {
        switch self {
        case .invalidCredentials, .accountInactive, .wrongCurrentPassword, .unauthenticated, .wrongCode: true
        default: false
        }
    }

    static func minutes(_ seconds: Int) -> Int { max(1, (seconds + 59) / 60) }

    public var field: String? {
        switch self {
        case .weakPassword: "password"
        case .usernameTaken: "username"
        case .phoneTaken: "phone"
        case .organisationExists: "code"
        case .wrongCurrentPassword: "currentPassword"
        case .unknownOrganisation: "organisationCode"
        case .invalidField(let field, _, _): field
        default: nil
        }
    }
}
