import CityCore
import Foundation
import Identity
import Registry

/// Draws division boundaries as SVG paths in an equirectangular projection scaled by cos(latitude).
struct MapDrawing {
    let values: [String: Any]
    /// West edge, north edge, cos(latitude) and pixels per degree of latitude (nil: nothing drawn).
    private(set) var projection: (minLon: Double, maxLat: Double, kx: Double, scale: Double)?

    /// Where `p` falls on the drawing.
    func place(_ p: GeoPoint) -> (x: Double, y: Double)? {
        projection.map { (10 + (p.lon - $0.minLon) * $0.kx * $0.scale, 10 + ($0.maxLat - p.lat) * $0.scale) }
    }

    init(_ divisions: [Division], width: Double = 600) {
        var rings: [(Division, [[GeoPoint]])] = []
        for d in divisions {
            guard let text = d.boundaryGeoJSON, let data = text.data(using: .utf8),
                  let geometry = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            var list: [[GeoPoint]] = []
            let polygons: [Any] = geometry["type"] as? String == "MultiPolygon" ? (geometry["coordinates"] as? [Any] ?? []) : [geometry["coordinates"] as Any]
            for polygon in polygons {
                for ring in polygon as? [[[Double]]] ?? [] {
                    list.append(ring.compactMap { $0.count >= 2 ? GeoPoint(lon: $0[0], lat: $0[1]) : nil })
                }
            }
            rings.append((d, list))
        }
        let all = rings.flatMap { $0.1.flatMap { $0 } }
        guard let minLon = all.map(\.lon).min(), let maxLon = all.map(\.lon).max(),
              let minLat = all.map(\.lat).min(), let maxLat = all.map(\.lat).max(), maxLon > minLon, maxLat > minLat else {
            values = ["width": 10, "height": 10, "shapes": [Any](), "labels": [Any]()]
            return
        }
        let kx = cos((minLat + maxLat) / 2 * .pi / 180)
        let scale = (width - 20) / ((maxLon - minLon) * kx)
        let height = (maxLat - minLat) * scale + 20
        func x(_ p: GeoPoint) -> Double { 10 + (p.lon - minLon) * kx * scale }
        func y(_ p: GeoPoint) -> Double { 10 + (maxLat - p.lat) * scale }
        let shapes = rings.map { (d, list) -> [String: String] in
            let path = list.map { ring in
                ring.enumerated().map { i, p in (i == 0 ? "M" : "L") + String(format: "%.1f,%.1f", x(p), y(p)) }.joined() + "Z"
            }.joined()
            return ["d": path, "code": d.code.rawValue, "name": d.name]
        }
        let labels = rings.compactMap { (d, _) -> [String: String]? in
            d.label.map { ["x": String(format: "%.1f", x($0)), "y": String(format: "%.1f", y($0)), "name": d.name] }
        }
        // What the page's script needs to place points as this drawing does.
        let projection = ["minLon": minLon, "maxLat": maxLat, "kx": kx, "scale": scale].map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ";")
        values = ["width": Int(width), "height": Int(height.rounded()), "shapes": shapes, "labels": labels, "projection": projection]
        self.projection = (minLon, maxLat, kx, scale)
    }
}

extension MapDrawing {
    /// The caller's scope, the divisions in it, and the shapes a map of it draws (its counties,
    /// or its own county).
    static func scope(of principal: Principal, divisions: DivisionBook) async throws -> (DivisionScope, [Division], [Division]) {
        let scope = try principal.staffScope()
        let list = try await divisions.list(by: principal)
        var shapes: [Division] = []
        for d in list where d.level == .county || (scope.level == .county && d.code == scope.root) {
            shapes.append(try await divisions.find(d.code, by: principal))
        }
        return (scope, list, shapes)
    }
}
