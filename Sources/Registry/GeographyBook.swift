import CityCore
import CityStore
import Foundation
import Identity
import Logging
import SQLKit

/// What a geography import did.
public struct GeographyImportReport: Sendable, Equatable {
    public var read: Int
    public var created: Int
    public var updated: Int
    public var unchanged: Int
    public var rejected: [ImportRejection]
}

/// The geography registry beside the divisions: grid cells, addresses and points of interest,
/// and camera sites. Writes go to the database with their change-log rows and audit entry in one
/// transaction; reads are answered from `index`, which every server process keeps current by
/// following the change log (woken by NOTIFY on PostgreSQL, polled on SQLite), so a change made
/// through one process is seen by all.
public struct GeographyBook: Sendable {
    let store: Store
    let clock: any WallClock
    public let index: GeographyIndex
    let logger: Logger

    /// The change log's record types the index follows.
    static let recordTypes = ["division"] + GeographyKind.allCases.map(\.recordType)

    public init(store: Store, clock: any WallClock = SystemClock(), index: GeographyIndex = GeographyIndex(),
                logger: Logger = Logger(label: "cityhub.geography")) {
        self.store = store
        self.clock = clock
        self.index = index
        self.logger = logger
    }

    // MARK: The index

    /// Reads everything into the index. The change-log head is read first, so a change committed
    /// during the load is applied again by `follow` (applying is idempotent).
    public func load() async throws {
        let cursor = try await ChangeLog(store: store).head()
        let (divisions, grids, addresses, cameras) = try await store.read { db in
            (try await Self.divisions(where: "boundary IS NOT NULL", on: db), try await Self.rows(GridRow.self, from: .grids, on: db),
             try await Self.rows(AddressRow.self, from: .addresses, on: db), try await Self.rows(CameraRow.self, from: .cameras, on: db))
        }
        var s = GeographyIndex.Snapshot()
        for d in divisions { GeographyIndex.put(d, polygons: Self.polygons(of: d), in: &s) }
        for row in grids { if let g = try? row.grid() { GeographyIndex.put(g, in: &s) } }
        for row in addresses { if let a = try? row.address() { GeographyIndex.put(a, in: &s) } }
        for row in cameras { if let c = try? row.camera() { GeographyIndex.put(c, in: &s) } }
        s.cursor = cursor
        index.update { $0 = s }
        logger.info("geography index loaded", metadata: ["divisions": "\(s.divisions.count)", "grids": "\(s.grids.count)",
                                                          "addresses": "\(s.addresses.count)", "cameras": "\(s.cameras.count)", "cursor": "\(cursor)"])
    }

    /// Applies geography changes from the change log until cancelled (a background service of `cityhub serve`).
    public func follow(interval: Duration = .milliseconds(250)) async throws {
        try await ChangeLog(store: store).follow(after: index.cursor, recordTypes: Self.recordTypes, interval: interval) { changes in
            do {
                try await apply(changes)
            } catch {
                // Reading failed: the next load (or restart) repairs the index; say so loudly.
                logger.error("could not apply geography changes; reloading", metadata: ["error": "\(error)"])
                try? await load()
            }
        }
    }

    /// Reads the records `changes` name and puts them in the index (or takes them out).
    func apply(_ changes: [Change]) async throws {
        guard let last = changes.last?.cursor else { return }
        var keys: [String: [(division: String, code: String)]] = [:]
        for c in changes { keys[c.recordType, default: []].append((c.divisionCode ?? "", c.recordKey)) }
        let wanted = keys
        let fetched = try await store.read { db in
            var divisions: [Division] = [], grids: [GridRow] = [], addresses: [AddressRow] = [], cameras: [CameraRow] = []
            if let codes = wanted["division"] {
                for chunk in codes.map(\.code).chunked(500) {
                    divisions += try await Self.divisions(where: SQLQueryString("code IN (\(binds: Array(chunk)))"), on: db)
                }
            }
            grids = try await Self.rows(GridRow.self, from: .grids, keys: wanted["grid"] ?? [], on: db)
            addresses = try await Self.rows(AddressRow.self, from: .addresses, keys: wanted["address"] ?? [], on: db)
            cameras = try await Self.rows(CameraRow.self, from: .cameras, keys: wanted["camera"] ?? [], on: db)
            return (divisions, grids, addresses, cameras)
        }
        index.update { s in
            for (type, list) in wanted {
                for key in list {
                    switch type {
                    case "division": s.divisions[key.code] = nil
                    case "grid": GeographyIndex.remove(grid: key.code, from: &s)
                    case "address": GeographyIndex.remove(address: key.code, from: &s)
                    case "camera": GeographyIndex.remove(camera: key.code, from: &s)
                    default: break
                    }
                }
            }
            for d in fetched.0 { GeographyIndex.put(d, polygons: Self.polygons(of: d), in: &s) }
            for row in fetched.1 { if let g = try? row.grid() { GeographyIndex.put(g, in: &s) } }
            for row in fetched.2 { if let a = try? row.address() { GeographyIndex.put(a, in: &s) } }
            for row in fetched.3 { if let c = try? row.camera() { GeographyIndex.put(c, in: &s) } }
            s.cursor = max(s.cursor, last)
        }
    }

