import CityCore
import Foundation
import Hummingbird
import Registry

/// The legal-entity registry (法人库): one entity by its credit code, its history, and search by
/// name within scope; the representative's ID number masked unless `view=plain` with a grant and
/// an `X-Purpose`; every read audited by the registry.
struct EntityController {
    let entities: EntityRegistry

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/registry/entities", use: searchEntities)
        api.get("/registry/entities/{creditCode}", use: getEntity)
        api.get("/registry/entities/{creditCode}/history", use: entityHistory)
    }

    @Sendable func getEntity(_ request: Request, context: StaffContext) async throws -> EntityDTO {
        EntityDTO(try await entities.entity(try Self.creditCode(context), view: try PersonController.view(request), by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func entityHistory(_ request: Request, context: StaffContext) async throws -> EntityHistoryDTO {
        EntityHistoryDTO(try await entities.history(try Self.creditCode(context), view: try PersonController.view(request), by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func searchEntities(_ request: Request, context: StaffContext) async throws -> PageDTO<EntityDTO> {
        guard let name = request.uri.queryParameters["name"].map(String.init), !name.isEmpty else {
            throw RequestProblem.badQuery("name", zh: "请给出要查找的名称 name", en: "Give the name to search for in name")
        }
        let page = try await entities.search(name: name, prefix: try request.flag("prefix"), division: try request.division(), page: try PageRequest(request),
                                             view: try PersonController.view(request), by: context.caller, origin: context.auditOrigin)
        return PageDTO(page, EntityDTO.init)
    }

    /// The credit code in the path, or a 400 that says exactly what is wrong with it.
    static func creditCode(_ context: StaffContext) throws -> CreditCode {
        let text = try context.parameters.require("creditCode")
        do {
            return try CreditCode.checked(text)
        } catch {
            throw RequestProblem.invalidPath("creditCode", zh: "统一社会信用代码无效：\(error.messageZh)", en: "Invalid credit code: \(error.messageEn)")
        }
    }
}

/// A legal entity's golden record as a reader may see it.
struct EntityDTO: ResponseEncodable, APIShape {
    let creditCode: String
    let name: String
    let kind: String
    let legalRepIdNumber: String?
    let address: String?
    let divisionCode: String
    let status: String
    let statusDate: String?
    let businessScope: String?
    let registeredElsewhere: Bool
    let sources: [String]
    let provenance: [String: FieldProvenanceDTO]
    let masked: Bool
    let updatedAt: Date
    enum CodingKeys: String, CodingKey, CaseIterable {
        case creditCode, name, kind, legalRepIdNumber, address, divisionCode, status, statusDate, businessScope, registeredElsewhere, sources, provenance,
             masked, updatedAt
    }
    static let requiredFields: [CodingKeys] = [.creditCode, .name, .kind, .divisionCode, .status, .registeredElsewhere, .sources, .provenance, .masked, .updatedAt]
    static let schemaName = "LegalEntity"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .creditCode: Schema.string("unified social credit code (GB 32100)")
        case .name: Schema.string()
        case .kind: Schema.enumeration(EntityKind.all)
        case .legalRepIdNumber: ["type": ["string", "null"], "description": "the legal representative's ID number; masked unless plain"]
        case .address, .statusDate, .businessScope: Schema.nullableString
        case .divisionCode: Schema.divisionCode
        case .status: Schema.enumeration(EntityStatus.allCases.map(\.rawValue))
        case .registeredElsewhere: ["type": "boolean", "description": "the code's registration division lies outside the city (a branch)"]
        case .sources: Schema.array(FieldProvenanceDTO.sourceSchema)
        case .provenance: ["type": "object", "additionalProperties": Schema.ref(FieldProvenanceDTO.self), "description": "per field: the source chosen and those that disagree"]
        case .masked: Schema.boolean
        case .updatedAt: Schema.string(format: "date-time")
        }
    }

    init(_ e: EntityRecord) {
        creditCode = e.creditCode; name = e.name; kind = e.kind; legalRepIdNumber = e.legalRepIdNumber; address = e.address; divisionCode = e.divisionCode
        status = e.status.rawValue; statusDate = e.statusDate; businessScope = e.businessScope; registeredElsewhere = e.registeredElsewhere
        sources = e.sources.map(\.rawValue); masked = e.masked; updatedAt = e.updatedAt
        provenance = e.provenance.mapValues { FieldProvenanceDTO(source: $0.source.rawValue, receivedAt: $0.receivedAt, disagreeing: $0.disagreeing.map(\.rawValue)) }
    }
}

/// Every version of every source's record of one legal entity, newest first.
struct EntityHistoryDTO: ResponseEncodable, APIShape {
    let creditCode: String
    let masked: Bool
    let versions: [RecordVersionDTO<EntitySource>]
    enum CodingKeys: String, CodingKey, CaseIterable { case creditCode, masked, versions }
    static let schemaName = "LegalEntityHistory"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .creditCode: Schema.string()
        case .masked: Schema.boolean
        case .versions: Schema.array(Schema.ref(RecordVersionDTO<EntitySource>.self))
        }
    }

    init(_ h: EntityHistory) {
        creditCode = h.creditCode; masked = h.masked
        versions = h.versions.map(RecordVersionDTO.init)
    }
}
