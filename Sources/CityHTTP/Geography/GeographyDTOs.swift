import CityCore
import Foundation
import Hummingbird
import Registry

/// A division, grid cell and nearest address for a point.
struct LocationDTO: ResponseEncodable, APIShape {
    struct Place: Codable {
        let code: String
        let name: String
    }
    struct GridRef: Codable {
        let code: String
        let name: String
        let worker: String?
    }
    struct AddressRef: Codable {
        let code: String
        let name: String
        let kind: String
        let metres: Double
    }
    let point: GeoPoint
    let division: Place
    let grid: GridRef?
    let nearestAddress: AddressRef?
    let cursor: Int64
    enum CodingKeys: String, CodingKey, CaseIterable { case point, division, grid, nearestAddress, cursor }
    static let requiredFields: [CodingKeys] = [.point, .division, .cursor]
    static let schemaName = "Location"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .point: Schema.point
        case .division: Schema.object([("code", Schema.divisionCode), ("name", Schema.string())], required: ["code", "name"])
        case .grid: ["type": ["object", "null"], "properties": ["code": Schema.string(), "name": Schema.string(), "worker": Schema.nullableString],
                     "description": "the grid cell containing the point, if the city's grid covers it"]
        case .nearestAddress: ["type": ["object", "null"], "properties": ["code": Schema.string(), "name": Schema.string(),
                                                                          "kind": Schema.enumeration(Address.Kind.allCases.map(\.rawValue)), "metres": ["type": "number"]],
                               "description": "the nearest address or point of interest within 1 km"]
        case .cursor: ["type": "integer", "description": "the change-log cursor the answer reflects"]
        }
    }

    init(_ l: Location) {
        point = l.point
        division = Place(code: l.division.code.rawValue, name: l.division.name)
        grid = l.grid.map { GridRef(code: $0.code, name: $0.name, worker: $0.worker) }
        nearestAddress = l.nearestAddress.map { AddressRef(code: $0.code, name: $0.name, kind: $0.kind.rawValue, metres: (l.addressDistance ?? 0).rounded()) }
        cursor = l.cursor
    }
}

/// A camera site and its distance from the point asked about.
struct NearbyCameraDTO: Codable, APIShape {
    let code: String
    let name: String
    let kind: String
    let divisionCode: String
    let point: GeoPoint
    let ownerCode: String?
    let streamUrl: String?
    let online: Bool
    let demo: Bool
    let metres: Double
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, kind, divisionCode, point, ownerCode, streamUrl, online, demo, metres }
    static let requiredFields: [CodingKeys] = [.code, .name, .kind, .divisionCode, .point, .online, .demo, .metres]
    static let schemaName = "NearbyCamera"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code: Schema.string("site code")
        case .name: Schema.string()
        case .kind: Schema.enumeration(Camera.Kind.allCases.map(\.rawValue), description: "fixed camera or PTZ dome")
        case .divisionCode: Schema.divisionCode
        case .point: Schema.point
        case .ownerCode: Schema.nullableString
        case .streamUrl: ["type": ["string", "null"], "description": "the stream's address (metadata: the platform does not relay video)"]
        case .online, .demo: Schema.boolean
        case .metres: ["type": "number", "description": "distance from the point, in metres"]
        }
    }

    init(_ c: Camera, metres: Double) {
        code = c.code; name = c.name; kind = c.kind.rawValue; divisionCode = c.divisionCode.rawValue; point = c.point
        ownerCode = c.ownerCode; streamUrl = c.streamURL; online = c.online; demo = c.demo; self.metres = metres.rounded()
    }
}

/// The camera sites nearest a point, nearest first.
struct NearbyCameraList: ResponseEncodable, APIShape {
    let items: [NearbyCameraDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static let schemaName = "NearbyCameraList"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(NearbyCameraDTO.self)) }
}

/// A grid cell with its boundary.
struct GridDTO: ResponseEncodable, APIShape {
    let code: String
    let name: String
    let divisionCode: String
    let worker: String?
    let source: String
    let demo: Bool
    let boundary: JSONValue
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, divisionCode, worker, source, demo, boundary }
    static let schemaName = "Grid"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code, .name, .source: Schema.string()
        case .divisionCode: Schema.divisionCode
        case .worker: ["type": ["string", "null"], "description": "the responsible grid worker's username"]
        case .demo: Schema.boolean
        case .boundary: ["type": "object", "description": "GeoJSON Polygon"]
        }
    }

    init(_ g: Grid) throws {
        code = g.code; name = g.name; divisionCode = g.divisionCode.rawValue; worker = g.worker; source = g.source; demo = g.demo
        boundary = try JSONValue(json: g.boundary.geoJSON)
    }
}

/// An address or point of interest (the intake form's address search).
struct AddressDTO: Codable, APIShape {
    let code: String
    let name: String
    let kind: String
    let divisionCode: String
    let point: GeoPoint
    let demo: Bool
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, kind, divisionCode, point, demo }
    static let schemaName = "Address"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code, .name: Schema.string()
        case .kind: Schema.enumeration(Address.Kind.allCases.map(\.rawValue))
        case .divisionCode: Schema.divisionCode
        case .point: Schema.point
        case .demo: Schema.boolean
        }
    }

    init(_ a: Address) {
        code = a.code; name = a.name; kind = a.kind.rawValue; divisionCode = a.divisionCode.rawValue; point = a.point; demo = a.demo
    }
}

/// Addresses found by a search.
struct AddressList: ResponseEncodable, APIShape {
    let items: [AddressDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static let schemaName = "AddressList"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(AddressDTO.self)) }
}
