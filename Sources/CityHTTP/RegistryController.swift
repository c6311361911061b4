import CityCore
import Foundation
import Hummingbird
import Identity
import Registry

/// Geography: the divisions a caller's scope covers, with boundaries.
struct RegistryController {
    let platform: Platform

    struct DivisionDTO: ResponseEncodable {
        let code: String
        let name: String
        let level: String
        let parentCode: String?
        let label: GeoPoint?
        let source: String?
        /// GeoJSON geometry, on the single-division read.
        let boundary: RawJSON?
        init(_ d: Division) {
            code = d.code.rawValue; name = d.name; level = d.level.rawValue; parentCode = d.parentCode?.rawValue
            label = d.label; source = d.source; boundary = d.boundaryGeoJSON.map(RawJSON.init)
        }
    }

    struct DivisionList: ResponseEncodable { let items: [DivisionDTO] }

    func addRoutes(to api: RouterGroup<AuthenticatedContext>) {
        api.get("/divisions") { _, context -> DivisionList in
            guard let scope = context.caller.scope else { throw PlatformError.missingRole(["工作人员/staff"]) }
            return DivisionList(items: try await platform.divisions.list(within: scope).map(DivisionDTO.init))
        }
        api.get("/divisions/locate") { request, context -> DivisionDTO in
            func coordinate(_ name: String, _ range: ClosedRange<Double>) throws -> Double {
                guard let text = request.uri.queryParameters[Substring(name)], let value = Double(String(text)), range.contains(value) else {
                    throw HTTPProblem.badQuery(name, zh: "\(name) 应为 \(range.lowerBound) 到 \(range.upperBound) 之间的经纬度数值",
                                               en: "\(name) must be a number between \(range.lowerBound) and \(range.upperBound)")
                }
                return value
            }
            let point = GeoPoint(lon: try coordinate("lon", -180...180), lat: try coordinate("lat", -90...90))
            guard let division = try await platform.divisions.locate(point) else {
                throw PlatformError.notFound("Division at that point", zhWhat: "该位置所在的行政区划")
            }
            try context.caller.requireScope(division.code)
            return DivisionDTO(division)
        }
        api.get("/divisions/{code}") { _, context -> DivisionDTO in
            let text = try context.parameters.require("code")
            guard let code = DivisionCode(text) else {
                throw PlatformError.invalidField("code", zh: "行政区划代码应为 6 位数字", en: "A division code is 6 digits")
            }
            try context.caller.requireScope(code)
            guard let division = try await platform.divisions.find(code) else {
                throw PlatformError.notFound("Division \(code)", zhWhat: "行政区划 \(code)")
            }
            return DivisionDTO(division)
        }
    }
}

/// A JSON document stored as text, emitted as JSON (not as a string).
struct RawJSON: Encodable, Sendable {
    let text: String
    func encode(to encoder: any Encoder) throws {
        let value = try JSONDecoder().decode(AnyJSON.self, from: Data(text.utf8))
        try value.encode(to: encoder)
    }
}

/// Any JSON value, decoded and re-encoded as it was.
enum AnyJSON: Codable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
