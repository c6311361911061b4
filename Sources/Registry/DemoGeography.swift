import CityCore
import Foundation
import CityStore
import Identity

/// Demo geography generated from the division boundaries, so a new platform is alive at once:
/// a grid of about 100 m × 100 m cells (万米单元网格) over one district, camera sites across the
/// city (fixed cameras and PTZ domes, denser in the central district), and addresses with points
/// of interest. Deterministic; every record is marked `demo` and sourced "demo (generated)", for an
/// operator to replace with the city's own files (`cityhub import geography`).
public enum DemoGeography {
    public static let source = "demo (generated)"
    /// Cell size in degrees at Zhoukou's latitude (33.6°N): 100 m north-south, 100 m east-west.
    static let cellLat = 100 / 111_320.0
    static let cellLon = 100 / (111_320.0 * cos(33.62 * Double.pi / 180))
    static let roads = ["七一路", "八一大道", "交通大道", "中州大道", "工农路", "建设大道", "文昌大道", "太昊路", "汉阳路", "人民路",
                        "大庆路", "莲花路", "五一路", "六一路", "滨河路", "光明路", "富民路", "周口大道", "川汇路", "庆丰街"]

    /// Cells whose centres lie inside `division`'s boundary, coded division + 4-digit row + 4-digit
    /// column from the boundary's south-west corner (14 characters, the standard's length).
    public static func grid(over division: Division, polygons: [Polygon], worker: String?) -> [Grid] {
        guard let bounds = bounds(of: polygons) else { return [] }
        let rows = Int(((bounds.max.lat - bounds.min.lat) / cellLat).rounded(.up))
        let cols = Int(((bounds.max.lon - bounds.min.lon) / cellLon).rounded(.up))
        var cells: [Grid] = []
        for row in 0..<rows {
            for col in 0..<cols {
                let lon0 = bounds.min.lon + Double(col) * cellLon, lat0 = bounds.min.lat + Double(row) * cellLat
                let centre = GeoPoint(lon: lon0 + cellLon / 2, lat: lat0 + cellLat / 2)
                guard polygons.contains(where: { $0.contains(centre) }) else { continue }
                let ring = [(lon0, lat0), (lon0 + cellLon, lat0), (lon0 + cellLon, lat0 + cellLat), (lon0, lat0 + cellLat), (lon0, lat0)]
                    .map { GeoPoint(lon: ($0.0 * 1e7).rounded() / 1e7, lat: ($0.1 * 1e7).rounded() / 1e7) }
                let code = division.code.rawValue + pad(row, 4) + pad(col, 4)
                cells.append(Grid(code: code, divisionCode: division.code, name: "\(division.name)单元网格 \(pad(row, 4))-\(pad(col, 4))",
                                  boundary: Polygon(rings: [ring]), worker: worker, source: source, demo: true))
            }
        }
        return cells
    }

    /// Camera sites in each county, at random points inside it, `fixed` and `ptz` of them per
    /// county; site codes in the GB/T 28181 layout (20 digits: division and grassroots unit, industry
    /// 00, type 131 camera or 132 dome, network 0, sequence), owned by the county's police.
    public static func cameras(in county: Division, polygons: [Polygon], fixed: Int, ptz: Int, seed: UInt64) -> [Camera] {
        var random = SplitMix64(seed: seed ^ (UInt64(county.code.rawValue) ?? 0))
        var out: [Camera] = []
        for i in 0..<(fixed + ptz) {
            guard let point = randomPoint(in: polygons, using: &random) else { break }
            let kind: Camera.Kind = i < fixed ? .fixed : .ptz
            let code = county.code.rawValue + "00" + "00" + (kind == .fixed ? "131" : "132") + "0" + pad(i + 1, 6)
            let road = roads[random.below(roads.count)]
            out.append(Camera(code: code, divisionCode: county.code, name: "\(county.name)\(road)\(kind == .fixed ? "枪机" : "球机") \(pad(i + 1, 4))",
                              kind: kind, point: point, ownerCode: "\(county.code)-PSB", streamURL: "rtsp://video.demo.invalid/\(code)",
                              online: random.below(100) < 95, source: source, demo: true))
        }
        return out
    }

