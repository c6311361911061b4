import CityCore

/// Registry's errors. Codes are `registry.*`.
public enum RegistryError: CityError, Equatable {
    case badGeoJSON(String)
    case unknownDivision(DivisionCode)
    /// No division of the city contains the point.
    case noDivisionAt
    case invalidField(String, zh: String, en: String)

    public var code: String {
        switch self {
        case .badGeoJSON: "registry.bad-geojson"
        case .unknownDivision: "registry.unknown-division"
        case .noDivisionAt: "registry.no-division-at-point"
        case .invalidField: "registry.invalid-field"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .badGeoJSON, .invalidField: .invalidInput
        case .unknownDivision, .noDivisionAt: .notFound
        }
    }

    public var messageZh: String {
        switch self {
        case .badGeoJSON(let why): "GeoJSON 文件无法读取：\(why)"
        case .unknownDivision(let code): "行政区划 \(code) 不存在"
        case .noDivisionAt: "该位置不在本市任何行政区划内"
        case .invalidField(_, let zh, _): zh
        }
    }

    public var messageEn: String {
        switch self {
        case .badGeoJSON(let why): "GeoJSON file could not be read: \(why)"
        case .unknownDivision(let code): "Division \(code) does not exist"
        case .noDivisionAt: "No division of the city contains that point"
        case .invalidField(_, _, let en): en
        }
    }

    public var field: String? {
        switch self {
        case .invalidField(let field, _, _): field
        default: nil
        }
    }
}