    // MARK: Reading

    /// The division, grid cell and nearest address (within 1 km) of `point`, for staff whose scope
    /// covers the division it lies in.
    public func locate(_ point: GeoPoint, by caller: Principal) throws -> Location {
        _ = try caller.staffScope()
        guard let location = place(point) else { throw RegistryError.noDivisionAt }
        try caller.requireScope(location.division.code)
        return location
    }

    /// Where `point` lies (division, grid cell, nearest address within 1 km), whoever asks: for
    /// modules that file records by place (a citizen's or another system's case is routed by
    /// where it is). Nil outside the city. Callers show no more than their own rules allow.
    public func place(_ point: GeoPoint) -> Location? {
        let s = index.snapshot
        guard let division = index.division(at: point, in: s) else { return nil }
        let address = GeographyIndex.nearest(1, to: point, within: 1_000, buckets: s.addressBuckets) { _ in true }.first
        return Location(point: point, division: division, grid: index.grid(at: point, in: s), nearestAddress: address.flatMap { s.addresses[$0.0.code] },
                        addressDistance: address?.1, cursor: s.cursor)
    }

    /// An address or point of interest by its code, whoever asks (a case filed at an address).
    public func address(_ code: String) -> Address? {
        index.snapshot.addresses[code]
    }

    /// Addresses and points of interest within the caller's scope whose name holds `text`
    /// (case-insensitive), names that start with it first, then the shortest: the intake form's
    /// address search. At most `limit`.
    public func searchAddresses(_ text: String, limit: Int = 10, by caller: Principal) throws -> [Address] {
        let scope = try caller.staffScope()
        let needle = text.trimmingCharacters(in: .whitespaces)
        guard !needle.isEmpty else { return [] }
        guard needle.count <= 50, !Text.hasForbiddenControl(needle) else { throw RegistryError.invalidField("q", zh: "地址搜索词应为 1 到 50 个字且不含控制字符", en: "The address search is 1 to 50 characters without control characters") }
        var starts: [Address] = []
        var holds: [Address] = []
        for address in index.snapshot.addresses.values where scope.contains(address.divisionCode) {
            guard let range = address.name.range(of: needle, options: .caseInsensitive) else { continue }
            if range.lowerBound == address.name.startIndex { starts.append(address) } else { holds.append(address) }
        }
        func ordered(_ list: [Address]) -> [Address] {
            list.sorted { ($0.name.count, $0.name, $0.code) < ($1.name.count, $1.name, $1.code) }
        }
        return Array((ordered(starts) + ordered(holds)).prefix(min(max(limit, 1), 50)))
    }

    /// The division containing `point` (the most specific one), for staff whose scope covers it.
    public func division(at point: GeoPoint, by caller: Principal) throws -> Division {
        _ = try caller.staffScope()
        guard let division = index.division(at: point, in: index.snapshot) else { throw RegistryError.noDivisionAt }
        try caller.requireScope(division.code)
        return division
    }

    /// The `count` camera sites nearest `point` within `radius` metres that the caller's scope
    /// covers, nearest first, with their distances.
    public func nearestCameras(to point: GeoPoint, count: Int, within radius: Double = 5_000, onlineOnly: Bool = false,
                               by caller: Principal) throws -> [(camera: Camera, metres: Double)] {
        let scope = try caller.staffScope()
        let s = index.snapshot
        return GeographyIndex.nearest(min(max(count, 1), 100), to: point, within: radius, buckets: s.cameraBuckets) {
            scope.contains($0.division) && (!onlineOnly || $0.online)
        }.compactMap { entry, metres in s.cameras[entry.code].map { (camera: $0, metres: metres) } }
    }

