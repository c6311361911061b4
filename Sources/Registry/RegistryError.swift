import CityCore

/// Registry's errors. Codes are `registry.*`.
public enum RegistryError: CityError, Equatable {
    case badGeoJSON(String)
    case unknownDivision(DivisionCode)
    /// No division of the city contains the point.
    case noDivisionAt
    case invalidField(String, zh: String, en: String)
    /// No person with that ID number within the caller's scope (outside it is answered the same).
    case unknownPerson
    /// Plain personal values were asked for without a grant that allows them.
    case noGrantForPlain
    /// Plain personal values were asked for without stating a purpose.
    case purposeRequired
    /// No grid cell with that code within the caller's scope.
    case unknownGrid
    /// No legal entity with that credit code within the caller's scope.
    case unknownEntity
    /// The ID number, the name and the account's phone do not together name one person in the
    /// registry (which of them differs is not said).
    case bindingRefused
    /// Binding needs a phone proved by a sign-in code.
    case phoneNotVerified

    public var code: String {
        switch self {
        case .badGeoJSON: "registry.bad-geojson"
        case .unknownDivision: "registry.unknown-division"
        case .noDivisionAt: "registry.no-division-at-point"
        case .invalidField: "registry.invalid-field"
        case .unknownPerson: "registry.unknown-person"
        case .noGrantForPlain: "registry.no-grant-for-plain"
        case .purposeRequired: "registry.purpose-required"
        case .unknownGrid: "registry.unknown-grid"
        case .unknownEntity: "registry.unknown-entity"
        case .bindingRefused: "registry.binding-refused"
        case .phoneNotVerified: "registry.phone-not-verified"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .badGeoJSON, .invalidField, .purposeRequired: .invalidInput
        case .unknownDivision, .noDivisionAt, .unknownPerson, .unknownGrid, .unknownEntity: .notFound
        case .noGrantForPlain, .phoneNotVerified: .forbidden
        case .bindingRefused: .unprocessable
        }
    }

    public var messageZh: String {
        switch self {
        case .badGeoJSON(let why): "GeoJSON 文件无法读取：\(why)"
        case .unknownDivision(let code): "行政区划 \(code) 不存在"
        case .noDivisionAt: "该位置不在本市任何行政区划内"
        case .invalidField(_, let zh, _): zh
        case .unknownPerson: "在您的权限范围内没有该身份证号码的人员"
        case .noGrantForPlain: "您没有查看明文个人信息的授权，只能查看脱敏数据"
        case .purposeRequired: "查看明文个人信息须在 X-Purpose 中说明用途"
        case .unknownGrid: "在您的权限范围内没有该编码的网格"
        case .unknownEntity: "在您的权限范围内没有该统一社会信用代码的法人"
        case .bindingRefused: "身份证号码、姓名与本账号的手机号码不能对应基础库中的同一人"
        case .phoneNotVerified: "请先用短信验证码登录，以确认本账号的手机号码"
        }
    }

    public var messageEn: String {
        switch self {
        case .badGeoJSON(let why): "GeoJSON file could not be read: \(why)"
        case .unknownDivision(let code): "Division \(code) does not exist"
        case .noDivisionAt: "No division of the city contains that point"
        case .invalidField(_, _, let en): en
        case .unknownPerson: "No person with that ID number within your scope"
        case .noGrantForPlain: "You hold no grant for plain personal values; masked values are available"
        case .purposeRequired: "Plain personal values need a stated purpose in X-Purpose"
        case .unknownGrid: "No grid cell with that code within your scope"
        case .unknownEntity: "No legal entity with that credit code within your scope"
        case .bindingRefused: "The ID number, the name and this account's phone do not name one person in the registry"
        case .phoneNotVerified: "Sign in with a code sent to your phone first, to confirm this account's phone"
        }
    }

    public var field: String? {
        switch self {
        case .invalidField(let field, _, _): field
        case .purposeRequired: "X-Purpose"
        case .noGrantForPlain: "view"
        default: nil
        }
    }
}
