// Registry: the base registries. For now, geography: the division tree and its boundaries.
// It stores and answers; it does not decide who may ask (that is the caller's principal).
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

/// Registry's errors.
public enum RegistryError: CityError, Equatable {
    case badGeoJSON(String)

    public var code: String { "registry.bad-geojson" }
    public var kind: ErrorKind { .invalidInput }
    public var messageZh: String {
        switch self { case .badGeoJSON(let why): "GeoJSON 文件无法读取：\(why)" }
    }
    public var messageEn: String {
        switch self { case .badGeoJSON(let why): "GeoJSON file could not be read: \(why)" }
    }
    public var field: String? { nil }
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

/// The divisions of the city.
public struct DivisionBook: Sendable {
    let store: Store
    let clock: any WallClock

    public init(store: Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Imports divisions from a GeoJSON FeatureCollection whose features carry `adcode` and `name`
    /// (and optionally `parent_adcode`, `label_lon`, `label_lat`). Good features are kept, bad ones
    /// reported by number; re-importing updates in place.
    public func importGeoJSON(_ data: Data, source: String, defaultParent: DivisionCode? = nil) async throws -> ImportReport {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RegistryError.badGeoJSON("not a JSON object")
        }
        guard root["type"] as? String == "FeatureCollection", let features = root["features"] as? [Any] else {
            throw RegistryError.badGeoJSON("not a FeatureCollection")
        }
        var divisions: [Division] = []
        var rejected: [ImportRejection] = []
        for (index, item) in features.enumerated() {
            let number = index + 1
            guard let feature = item as? [String: Any], let properties = feature["properties"] as? [String: Any] else {
                rejected.append(.init(feature: number, reason: "feature without properties")); continue
            }
            guard let code = Self.code(properties["adcode"]) else {
                rejected.append(.init(feature: number, reason: "adcode missing or not a GB/T 2260 code")); continue
            }
            guard let name = properties["name"] as? String, !name.isEmpty else {
                rejected.append(.init(feature: number, reason: "name missing")); continue
            }
            var boundary: String? = nil
            if let geometry = feature["geometry"] as? [String: Any] {
                guard ["Polygon", "MultiPolygon"].contains(geometry["type"] as? String ?? ""), Self.polygons(geometry) != nil else {
                    rejected.append(.init(feature: number, reason: "geometry is not a valid Polygon or MultiPolygon")); continue
                }
                boundary = String(decoding: try JSONSerialization.data(withJSONObject: geometry, options: [.sortedKeys]), as: UTF8.self)
            }
            var label: GeoPoint? = nil
            if let lon = properties["label_lon"] as? Double, let lat = properties["label_lat"] as? Double {
                label = GeoPoint(lon: lon, lat: lat)
            }
            divisions.append(Division(code: code, name: name, level: code.level, parentCode: Self.code(properties["parent_adcode"]) ?? code.parent ?? defaultParent,
                                      label: label, boundaryGeoJSON: boundary, source: source))
        }
        try await upsert(divisions)
        return ImportReport(imported: divisions.count, rejected: rejected)
    }

    /// Inserts or updates divisions.
    public func upsert(_ divisions: [Division]) async throws {
        let now = clock.now()
        try await store.write { db in
            for d in divisions {
                try await db.raw("""
                    INSERT INTO divisions (code, name, level, parent_code, label_lon, label_lat, boundary, source, updated_at)
                    VALUES (\(bind: d.code.rawValue), \(bind: d.name), \(bind: d.level.rawValue), \(bind: d.parentCode?.rawValue),
                            \(bind: d.label?.lon), \(bind: d.label?.lat), \(bind: d.boundaryGeoJSON), \(bind: d.source), \(bind: now))
                    ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code,
                        label_lon = excluded.label_lon, label_lat = excluded.label_lat,
                        boundary = COALESCE(excluded.boundary, divisions.boundary), source = excluded.source, updated_at = excluded.updated_at
                    """).run()
            }
        }
    }

    /// One division, with its boundary.
    public func find(_ code: DivisionCode) async throws -> Division? {
        try await store.read { db in
            try await db.raw("SELECT * FROM divisions WHERE code = \(bind: code.rawValue)").first().map { try Self.decode($0, boundary: true) }
        }
    }

