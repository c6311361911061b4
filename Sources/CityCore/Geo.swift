/// A WGS84 / CGCS2000 point: longitude and latitude in degrees.
public struct GeoPoint: Sendable, Codable, Equatable {
    public var lon: Double
    public var lat: Double

    public init(lon: Double, lat: Double) {
        self.lon = lon
        self.lat = lat
    }

    /// Whether the coordinates are on the globe.
    public var isValid: Bool { (-180...180).contains(lon) && (-90...90).contains(lat) }
}

/// A polygon: an outer ring and optional holes, each a closed list of points (GeoJSON order).
public struct Polygon: Sendable, Equatable {
    public var rings: [[GeoPoint]]

    public init(rings: [[GeoPoint]]) { self.rings = rings }

    /// Even-odd ray casting over every ring, so holes exclude their area.
    public func contains(_ p: GeoPoint) -> Bool {
        var inside = false
        for ring in rings where ring.count >= 3 {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let a = ring[i], b = ring[j]
                if (a.lat > p.lat) != (b.lat > p.lat),
                   p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }
}
