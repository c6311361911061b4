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
    ], shapes: [DivisionDTO.self, DivisionList.self])
}
