import CityCore
import Foundation
import Hummingbird
import Registry

/// Geography: the divisions a caller's scope covers, with boundaries.
struct RegistryController {
    let divisions: DivisionBook

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/divisions", use: listDivisions)
        api.get("/divisions/locate", use: locateDivision)
        api.get("/divisions/{code}", use: getDivision)
    }

    @Sendable func listDivisions(_ request: Request, context: StaffContext) async throws -> DivisionList {
        DivisionList(items: try await divisions.list(by: context.caller).map(DivisionDTO.init))
    }

    @Sendable func locateDivision(_ request: Request, context: StaffContext) async throws -> DivisionDTO {
        enum Reading { case value(Double), missing, invalid }
        func read(_ name: String, _ range: ClosedRange<Double>) -> Reading {
            guard let text = request.uri.queryParameters[Substring(name)] else { return .missing }
            guard let value = Double(String(text)), value.isFinite, range.contains(value) else { return .invalid }
            return .value(value)
        }
        let readings = [("lon", -180.0...180.0), ("lat", -90.0...90.0)].map { ($0.0, $0.1, read($0.0, $0.1)) }
        // A value that was sent and is wrong is named before one that was left out.
        let fault = readings.first { if case .invalid = $0.2 { true } else { false } } ?? readings.first { if case .missing = $0.2 { true } else { false } }
        if let (name, range, _) = fault {
            throw RequestProblem.badQuery(name, zh: "\(name) 应为 \(range.lowerBound) 到 \(range.upperBound) 之间的经纬度数值",
                                          en: "\(name) must be a number between \(range.lowerBound) and \(range.upperBound)")
        }
        guard case .value(let lon) = readings[0].2, case .value(let lat) = readings[1].2 else { throw RequestProblem.bad }
        return try DivisionDTO(try await divisions.locate(GeoPoint(lon: lon, lat: lat), by: context.caller))
    }

    @Sendable func getDivision(_ request: Request, context: StaffContext) async throws -> DivisionDTO {
        let text = try context.parameters.require("code")
        guard let code = DivisionCode(text) else {
            throw RequestProblem.invalidPath("code", zh: "行政区划代码应为 6、9 或 12 位数字", en: "A division code is 6, 9 or 12 digits")
        }
        return try DivisionDTO(try await divisions.find(code, by: context.caller))
    }
}
