import CityCore
import Foundation
import Hummingbird
import Registry

/// Geography: the divisions a caller's scope covers, with boundaries.
struct RegistryController {
    let divisions: DivisionBook
    let geography: GeographyBook

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/divisions", use: listDivisions)
        api.get("/divisions/locate", use: locateDivision)
        api.get("/divisions/{code}", use: getDivision)
    }

    @Sendable func listDivisions(_ request: Request, context: StaffContext) async throws -> DivisionList {
        DivisionList(items: try await divisions.list(by: context.caller).map(DivisionDTO.init))
    }

    @Sendable func locateDivision(_ request: Request, context: StaffContext) async throws -> DivisionDTO {
        try DivisionDTO(try geography.division(at: try GeographyController.point(request), by: context.caller))
    }

    @Sendable func getDivision(_ request: Request, context: StaffContext) async throws -> DivisionDTO {
        let text = try context.parameters.require("code")
        guard let code = DivisionCode(text) else {
            throw RequestProblem.invalidPath("code", zh: "行政区划代码应为 6、9 或 12 位数字", en: "A division code is 6, 9 or 12 digits")
        }
        return try DivisionDTO(try await divisions.find(code, by: context.caller))
    }
}