    /// An address at about one cell in four of `grid`, numbered along demo roads, and the county
    /// governments as points of interest at their label points.
    public static func addresses(along grid: [Grid], counties: [Division], seed: UInt64) -> [Address] {
        var random = SplitMix64(seed: seed)
        var out: [Address] = []
        var numbers: [String: Int] = [:]
        for cell in grid where random.below(4) == 0 {
            let road = roads[random.below(roads.count)]
            let number = (numbers[road] ?? 0) + 1 + random.below(3)
            numbers[road] = number
            let c = cell.boundary.centre
            out.append(Address(code: "A" + cell.code, divisionCode: cell.divisionCode, name: "\(road)\(number)号", kind: .address,
                               point: GeoPoint(lon: (c.lon * 1e7).rounded() / 1e7, lat: (c.lat * 1e7).rounded() / 1e7), source: source, demo: true))
        }
        for county in counties {
            guard let label = county.label else { continue }
            out.append(Address(code: "P\(county.code.rawValue)GOV", divisionCode: county.code, name: "\(county.name)人民政府", kind: .poi,
                               point: label, source: source, demo: true))
        }
        return out
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func bounds(of polygons: [Polygon]) -> (min: GeoPoint, max: GeoPoint)? {
        guard !polygons.isEmpty else { return nil }
        let all = polygons.map(\.bounds)
        return (GeoPoint(lon: all.map(\.min.lon).min()!, lat: all.map(\.min.lat).min()!), GeoPoint(lon: all.map(\.max.lon).max()!, lat: all.map(\.max.lat).max()!))
    }

    static func randomPoint(in polygons: [Polygon], using random: inout SplitMix64) -> GeoPoint? {
        guard let b = bounds(of: polygons) else { return nil }
        for _ in 0..<1_000 {
            let p = GeoPoint(lon: ((b.min.lon + random.unit() * (b.max.lon - b.min.lon)) * 1e7).rounded() / 1e7,
                             lat: ((b.min.lat + random.unit() * (b.max.lat - b.min.lat)) * 1e7).rounded() / 1e7)
            if polygons.contains(where: { $0.contains(p) }) { return p }
        }
        return nil
    }
}

extension GeographyBook {
    /// The demo geography's sizes: 1,832 fixed cameras and 188 PTZ domes city-wide (the central
    /// district holds 800 and 80 of them), the grid over the central district.
    public static let demoCameras = (fixed: 1_832, ptz: 188, centralFixed: 800, centralPTZ: 80)

    /// Generates and imports the demo geography (idempotent: a second run changes nothing). The
    /// divisions must be stored first. `worker` is the central district's grid worker.
    public func seedDemo(central: DivisionCode, worker: String?, by caller: Principal, origin: AuditOrigin) async throws -> (grids: Int, addresses: Int, cameras: Int) {
        try await load()
        let s = index.snapshot
        guard let centre = s.divisions[central.rawValue] else { throw RegistryError.unknownDivision(central) }
        let counties = s.divisions.values.filter { $0.division.level == .county }.sorted { $0.division.code.rawValue < $1.division.code.rawValue }
        let grid = DemoGeography.grid(over: centre.division, polygons: centre.polygons, worker: worker)
        var cameras: [Camera] = []
        let others = counties.filter { $0.division.code != central }
        let c = Self.demoCameras
        for county in counties {
            let isCentral = county.division.code == central
            let index = others.firstIndex { $0.division.code == county.division.code } ?? 0
            // The rest spread evenly over the other counties, the remainder to the first ones.
            func share(_ total: Int) -> Int { total / max(others.count, 1) + (index < total % max(others.count, 1) ? 1 : 0) }
            cameras += DemoGeography.cameras(in: county.division, polygons: county.polygons,
                                             fixed: isCentral ? c.centralFixed : share(c.fixed - c.centralFixed),
                                             ptz: isCentral ? c.centralPTZ : share(c.ptz - c.centralPTZ), seed: 2026)
        }
        let addresses = DemoGeography.addresses(along: grid, counties: counties.map(\.division), seed: 2026)
        let source = DemoGeography.source
        _ = try await write(grid.map(GeographyRecord.init), kind: .grids, source: source, by: caller, origin: origin, rejected: 0)
        _ = try await write(addresses.map(GeographyRecord.init), kind: .addresses, source: source, by: caller, origin: origin, rejected: 0)
        _ = try await write(cameras.map(GeographyRecord.init), kind: .cameras, source: source, by: caller, origin: origin, rejected: 0)
        try await load()
        return (grid.count, addresses.count, cameras.count)
    }
}
