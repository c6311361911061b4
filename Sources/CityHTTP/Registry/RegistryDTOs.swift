import CityCore
import Foundation
import Hummingbird
import Registry

/// A division; its boundary (GeoJSON geometry) on the single-division read.
struct DivisionDTO: ResponseEncodable, APIShape {
    let code: String
    let name: String
    let level: String
    let parentCode: String?
    let label: GeoPoint?
    let source: String?
    let boundary: JSONValue?
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, level, parentCode, label, source, boundary }
    static let requiredFields: [CodingKeys] = [.code, .name, .level]
    static let schemaName = "Division"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code: Schema.divisionCode
        case .name: Schema.string()
        case .level: Schema.enumeration(["province", "city", "county", "township", "village"])
        case .parentCode, .source: Schema.nullableString
        case .label: ["type": ["object", "null"], "properties": ["lon": ["type": "number"], "lat": ["type": "number"]]]
        case .boundary: ["description": "GeoJSON geometry (Polygon or MultiPolygon)"]
        }
    }

    init(_ d: Division) throws {
        code = d.code.rawValue; name = d.name; level = d.level.rawValue; parentCode = d.parentCode?.rawValue
        label = d.label; source = d.source; boundary = try d.boundaryGeoJSON.map { try JSONValue(json: $0) }
    }
}

/// The divisions within scope.
struct DivisionList: ResponseEncodable, APIShape {
    let items: [DivisionDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(DivisionDTO.self)) }
}
