import CityCore
import Foundation
import Hummingbird
import Registry

/// The persons registry (自然人库): one person, their history, and search by name within scope.
/// Masked unless `view=plain` with a grant and an `X-Purpose`; every read audited by the registry.
struct PersonController {
    let persons: PersonRegistry

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/registry/persons", use: searchPersons)
        api.get("/registry/persons/{idNumber}", use: getPerson)
        api.get("/registry/persons/{idNumber}/history", use: personHistory)
    }

    @Sendable func getPerson(_ request: Request, context: StaffContext) async throws -> PersonDTO {
        PersonDTO(try await persons.person(try Self.idNumber(context), view: try Self.view(request), by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func personHistory(_ request: Request, context: StaffContext) async throws -> PersonHistoryDTO {
        PersonHistoryDTO(try await persons.history(try Self.idNumber(context), view: try Self.view(request), by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func searchPersons(_ request: Request, context: StaffContext) async throws -> PageDTO<PersonDTO> {
        let query = request.uri.queryParameters
        guard let name = query["name"].map(String.init), !name.isEmpty else {
            throw RequestProblem.badQuery("name", zh: "请给出要查找的姓名 name", en: "Give the name to search for in name")
        }
        let page = try await persons.search(name: name, prefix: try request.flag("prefix"), division: try request.division(), page: try PageRequest(request), view: try Self.view(request),
                                            by: context.caller, origin: context.auditOrigin)
        return PageDTO(page, PersonDTO.init)
    }

    /// The ID number in the path, or a 400 that says exactly what is wrong with it.
    static func idNumber(_ context: StaffContext) throws -> ResidentID {
        let text = try context.parameters.require("idNumber")
        do {
            return try ResidentID.checked(text)
        } catch {
            throw RequestProblem.invalidPath("idNumber", zh: "身份证号码无效：\(error.messageZh)", en: "Invalid ID number: \(error.messageEn)")
        }
    }

    static func view(_ request: Request) throws -> PersonView {
        guard let text = request.uri.queryParameters["view"] else { return .masked }
        guard let view = PersonView(rawValue: String(text)) else {
            throw RequestProblem.badQuery("view", zh: "view 应为 masked 或 plain", en: "view must be masked or plain")
        }
        return view
    }
}
