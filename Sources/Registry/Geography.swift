import CityCore
import Foundation

/// A grid cell (单元网格, 万米单元网格): the small area one grid worker patrols.
public struct Grid: Sendable, Equatable {
    /// Division code + street/community + cell sequence (the demo grid: division, row, column).
    public var code: String
    public var divisionCode: DivisionCode
    public var name: String
    public var boundary: Polygon
    /// The grid worker (a staff username) responsible for it, when one is assigned.
    public var worker: String?
    /// Where it came from; `demo` marks generated demo data.
    public var source: String
    public var demo: Bool

    public init(code: String, divisionCode: DivisionCode, name: String, boundary: Polygon, worker: String? = nil, source: String, demo: Bool = false) {
        self.code = code
        self.divisionCode = divisionCode
        self.name = name
        self.boundary = boundary
        self.worker = worker
        self.source = source
        self.demo = demo
    }
}

/// An address or a point of interest.
public struct Address: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case address, poi
    }

    public var code: String
    public var divisionCode: DivisionCode
    public var name: String
    public var kind: Kind
    public var point: GeoPoint
    public var source: String
    public var demo: Bool

    public init(code: String, divisionCode: DivisionCode, name: String, kind: Kind, point: GeoPoint, source: String, demo: Bool = false) {
        self.code = code
        self.divisionCode = divisionCode
        self.name = name
        self.kind = kind
        self.point = point
        self.source = source
        self.demo = demo
    }
}

/// A camera site (视频监控点位).
public struct Camera: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A fixed camera (枪机).
        case fixed
        /// A pan-tilt-zoom dome (球机).
        case ptz
    }

    /// The site code.
    public var code: String
    public var divisionCode: DivisionCode
    public var name: String
    public var kind: Kind
    public var point: GeoPoint
    /// The owning organisation's code.
    public var ownerCode: String?
    /// The stream's address, as metadata (the platform does not relay video).
    public var streamURL: String?
    public var online: Bool
    public var source: String
    public var demo: Bool

    public init(code: String, divisionCode: DivisionCode, name: String, kind: Kind, point: GeoPoint, ownerCode: String? = nil, streamURL: String? = nil,
                online: Bool = true, source: String, demo: Bool = false) {
        self.code = code
        self.divisionCode = divisionCode
        self.name = name
        self.kind = kind
        self.point = point
        self.ownerCode = ownerCode
        self.streamURL = streamURL
        self.online = online
        self.source = source
        self.demo = demo
    }
}

/// The kinds of geography a GeoJSON file can hold.
public enum GeographyKind: String, Sendable, CaseIterable {
    case grids, addresses, cameras

    /// The change log's record type.
    public var recordType: String {
        switch self {
        case .grids: "grid"
        case .addresses: "address"
        case .cameras: "camera"
        }
    }

    var table: String { rawValue }
}

/// What a point lies in: its division, grid cell and nearest address.
public struct Location: Sendable, Equatable {
    public var point: GeoPoint
    public var division: Division
    public var grid: Grid?
    public var nearestAddress: Address?
    /// Metres from the point to `nearestAddress`.
    public var addressDistance: Double?
    /// The change-log cursor the answer reflects.
    public var cursor: Int64
}

extension GeoPoint {
    /// The great-circle distance to `other` in metres (haversine on a sphere of the mean Earth radius).
    public func distance(to other: GeoPoint) -> Double {
        let r = 6_371_008.8
        let φ1 = lat * .pi / 180, φ2 = other.lat * .pi / 180
        let dφ = φ2 - φ1, dλ = (other.lon - lon) * .pi / 180
        let a = sin(dφ / 2) * sin(dφ / 2) + cos(φ1) * cos(φ2) * sin(dλ / 2) * sin(dλ / 2)
        return 2 * r * asin(min(1, a.squareRoot()))
    }
}

extension Polygon {
    /// The outer ring's bounding box.
    public var bounds: (min: GeoPoint, max: GeoPoint) {
        let ring = rings.first ?? []
        var lo = GeoPoint(lon: .infinity, lat: .infinity), hi = GeoPoint(lon: -.infinity, lat: -.infinity)
        for p in ring {
            lo.lon = min(lo.lon, p.lon); lo.lat = min(lo.lat, p.lat)
            hi.lon = max(hi.lon, p.lon); hi.lat = max(hi.lat, p.lat)
        }
        return (lo, hi)
    }

    /// The outer ring's vertex average: inside for the convex cells of a grid.
    public var centre: GeoPoint {
        let ring = (rings.first ?? []).dropLast()
        guard !ring.isEmpty else { return GeoPoint(lon: 0, lat: 0) }
        return GeoPoint(lon: ring.map(\.lon).reduce(0, +) / Double(ring.count), lat: ring.map(\.lat).reduce(0, +) / Double(ring.count))
    }

    /// The polygon as a GeoJSON Polygon geometry, coordinates rounded to 7 decimals (about 1 cm).
    public var geoJSON: String {
        func number(_ x: Double) -> String {
            let rounded = (x * 1e7).rounded() / 1e7
            return rounded == rounded.rounded() ? String(Int64(rounded)) : "\(rounded)"
        }
        let rings = rings.map { "[" + $0.map { "[\(number($0.lon)),\(number($0.lat))]" }.joined(separator: ",") + "]" }
        return "{\"coordinates\":[" + rings.joined(separator: ",") + "],\"type\":\"Polygon\"}"
    }
}
