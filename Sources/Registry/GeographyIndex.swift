import CityCore
import Foundation

/// The city's geography in memory, for answering "where is this point" and "what is near it" in
/// microseconds: divisions, grid cells, addresses and cameras, bucketed by 0.01° squares (about
/// 1 km). Readers take the current snapshot and search it without a lock; the one writer (the
/// load and the change-log follower) builds a new snapshot and swaps it in.
public final class GeographyIndex: @unchecked Sendable {
    struct Bucket: Hashable {
        let x: Int32, y: Int32
        init(x: Int32, y: Int32) { self.x = x; self.y = y }
        init(_ p: GeoPoint) {
            x = Int32((p.lon / GeographyIndex.bucketDegrees).rounded(.down))
            y = Int32((p.lat / GeographyIndex.bucketDegrees).rounded(.down))
        }
    }

    struct IndexedDivision {
        let division: Division
        let polygons: [Polygon]
        let bounds: (min: GeoPoint, max: GeoPoint)
    }

    /// What a bucket holds of a point: enough to rank and filter it without reading the record.
    struct PointEntry {
        let code: String
        let point: GeoPoint
        let division: DivisionCode
        let online: Bool
    }

    /// What a bucket holds of a grid cell: enough to test a point without reading the record.
    struct CellEntry {
        let code: String
        let bounds: (min: GeoPoint, max: GeoPoint)
        let polygon: Polygon
    }

    struct Snapshot {
        var divisions: [String: IndexedDivision] = [:]
        var grids: [String: Grid] = [:]
        var gridBuckets: [Bucket: [CellEntry]] = [:]
        var addresses: [String: Address] = [:]
        var addressBuckets: [Bucket: [PointEntry]] = [:]
        var cameras: [String: Camera] = [:]
        var cameraBuckets: [Bucket: [PointEntry]] = [:]
        var cursor: Int64 = 0
    }

    static let bucketDegrees = 0.01
    /// The shortest side of a bucket anywhere in the city (0.01° of longitude at 35°N), in metres:
    /// a point k buckets away is at least k times this far.
    static let bucketMetres = 0.01 * 111_320 * cos(35 * Double.pi / 180)

    private let lock = NSLock()
    private var current = Snapshot()

    public init() {}

    var snapshot: Snapshot { lock.withLock { current } }

    /// The change-log cursor this index reflects.
    public var cursor: Int64 { snapshot.cursor }

    /// Counts, for status and tests.
    public var counts: (divisions: Int, grids: Int, addresses: Int, cameras: Int) {
        let s = snapshot
        return (s.divisions.count, s.grids.count, s.addresses.count, s.cameras.count)
    }

    /// Applies `change` to a copy of the current snapshot and swaps it in. Only one writer runs at a time.
    func update(_ change: (inout Snapshot) -> Void) {
        var next = snapshot
        change(&next)
        lock.withLock { current = next }
    }

    // MARK: Writing (on a snapshot being built)

    static func put(_ division: Division, polygons: [Polygon], in s: inout Snapshot) {
        guard !polygons.isEmpty else {
            s.divisions[division.code.rawValue] = nil
            return
        }
        var lo = GeoPoint(lon: .infinity, lat: .infinity), hi = GeoPoint(lon: -.infinity, lat: -.infinity)
        for b in polygons.map(\.bounds) {
            lo.lon = min(lo.lon, b.min.lon); lo.lat = min(lo.lat, b.min.lat)
            hi.lon = max(hi.lon, b.max.lon); hi.lat = max(hi.lat, b.max.lat)
        }
        s.divisions[division.code.rawValue] = IndexedDivision(division: division, polygons: polygons, bounds: (lo, hi))
    }

    static func buckets(covering bounds: (min: GeoPoint, max: GeoPoint)) -> [Bucket] {
        let a = Bucket(bounds.min), b = Bucket(bounds.max)
        var out: [Bucket] = []
        for x in a.x...b.x { for y in a.y...b.y { out.append(Bucket(x: x, y: y)) } }
        return out
    }

    static func put(_ grid: Grid, in s: inout Snapshot) {
        remove(grid: grid.code, from: &s)
        s.grids[grid.code] = grid
        let bounds = grid.boundary.bounds
        for bucket in buckets(covering: bounds) { s.gridBuckets[bucket, default: []].append(CellEntry(code: grid.code, bounds: bounds, polygon: grid.boundary)) }
    }