    /// The camera sites the caller's scope covers (for the wall display's map), with whether each is online.
    public func cameraSites(by caller: Principal) throws -> [(point: GeoPoint, online: Bool)] {
        let scope = try caller.staffScope()
        return index.snapshot.cameraBuckets.values.flatMap { $0 }.filter { scope.contains($0.division) }.map { ($0.point, $0.online) }
    }

    /// Every grid cell the caller's scope covers (the wall display's zoomed map), by code.
    public func grids(by caller: Principal) throws -> [Grid] {
        let scope = try caller.staffScope()
        return index.snapshot.grids.values.filter { scope.contains($0.divisionCode) }.sorted { $0.code < $1.code }
    }

    /// One grid cell, for staff whose scope covers it (outside it, it is unknown).
    public func grid(_ code: String, by caller: Principal) throws -> Grid {
        _ = try caller.staffScope()
        guard let grid = index.snapshot.grids[code], caller.canSee(grid.divisionCode) else { throw RegistryError.unknownGrid }
        return grid
    }

    // MARK: Import

    /// Imports grids, addresses or cameras from a GeoJSON FeatureCollection, for data stewards and
    /// platform admins. Bad features are reported by number (1-based) and skipped, good ones kept;
    /// a feature whose division lies outside the caller's scope is refused the same way. Features are
    /// keyed by `code`: re-importing updates in place, and a feature that did not change is left
    /// alone (no change-log row). Properties:
    /// - every kind: `code` (required), `name`, `division_code` (else the division the feature lies in);
    /// - grids (Polygon): `worker` (the responsible grid worker's username);
    /// - addresses (Point): `kind` (`address` or `poi`);
    /// - cameras (Point): `kind` (`fixed` or `ptz`), `owner` (organisation code), `stream` (URL), `online` (boolean).
    public func importGeoJSON(_ data: Data, kind: GeographyKind, source: String, demo: Bool = false, by caller: Principal,
                              origin: AuditOrigin) async throws -> GeographyImportReport {
        try caller.require(anyOf: .dataSteward)
        _ = try caller.staffScope()
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw RegistryError.badGeoJSON("not a JSON object") }
        guard root["type"] as? String == "FeatureCollection", let features = root["features"] as? [Any] else {
            throw RegistryError.badGeoJSON("not a FeatureCollection")
        }
        var parsed: [GeographyRecord] = []
        var rejected: [ImportRejection] = []
        var seen: Set<String> = []
        let s = index.snapshot
        for (i, item) in features.enumerated() {
            do {
                let record = try GeographyRecord.parse(item, kind: kind, source: source, demo: demo, index: index, snapshot: s)
                guard caller.canSee(record.divisionCode) else {
                    throw FeatureProblem("division \(record.divisionCode) is outside your scope / 行政区划 \(record.divisionCode) 不在您的权限范围内")
                }
                guard seen.insert(record.code).inserted else { throw FeatureProblem("code \(record.code) appears twice / 编码 \(record.code) 重复") }
                parsed.append(record)
            } catch let problem as FeatureProblem {
                rejected.append(ImportRejection(feature: i + 1, reason: problem.reason))
            }
        }
        let counts = try await write(parsed, kind: kind, source: source, by: caller, origin: origin, rejected: rejected.count)
        return GeographyImportReport(read: features.count, created: counts.created, updated: counts.updated, unchanged: counts.unchanged, rejected: rejected)
    }

    /// Writes records (new, changed) with their change-log rows and one audit entry, in one transaction.
    func write(_ records: [GeographyRecord], kind: GeographyKind, source: String, by caller: Principal, origin: AuditOrigin,
               rejected: Int) async throws -> (created: Int, updated: Int, unchanged: Int) {
        let now = clock.now()
        let dialect = store.dialect
        return try await store.bulkWrite { db, copier in
            // What is stored now under the same codes (in whichever division: a feature may move).
            var existing: [String: GeographyRecord] = [:]
            for chunk in records.map(\.code).chunked(500) {
                for record in try await Self.records(kind, codes: Array(chunk), on: db) { existing[record.code] = record }
            }
            var changes: [NewChange] = []
            var toWrite: [GeographyRecord] = []
            var replaced: [GeographyRecord] = []
            for record in records {
                if let old = existing[record.code] {
                    let changed = record.changedFields(from: old)
                    if changed.isEmpty { continue }
                    replaced.append(old)
                    changes.append(NewChange(module: "registry", recordType: kind.recordType, recordKey: record.code, divisionCode: record.divisionCode.rawValue,
                                             operation: .updated, fields: changed, actor: caller.auditActor))
                } else {
                    changes.append(NewChange(module: "registry", recordType: kind.recordType, recordKey: record.code, divisionCode: record.divisionCode.rawValue,
                                             operation: .created, fields: record.values.map(\.0), actor: caller.auditActor))
                }
                toWrite.append(record)
            }
            for chunk in replaced.chunked(500) {
                for (division, group) in Dictionary(grouping: chunk, by: \.divisionCode.rawValue) {
                    try await db.raw("DELETE FROM \(unsafeRaw: kind.table) WHERE division_code = \(bind: division) AND code IN (\(binds: group.map(\.code)))").run()
                }
            }
            let columns = ["division_code", "code"] + (toWrite.first?.values.map(\.0) ?? []) + ["updated_at"]
            try await copier.copy(into: kind.table, columns: columns, rows: toWrite.map { r in
                [.text(r.divisionCode.rawValue), .text(r.code)] + r.values.map(\.1) + [.date(now)]
            })
            try await ChangeLog.record(changes, at: now, dialect: dialect, on: db, copier: copier)
            let created = changes.filter { $0.operation == .created }.count
            let updated = changes.count - created
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "registry.\(kind.recordType).import", recordType: "file", recordID: source,
                                                 origin: origin, detail: "\(created) created, \(updated) updated, \(records.count - changes.count) unchanged, \(rejected) rejected"),
                                      at: now, dialect: dialect, on: db)
            return (created, updated, records.count - changes.count)
        }
    }

    // MARK: Rows

    static func polygons(of division: Division) -> [Polygon] {
        guard let text = division.boundaryGeoJSON, let geometry = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [] }
        return DivisionBook.polygons(geometry) ?? []
    }

    static func divisions(where condition: SQLQueryString, on db: any SQLDatabase) async throws -> [Division] {
        try await db.raw("SELECT * FROM divisions WHERE " + condition).all(decoding: DivisionBook.Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .compactMap { try? $0.division() }
    }

    static func rows<R: Decodable>(_ type: R.Type, from kind: GeographyKind, keys: [(division: String, code: String)]? = nil,
                                   on db: any SQLDatabase) async throws -> [R] {
        guard let keys else {
            return try await db.raw("SELECT * FROM \(unsafeRaw: kind.table)").all(decoding: R.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        var out: [R] = []
        for (division, group) in Dictionary(grouping: keys, by: \.division) {
            for chunk in group.map(\.code).chunked(500) {
                out += try await db.raw("SELECT * FROM \(unsafeRaw: kind.table) WHERE division_code = \(bind: division) AND code IN (\(binds: Array(chunk)))")
                    .all(decoding: R.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
        }
        return out
    }

    /// The stored records of one kind with these codes, as import compares them.
    static func records(_ kind: GeographyKind, codes: [String], on db: any SQLDatabase) async throws -> [GeographyRecord] {
        let keyless = SQLQueryString("SELECT * FROM \(unsafeRaw: kind.table) WHERE code IN (\(binds: codes))")
        switch kind {
        case .grids:
            return try await db.raw(keyless).all(decoding: GridRow.self, keyDecodingStrategy: .convertFromSnakeCase).compactMap { try? GeographyRecord($0.grid()) }
        case .addresses:
            return try await db.raw(keyless).all(decoding: AddressRow.self, keyDecodingStrategy: .convertFromSnakeCase).compactMap { try? GeographyRecord($0.address()) }
        case .cameras:
            return try await db.raw(keyless).all(decoding: CameraRow.self, keyDecodingStrategy: .convertFromSnakeCase).compactMap { try? GeographyRecord($0.camera()) }
        }
    }

    struct GridRow: Decodable {
        let divisionCode: String; let code: String; let name: String; let boundary: String; let worker: String?; let source: String; let demo: Bool
        func grid() throws -> Grid {
            guard let geometry = try JSONSerialization.jsonObject(with: Data(boundary.utf8)) as? [String: Any],
                  let polygon = DivisionBook.polygons(geometry)?.first else { throw RegistryError.badGeoJSON("stored grid \(code)") }
            return Grid(code: code, divisionCode: try DivisionCode.stored(divisionCode, column: "grids.division_code"), name: name, boundary: polygon,
                        worker: worker, source: source, demo: demo)
        }
    }

    struct AddressRow: Decodable {
        let divisionCode: String; let code: String; let name: String; let kind: String; let lon: Double; let lat: Double; let source: String; let demo: Bool
        func address() throws -> Address {
            Address(code: code, divisionCode: try DivisionCode.stored(divisionCode, column: "addresses.division_code"), name: name,
                    kind: Address.Kind(rawValue: kind) ?? .address, point: GeoPoint(lon: lon, lat: lat), source: source, demo: demo)
        }
    }

    struct CameraRow: Decodable {
        let divisionCode: String; let code: String; let name: String; let kind: String; let lon: Double; let lat: Double; let ownerCode: String?
        let streamUrl: String?; let online: Bool; let source: String; let demo: Bool
        func camera() throws -> Camera {
            Camera(code: code, divisionCode: try DivisionCode.stored(divisionCode, column: "cameras.division_code"), name: name,
                   kind: Camera.Kind(rawValue: kind) ?? .fixed, point: GeoPoint(lon: lon, lat: lat), ownerCode: ownerCode, streamURL: streamUrl,
                   online: online, source: source, demo: demo)
        }
    }
}

/// Why one feature of a file was refused.
struct FeatureProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A grid, address or camera as its table's columns, for writing and for comparing with what is stored.
struct GeographyRecord: Sendable {
    let code: String
    let divisionCode: DivisionCode
    /// Every column after `division_code` and `code`, in the table's order, `updated_at` left out.
    let values: [(String, BulkValue)]

    init(_ grid: Grid) {
        code = grid.code
        divisionCode = grid.divisionCode
        values = [("name", .text(grid.name)), ("boundary", .text(grid.boundary.geoJSON)), ("worker", grid.worker.map { .text($0) } ?? .null),
                  ("source", .text(grid.source)), ("demo", .bool(grid.demo))]
    }

    init(_ address: Address) {
        code = address.code
        divisionCode = address.divisionCode
        values = [("name", .text(address.name)), ("kind", .text(address.kind.rawValue)), ("lon", .double(address.point.lon)),
                  ("lat", .double(address.point.lat)), ("source", .text(address.source)), ("demo", .bool(address.demo))]
    }

    init(_ camera: Camera) {
        code = camera.code
        divisionCode = camera.divisionCode
        values = [("name", .text(camera.name)), ("kind", .text(camera.kind.rawValue)), ("lon", .double(camera.point.lon)), ("lat", .double(camera.point.lat)),
                  ("owner_code", camera.ownerCode.map { .text($0) } ?? .null), ("stream_url", camera.streamURL.map { .text($0) } ?? .null),
                  ("online", .bool(camera.online)), ("source", .text(camera.source)), ("demo", .bool(camera.demo))]
    }

    /// The columns whose values differ from `old`'s (moving to another division counts as `division_code`).
    func changedFields(from old: GeographyRecord) -> [String] {
        var changed = zip(values, old.values).filter { $0.0.1 != $0.1.1 }.map(\.0.0)
        if divisionCode != old.divisionCode { changed.insert("division_code", at: 0) }
        return changed
    }

    /// One feature of an operator's file; throws `FeatureProblem` with the reason it cannot be kept.
    static func parse(_ item: Any, kind: GeographyKind, source: String, demo: Bool, index: GeographyIndex,
                      snapshot s: GeographyIndex.Snapshot) throws -> GeographyRecord {
        guard let feature = item as? [String: Any], feature["type"] as? String == "Feature" else { throw FeatureProblem("not a GeoJSON Feature / 不是 GeoJSON 要素") }
        let properties = feature["properties"] as? [String: Any] ?? [:]
        func text(_ key: String, max: Int = 200) throws -> String? {
            guard let value = properties[key], !(value is NSNull) else { return nil }
            let string: String
            if let s = value as? String { string = s } else if let n = value as? NSNumber, !isJSONBoolean(value) { string = n.stringValue } else {
                throw FeatureProblem("\(key) must be text / \(key) 应为文本")
            }
            let trimmed = string.trimmingCharacters(in: .whitespaces)
            guard !Text.hasForbiddenControl(trimmed) else { throw FeatureProblem("\(key) holds a control character / \(key) 含控制字符") }
            guard trimmed.count <= max else { throw FeatureProblem("\(key) is longer than \(max) characters / \(key) 超过 \(max) 个字符") }
            return trimmed.isEmpty ? nil : trimmed
        }
        guard let code = try text("code", max: 40) else { throw FeatureProblem("code missing / 缺少编码 code") }
        guard code.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw FeatureProblem("code may hold only letters, digits, '-', '_' and '.' / 编码只能包含字母、数字和 - _ .")
        }
        let geometry = feature["geometry"] as? [String: Any] ?? [:]
        // Where the feature lies: a polygon's centre or the point.
        let polygon: Polygon?, point: GeoPoint
        switch kind {
        case .grids:
            guard geometry["type"] as? String == "Polygon", let p = DivisionBook.polygons(geometry)?.first else {
                throw FeatureProblem("geometry must be a valid Polygon / 几何应为有效的 Polygon")
            }
            polygon = Polygon(rings: p.rings.map { $0.map { GeoPoint(lon: ($0.lon * 1e7).rounded() / 1e7, lat: ($0.lat * 1e7).rounded() / 1e7) } })
            point = polygon!.centre
        case .addresses, .cameras:
            guard geometry["type"] as? String == "Point", let c = geometry["coordinates"] as? [Double], c.count >= 2,
                  GeoPoint(lon: c[0], lat: c[1]).isValid else {
                throw FeatureProblem("geometry must be a Point with longitude and latitude / 几何应为含经纬度的 Point")
            }
            polygon = nil
            point = GeoPoint(lon: c[0], lat: c[1])
        }
        let located = index.division(at: point, in: s)
        let division: DivisionCode
        if let given = try text("division_code", max: 12) {
            guard let code = DivisionCode(given), s.divisions.keys.contains(where: { DivisionCode($0)?.contains(code) == true }) else {
                throw FeatureProblem("division_code \(given) is not a division of the city / division_code \(given) 不是本市的行政区划")
            }
            division = code
        } else {
            guard let located else { throw FeatureProblem("the feature lies outside every division of the city / 要素不在本市任何行政区划内") }
            division = located.code
        }
        let name = try text("name") ?? code
        switch kind {
        case .grids:
            return GeographyRecord(Grid(code: code, divisionCode: division, name: name, boundary: polygon!, worker: try text("worker", max: 64),
                                        source: source, demo: demo))
        case .addresses:
            let raw = try text("kind") ?? "address"
            guard let k = Address.Kind(rawValue: raw) else { throw FeatureProblem("kind must be address or poi / kind 应为 address 或 poi") }
            return GeographyRecord(Address(code: code, divisionCode: division, name: name, kind: k, point: point, source: source, demo: demo))
        case .cameras:
            let raw = try text("kind") ?? "fixed"
            guard let k = Camera.Kind(rawValue: raw) else { throw FeatureProblem("kind must be fixed or ptz / kind 应为 fixed 或 ptz") }
            let stream = try text("stream", max: 500)
            if let stream {
                guard let url = URL(string: stream), ["rtsp", "rtmp", "http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                    throw FeatureProblem("stream must be an rtsp, rtmp, http or https address / stream 应为 rtsp、rtmp、http 或 https 地址")
                }
            }
            var online = true
            if let value = properties["online"], !(value is NSNull) {
                guard isJSONBoolean(value), let flag = value as? Bool else { throw FeatureProblem("online must be true or false / online 应为 true 或 false") }
                online = flag
            }
            return GeographyRecord(Camera(code: code, divisionCode: division, name: name, kind: k, point: point, ownerCode: try text("owner", max: 40),
                                          streamURL: stream, online: online, source: source, demo: demo))
        }
    }
}

/// Whether a value JSONSerialization read was `true` or `false` (not a number: 1 and 0 also cast to Bool).
func isJSONBoolean(_ value: Any) -> Bool {
    type(of: value) == type(of: NSNumber(value: true))
}