    /// Divisions within `scope` (boundaries left out: ask for one division to get its boundary).
    public func list(within scope: DivisionCode) async throws -> [Division] {
        let prefix = scope.significantPrefix + "%"
        return try await store.read { db in
            try await db.raw("SELECT code, name, level, parent_code, label_lon, label_lat, source FROM divisions WHERE code LIKE \(bind: prefix) ORDER BY code")
                .all().map { try Self.decode($0, boundary: false) }
        }
    }

    /// The most specific division whose boundary contains `point`, or nil.
    public func locate(_ point: GeoPoint) async throws -> Division? {
        let all = try await store.read { db in
            try await db.raw("SELECT * FROM divisions WHERE boundary IS NOT NULL ORDER BY code").all().map { try Self.decode($0, boundary: true) }
        }
        return all
            .filter { d in
                guard let text = d.boundaryGeoJSON, let data = text.data(using: .utf8),
                      let geometry = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let polygons = Self.polygons(geometry) else { return false }
                return polygons.contains { $0.contains(point) }
            }
            .max { $0.level < $1.level }
    }

    static func decode(_ row: any SQLRow, boundary: Bool) throws -> Division {
        let code = DivisionCode(try row.decode(column: "code", as: String.self)) ?? .zhoukou
        let lon = try row.decode(column: "label_lon", as: Double?.self), lat = try row.decode(column: "label_lat", as: Double?.self)
        return Division(
            code: code,
            name: try row.decode(column: "name", as: String.self),
            level: DivisionCode.Level(rawValue: try row.decode(column: "level", as: String.self)) ?? code.level,
            parentCode: try row.decode(column: "parent_code", as: String?.self).flatMap(DivisionCode.init),
            label: lon.flatMap { lon in lat.map { GeoPoint(lon: lon, lat: $0) } },
            boundaryGeoJSON: boundary ? try row.decode(column: "boundary", as: String?.self) : nil,
            source: try row.decode(column: "source", as: String?.self)
        )
    }

    static func code(_ value: Any?) -> DivisionCode? {
        if let n = value as? Int { return DivisionCode(String(n)) }
        if let n = value as? Double, n == n.rounded() { return DivisionCode(String(Int(n))) }
        if let s = value as? String { return DivisionCode(s) }
        return nil
    }

    /// Parses a GeoJSON Polygon or MultiPolygon geometry; nil unless every ring is closed with ≥ 4 valid points.
    static func polygons(_ geometry: [String: Any]) -> [Polygon]? {
        func ring(_ value: Any) -> [GeoPoint]? {
            guard let points = value as? [[Double]], points.count >= 4 else { return nil }
            let ring = points.compactMap { $0.count >= 2 ? GeoPoint(lon: $0[0], lat: $0[1]) : nil }
            guard ring.count == points.count, ring.allSatisfy(\.isValid), ring.first == ring.last else { return nil }
            return ring
        }
        func polygon(_ value: Any) -> Polygon? {
            guard let rings = value as? [Any], !rings.isEmpty else { return nil }
            let parsed = rings.compactMap(ring)
            return parsed.count == rings.count ? Polygon(rings: parsed) : nil
        }
        switch geometry["type"] as? String {
        case "Polygon":
            return geometry["coordinates"].flatMap(polygon).map { [$0] }
        case "MultiPolygon":
            guard let list = geometry["coordinates"] as? [Any], !list.isEmpty else { return nil }
            let parsed = list.compactMap(polygon)
            return parsed.count == list.count ? parsed : nil
        default:
            return nil
        }
    }
}

/// Registry's tables.
public enum RegistryMigrations {
    public static let all: [Migration] = [
        Migration(module: "registry", number: 1, name: "divisions", statements: [
            """
            CREATE TABLE divisions (
                code TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                level TEXT NOT NULL,
                parent_code TEXT,
                label_lon DOUBLE PRECISION,
                label_lat DOUBLE PRECISION,
                boundary TEXT,
                source TEXT,
                updated_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX divisions_parent ON divisions (parent_code)",
        ]),
    ]
}