    static func remove(grid code: String, from s: inout Snapshot) {
        guard let old = s.grids.removeValue(forKey: code) else { return }
        for bucket in buckets(covering: old.boundary.bounds) { s.gridBuckets[bucket]?.removeAll { $0.code == code } }
    }

    static func put(_ address: Address, in s: inout Snapshot) {
        remove(address: address.code, from: &s)
        s.addresses[address.code] = address
        s.addressBuckets[Bucket(address.point), default: []].append(PointEntry(code: address.code, point: address.point, division: address.divisionCode, online: true))
    }

    static func remove(address code: String, from s: inout Snapshot) {
        guard let old = s.addresses.removeValue(forKey: code) else { return }
        s.addressBuckets[Bucket(old.point)]?.removeAll { $0.code == code }
    }

    static func put(_ camera: Camera, in s: inout Snapshot) {
        remove(camera: camera.code, from: &s)
        s.cameras[camera.code] = camera
        s.cameraBuckets[Bucket(camera.point), default: []].append(PointEntry(code: camera.code, point: camera.point, division: camera.divisionCode, online: camera.online))
    }

    static func remove(camera code: String, from s: inout Snapshot) {
        guard let old = s.cameras.removeValue(forKey: code) else { return }
        s.cameraBuckets[Bucket(old.point)]?.removeAll { $0.code == code }
    }

    // MARK: Reading

    /// The most specific division containing `point`.
    func division(at point: GeoPoint, in s: Snapshot) -> Division? {
        s.divisions.values
            .filter { d in
                (d.bounds.min.lon...d.bounds.max.lon).contains(point.lon) && (d.bounds.min.lat...d.bounds.max.lat).contains(point.lat)
                    && d.polygons.contains { $0.contains(point) }
            }
            .max { ($0.division.level, $1.division.code.rawValue) < ($1.division.level, $0.division.code.rawValue) }?
            .division
    }

    /// The grid cell containing `point` (the lowest code when cells overlap).
    func grid(at point: GeoPoint, in s: Snapshot) -> Grid? {
        var found: String?
        for cell in s.gridBuckets[Bucket(point)] ?? [] {
            guard (cell.bounds.min.lon...cell.bounds.max.lon).contains(point.lon), (cell.bounds.min.lat...cell.bounds.max.lat).contains(point.lat),
                  cell.polygon.contains(point), found.map({ cell.code < $0 }) ?? true else { continue }
            found = cell.code
        }
        return found.flatMap { s.grids[$0] }
    }

    /// Up to `count` entries nearest `point` within `radius` metres that pass `keep`, nearest first,
    /// with their distances. Ranked on a local flat projection (exact enough within a city), the
    /// distances given are great-circle ones.
    static func nearest(_ count: Int, to point: GeoPoint, within radius: Double, buckets: [Bucket: [PointEntry]],
                        keep: (PointEntry) -> Bool) -> [(PointEntry, Double)] {
        guard count > 0 else { return [] }
        let metresPerDegree = 111_320.0, cosLat = cos(point.lat * .pi / 180)
        func flat(_ p: GeoPoint) -> Double {
            let dx = (p.lon - point.lon) * cosLat * metresPerDegree, dy = (p.lat - point.lat) * metresPerDegree
            return (dx * dx + dy * dy).squareRoot()
        }
        let centre = Bucket(point)
        var found: [(PointEntry, Double)] = []
        let maxRing = Int32(min(radius / bucketMetres + 1, 400))
        var ring: Int32 = 0
        while ring <= maxRing {
            for x in (centre.x - ring)...(centre.x + ring) {
                // The ring's edge only: its whole top and bottom rows, and the two ends of the rows between.
                let edge = x == centre.x - ring || x == centre.x + ring
                let ys: [Int32] = edge ? Array((centre.y - ring)...(centre.y + ring)) : (ring == 0 ? [centre.y] : [centre.y - ring, centre.y + ring])
                for y in ys {
                    for entry in buckets[Bucket(x: x, y: y)] ?? [] where keep(entry) {
                        let d = flat(entry.point)
                        if d <= radius * 1.01 { found.append((entry, d)) }
                    }
                }
            }
            // Anything in a bucket further out is at least `ring` buckets away.
            if found.count >= count {
                found.sort { $0.1 < $1.1 }
                if found[count - 1].1 <= Double(ring) * bucketMetres { break }
            }
            ring += 1
        }
        found.sort { $0.1 < $1.1 }
        return found.prefix(count).compactMap { entry, _ in
            let d = point.distance(to: entry.point)
            return d <= radius ? (entry, d) : nil
        }
    }
}
