import Registry

/// The registry domain's operations and shapes.
enum RegistryAPI {
    static let fragment = APIFragment(operations: [
        .init("get", "/api/v1/divisions", id: "listDivisions", summary: "Divisions within scope", tag: "registry",
              success: (200, DivisionList.schemaName, APIFragment.json)),
        .init("get", "/api/v1/divisions/locate", id: "locateDivision", summary: "The division containing a point (WGS84)", tag: "registry",
              query: [.init("lon", ["type": "number", "minimum": -180, "maximum": 180], "longitude", required: true),
                      .init("lat", ["type": "number", "minimum": -90, "maximum": 90], "latitude", required: true)],
              success: (200, DivisionDTO.schemaName, APIFragment.json), answers: [(404, "no division of the city contains the point")]),
        .init("get", "/api/v1/divisions/{code}", id: "getDivision", summary: "One division with its boundary (403 outside scope)", tag: "registry",
              pathParameters: [("code", Schema.string())], success: (200, DivisionDTO.schemaName, APIFragment.json),
              answers: [(404, "no such division within the caller's scope")]),
        .init("get", "/api/v1/registry/persons", id: "searchPersons",
              summary: "Persons by name within scope (exact, or by prefix), masked unless view=plain with a grant and X-Purpose; audited", tag: "registry",
              query: [.init("name", Schema.string(min: 1, max: 64), "the name, or its beginning with prefix=true", required: true),
                      .init("prefix", Schema.boolean, "match names that start with name"),
                      .init("division", Schema.divisionCode, "within this division (default: the caller's scope)"),
                      Self.view] + IdentityAPI.paging, headers: [Self.purpose],
              success: (200, PageDTO<PersonDTO>.schemaName, APIFragment.json)),
        .init("get", "/api/v1/registry/persons/{idNumber}", id: "getPerson",
              summary: "A person's golden record with provenance; masked unless view=plain with a grant and X-Purpose; every read audited", tag: "registry",
              query: [Self.view], headers: [Self.purpose], pathParameters: [("idNumber", Self.idNumber)], success: (200, PersonDTO.schemaName, APIFragment.json),
              answers: [(404, "no such person within the caller's scope")]),
        .init("get", "/api/v1/registry/persons/{idNumber}/history", id: "getPersonHistory",
              summary: "Every version of every source's record of a person, newest first; masked as the person read; audited", tag: "registry",
              query: [Self.view], headers: [Self.purpose], pathParameters: [("idNumber", Self.idNumber)], success: (200, PersonHistoryDTO.schemaName, APIFragment.json),
              answers: [(404, "no such person within the caller's scope")]),
        .init("get", "/api/v1/registry/entities", id: "searchEntities",
              summary: "Legal entities by name within scope (exact, or by prefix); the representative's ID number masked unless view=plain with a grant and X-Purpose; audited",
              tag: "registry",
              query: [.init("name", Schema.string(min: 1, max: 200), "the name, or its beginning with prefix=true", required: true),
                      .init("prefix", Schema.boolean, "match names that start with name"),
                      .init("division", Schema.divisionCode, "within this division (default: the caller's scope)"),
                      Self.view] + IdentityAPI.paging, headers: [Self.purpose],
              success: (200, PageDTO<EntityDTO>.schemaName, APIFragment.json)),
        .init("get", "/api/v1/registry/entities/{creditCode}", id: "getEntity",
              summary: "A legal entity's golden record with provenance; the representative's ID number masked unless view=plain with a grant and X-Purpose; every read audited",
              tag: "registry", query: [Self.view], headers: [Self.purpose], pathParameters: [("creditCode", Self.creditCode)],
              success: (200, EntityDTO.schemaName, APIFragment.json), answers: [(404, "no such legal entity within the caller's scope")]),
        .init("get", "/api/v1/registry/entities/{creditCode}/history", id: "getEntityHistory",
              summary: "Every version of every source's record of a legal entity, newest first; masked as the entity read; audited", tag: "registry",
              query: [Self.view], headers: [Self.purpose], pathParameters: [("creditCode", Self.creditCode)],
              success: (200, EntityHistoryDTO.schemaName, APIFragment.json), answers: [(404, "no such legal entity within the caller's scope")]),
        .init("get", "/api/v1/registry/quality", id: "registryQuality",
              summary: "The latest data-quality report of a registry within scope (completeness per source and field, doubtful values, likely duplicates, conflicts between sources), built in the background; 202 while the first is built; audited",
              tag: "registry",
              query: [.init("registry", Schema.enumeration(RegistryName.allCases.map(\.rawValue)), "persons or entities", required: true),
                      .init("division", Schema.divisionCode, "within this division (default: the caller's scope)"),
                      .init("refresh", Schema.boolean, "build a new report now (the answer is still the latest built)")],
              success: (200, QualityReportDTO.schemaName, APIFragment.json),
              accepted: (QualityPendingDTO.schemaName, "no report built yet for this scope: one is being built; ask again after Retry-After seconds")),
    ], shapes: [DivisionDTO.self, DivisionList.self, PersonDTO.self, FieldProvenanceDTO.self, PageDTO<PersonDTO>.self, RecordVersionDTO<PersonSource>.self, PersonHistoryDTO.self,
                EntityDTO.self, PageDTO<EntityDTO>.self, RecordVersionDTO<EntitySource>.self, EntityHistoryDTO.self, QualityReportDTO.self, QualityPendingDTO.self])

    static let view = APIOperation.Query("view", Schema.enumeration(PersonView.allCases.map(\.rawValue)),
                                         "masked (default) or plain: plain needs a grant (the big-data bureaus' data stewards) and a purpose in the X-Purpose header")
    /// Why the caller reads personal data: required for plain values, recorded with every read.
    static let purpose = APIOperation.Query("X-Purpose", Schema.string(max: 200),
                                            "why the data is read (required for view=plain; recorded in the audit log with every read)")
    static let creditCode = Schema.string("unified social credit code (GB 32100)", pattern: "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$")
    static let idNumber = Schema.string("resident ID number (GB 11643): 17 digits and a check character", pattern: "^[0-9]{17}[0-9Xx]$")
}
