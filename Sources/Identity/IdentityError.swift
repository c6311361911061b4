import CityCore

/// Identity's errors.
public enum IdentityError: CityError, Equatable {
    case invalidCredentials
    case accountLocked
    case accountInactive
    case unauthenticated
    case weakPassword
    case usernameTaken(String)
    case phoneTaken
    case unknownOrganisation(String)
    case unknownUser(String)
    case tooManyAttempts

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
        case .unknownUser: "identity.unknown-user"
        case .tooManyAttempts: "identity.too-many-attempts"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .invalidCredentials, .unauthenticated, .accountLocked, .accountInactive: .unauthenticated
        case .weakPassword: .invalidInput
        case .usernameTaken, .phoneTaken: .conflict
        case .unknownOrganisation: .unprocessable
        case .unknownUser: .notFound
        case .tooManyAttempts: .rateLimited
        }
    }

    public var messageZh: String {
        switch self {
        case .invalidCredentials: "用户名或密码错误"
        case .accountLocked: "登录失败次数过多，账号已暂时锁定，请 15 分钟后再试"
        case .accountInactive: "账号尚未激活或已停用，请联系管理员"
        case .unauthenticated: "请先登录，或提供有效的访问令牌"
        case .weakPassword: "密码须为 10 至 200 位，且同时包含英文字母和数字"
        case .usernameTaken(let u): "用户名 \(u) 已被使用"
        case .phoneTaken: "该手机号已注册"
        case .unknownOrganisation(let c): "机构 \(c) 不存在"
        case .unknownUser(let u): "用户 \(u) 不存在"
        case .tooManyAttempts: "该地址登录失败次数过多，请 15 分钟后再试"
        }
    }

    public var messageEn: String {
        switch self {
        case .invalidCredentials: "Wrong username or password"
        case .accountLocked: "Too many failed logins: the account is locked for 15 minutes"
        case .accountInactive: "The account is not activated or is disabled; ask an administrator"
        case .unauthenticated: "Log in first, or send a valid access token"
        case .weakPassword: "A password needs 10 to 200 characters with both Latin letters and digits"
        case .usernameTaken(let u): "Username \(u) is taken"
        case .phoneTaken: "That phone number is already registered"
        case .unknownOrganisation(let c): "Organisation \(c) does not exist"
        case .unknownUser(let u): "User \(u) does not exist"
        case .tooManyAttempts: "Too many failed logins from this address: try again in 15 minutes"
        }
    }

    public var field: String? {
        switch self {
        case .weakPassword: "password"
        case .usernameTaken: "username"
        case .phoneTaken: "phone"
        case .unknownOrganisation: "organisationCode"
        default: nil
        }
    }
}
