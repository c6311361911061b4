import Registry

/// The geography domain's operations and shapes.
enum GeographyAPI {
    static let point = [APIOperation.Query("lon", ["type": "number", "minimum": -180, "maximum": 180], "longitude (WGS84 / CGCS2000)", required: true),
                        APIOperation.Query("lat", ["type": "number", "minimum": -90, "maximum": 90], "latitude (WGS84 / CGCS2000)", required: true)]

    static let fragment = APIFragment(operations: [
        .init("get", "/api/v1/geography/locate", id: "locatePoint", summary: "The division, grid cell and nearest address of a point (403 outside scope)",
              tag: "geography", query: point, success: (200, LocationDTO.schemaName, APIFragment.json),
              answers: [(404, "no division of the city contains the point")]),
        .init("get", "/api/v1/geography/cameras", id: "nearestCameras", summary: "The camera sites within scope nearest a point, nearest first",
              tag: "geography",
              query: point + [.init("count", ["type": "integer", "minimum": 1, "maximum": 100], "how many (default 10)"),
                              .init("radius", ["type": "number", "minimum": 1, "maximum": 100_000], "within this many metres (default 5000)"),
                              .init("online", Schema.boolean, "only cameras that are online")],
              success: (200, NearbyCameraList.schemaName, APIFragment.json)),
        .init("get", "/api/v1/geography/grids/{code}", id: "getGrid", summary: "One grid cell with its boundary", tag: "geography",
              pathParameters: [("code", Schema.string(max: 40))], success: (200, GridDTO.schemaName, APIFragment.json),
              answers: [(404, "no such grid cell within the caller's scope")]),
        .init("get", "/api/v1/geography/addresses", id: "searchAddresses",
              summary: "Addresses and points of interest within scope whose name holds the words (names starting with them first): the intake form's address search",
              tag: "geography",
              query: [.init("q", Schema.string(max: 50), "words of the name", required: true),
                      .init("limit", ["type": "integer", "minimum": 1, "maximum": 50], "how many (default 10)")],
              success: (200, AddressList.schemaName, APIFragment.json)),
    ], shapes: [LocationDTO.self, NearbyCameraDTO.self, NearbyCameraList.self, GridDTO.self, AddressDTO.self, AddressList.self])
}
