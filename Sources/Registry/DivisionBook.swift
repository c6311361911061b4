import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// The divisions of the city.
public struct DivisionBook: Sendable {
    let store: Store
    let clock: any WallClock

    public init(store: Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Imports divisions from a GeoJSON FeatureCollection whose features carry `adcode` and `name`
    /// (and optionally `parent_adcode`, `label_lon`, `label_lat`), for a platform administrator.
    /// Good features are kept, bad ones reported by number; re-importing updates in place. The
    /// audit entry commits with the divisions.
    public func importGeoJSON(_ data: Data, source: String, defaultParent: DivisionCode? = nil, by caller: Principal, origin: AuditOrigin) async throws -> ImportReport {
        try caller.require(anyOf: .platformAdmin)
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
        for d in divisions { try caller.requireScope(d.code) }
        let now = clock.now()
        let dialect = store.dialect
        let (accepted, rejectedCount) = (divisions, rejected.count)
        try await store.write { db in
            // What existed before decides created or updated in the change log.
            struct Existing: Decodable { let code: String }
            var existing: Set<String> = []
            for chunk in accepted.map(\.code.rawValue).chunked(500) {
                existing.formUnion(try await db.raw("SELECT code FROM divisions WHERE code IN (\(binds: Array(chunk)))").all(decoding: Existing.self).map(\.code))
            }
            try await Self.upsert(accepted, now: now, on: db)
            try await ChangeLog.record(accepted.map { d in
                NewChange(module: "registry", recordType: "division", recordKey: d.code.rawValue, divisionCode: d.code.rawValue,
                          operation: existing.contains(d.code.rawValue) ? .updated : .created,
                          fields: ["name", "level", "parentCode", "label", "boundary", "source"], actor: caller.auditActor)
            }, at: now, dialect: dialect, on: db)
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "registry.division.import", recordType: "file", recordID: source,
                                                 origin: origin, detail: "\(accepted.count) imported, \(rejectedCount) rejected"),
                                      at: now, dialect: dialect, on: db)
        }
        return ImportReport(imported: divisions.count, rejected: rejected)
    }

    /// Inserts or updates divisions.
    static func upsert(_ divisions: [Division], now: Date, on db: any SQLDatabase) async throws {
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

    /// One division with its boundary, within the caller's scope: a division outside it is
    /// refused (division codes are public; their data is not), one inside it that is not stored is
    /// unknown.
    public func find(_ code: DivisionCode, by caller: Principal) async throws -> Division {
        try caller.requireScope(code)
        guard let division = try await find(code) else { throw RegistryError.unknownDivision(code) }
        return division
    }

    /// One division with its boundary, for the platform's own use.
    public func find(_ code: DivisionCode) async throws -> Division? {
        try await store.read { db in
            try await db.raw("SELECT * FROM divisions WHERE code = \(bind: code.rawValue)").all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
                .first.map { try $0.division() }
        }
    }

    /// The county-level divisions with their boundaries, whoever asks: the public map the citizen
    /// portal draws (boundaries are published geography, not records of anyone).
    public func countyMap() async throws -> [Division] {
        try await store.read { db in
            try await db.raw("SELECT * FROM divisions WHERE level = 'county' AND boundary IS NOT NULL ORDER BY code")
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { try $0.division() }
        }
    }

    /// Divisions within the caller's scope (boundaries left out: ask for one division to get its boundary).
    public func list(by caller: Principal) async throws -> [Division] {
        let scope = try caller.staffScope()
        return try await store.read { db in
            try await db.raw("""
                SELECT code, name, level, parent_code, label_lon, label_lat, NULL AS boundary, source FROM divisions
                WHERE code LIKE \(bind: scope.likePattern) ORDER BY code
                """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { try $0.division() }
        }
    }

    /// A `divisions` row.
    struct Row: Decodable {
        let code: String; let name: String; let level: String; let parentCode: String?
        let labelLon: Double?; let labelLat: Double?; let boundary: String?; let source: String?

        func division() throws -> Division {
            let division = try DivisionCode.stored(code, column: "divisions.code")
            return Division(code: division, name: name, level: DivisionCode.Level(rawValue: level) ?? division.level,
                            parentCode: parentCode.flatMap(DivisionCode.init), label: labelLon.flatMap { lon in labelLat.map { GeoPoint(lon: lon, lat: $0) } },
                            boundaryGeoJSON: boundary, source: source)
        }
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

