// Registry: the base registries. For now, geography: the division tree and its boundaries.
// It decides what a caller may read of them (by the caller's division scope) and audits changes;
// it knows nothing of HTTP.
import CityCore
import CityStore
import Foundation
import SQLKit

/// An administrative division with its boundary.
public struct Division: Sendable, Codable, Equatable {
    public var code: DivisionCode
    public var name: String
    public var level: DivisionCode.Level
    public var parentCode: DivisionCode?
    /// A point inside, for a map label.
    public var label: GeoPoint?
    /// The boundary as a GeoJSON geometry (Polygon or MultiPolygon), when known.
    public var boundaryGeoJSON: String?
    /// Where the boundary came from, shown as the map's credit.
    public var source: String?
}

/// One feature an import skipped, by its position in the file.
public struct ImportRejection: Sendable, Codable, Equatable {
    /// 1-based feature number.
    public let feature: Int
    public let reason: String
}

/// What an import did.
public struct ImportReport: Sendable, Codable, Equatable {
    public var imported: Int
    public var rejected: [ImportRejection]
}

