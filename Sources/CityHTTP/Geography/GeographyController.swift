import CityCore
import Foundation
import Hummingbird
import Registry

/// Geography (地理信息库): where a point lies (division, grid cell, nearest address), the camera
/// sites nearest a point, and one grid cell. Answered from this process's in-memory index.
struct GeographyController {
    let geography: GeographyBook

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/geography/locate", use: locate)
        api.get("/geography/cameras", use: nearestCameras)
        api.get("/geography/grids/{code}", use: grid)
        api.get("/geography/addresses", use: searchAddresses)
    }

    @Sendable func searchAddresses(_ request: Request, context: StaffContext) async throws -> AddressList {
        guard let text = request.uri.queryParameters["q"].map(String.init), !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RequestProblem.badQuery("q", zh: "请给出地址搜索词 q", en: "Give the words to search for in q")
        }
        let limit = try Self.number("limit", in: request, range: 1...50, whole: true, zh: "limit 应为 1 到 50 的整数", en: "limit must be a whole number from 1 to 50") ?? 10
        return AddressList(items: try geography.searchAddresses(text, limit: Int(limit), by: context.caller).map(AddressDTO.init))
    }

    @Sendable func locate(_ request: Request, context: StaffContext) async throws -> LocationDTO {
        LocationDTO(try geography.locate(try Self.point(request), by: context.caller))
    }

    @Sendable func nearestCameras(_ request: Request, context: StaffContext) async throws -> NearbyCameraList {
        let point = try Self.point(request)
        let count = try Self.number("count", in: request, range: 1...100, whole: true, zh: "count 应为 1 到 100 的整数", en: "count must be a whole number from 1 to 100") ?? 10
        let radius = try Self.number("radius", in: request, range: 1...100_000, zh: "radius 应为 1 到 100000 之间的米数", en: "radius must be metres from 1 to 100000") ?? 5_000
        let found = try geography.nearestCameras(to: point, count: Int(count), within: radius, onlineOnly: try request.flag("online"), by: context.caller)
        return NearbyCameraList(items: found.map { NearbyCameraDTO($0.camera, metres: $0.metres) })
    }

    @Sendable func grid(_ request: Request, context: StaffContext) async throws -> GridDTO {
        let code = try context.parameters.require("code")
        return try GridDTO(try geography.grid(code, by: context.caller))
    }

    /// `lon` and `lat` from the query, or a 400 naming the one at fault (a value sent and wrong
    /// before one left out).
    static func point(_ request: Request) throws -> GeoPoint {
        enum Reading { case value(Double), missing, invalid }
        func read(_ name: String, _ range: ClosedRange<Double>) -> Reading {
            guard let text = request.uri.queryParameters[Substring(name)] else { return .missing }
            guard let value = Double(String(text)), value.isFinite, range.contains(value) else { return .invalid }
            return .value(value)
        }
        let readings = [("lon", -180.0...180.0), ("lat", -90.0...90.0)].map { ($0.0, $0.1, read($0.0, $0.1)) }
        let fault = readings.first { if case .invalid = $0.2 { true } else { false } } ?? readings.first { if case .missing = $0.2 { true } else { false } }
        if let (name, range, _) = fault {
            throw RequestProblem.badQuery(name, zh: "\(name) 应为 \(range.lowerBound) 到 \(range.upperBound) 之间的经纬度数值",
                                          en: "\(name) must be a number between \(range.lowerBound) and \(range.upperBound)")
        }
        guard case .value(let lon) = readings[0].2, case .value(let lat) = readings[1].2 else { throw RequestProblem.bad }
        return GeoPoint(lon: lon, lat: lat)
    }

    /// An optional number from the query within `range` (a whole one with `whole`), or a 400 naming it.
    static func number(_ name: String, in request: Request, range: ClosedRange<Double>, whole: Bool = false, zh: String, en: String) throws -> Double? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let value = Double(String(text)), range.contains(value), !whole || value == value.rounded() else {
            throw RequestProblem.badQuery(name, zh: zh, en: en)
        }
        return value
    }
}
