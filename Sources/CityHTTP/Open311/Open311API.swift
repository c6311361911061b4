import CityCore
import Cases

/// Open311 GeoReport v2's operations, as this server answers them (JSON shown; the `.xml` forms
/// carry the same fields as elements).
enum Open311API {
    static let errors: [(Int, String)] = [(400, "a parameter is wrong"), (403, "api_key is missing or not valid"), (404, "no such service or public request")]
    static let bodyErrors: [(Int, String)] = [(413, "the form is over the size limit"), (415, "the body is not application/x-www-form-urlencoded")]

    static func op(_ method: String, _ path: String, id: String, summary: String, query: [APIOperation.Query] = [], body: String? = nil,
                   file: JSONValue? = nil, success: (Int, String?, String)) -> APIOperation {
        var op = APIOperation(method, path, id: id, summary: summary, tag: "open311", access: .open, body: body, query: query,
                              pathParameters: file.map { [("file", $0)] } ?? [], success: success, answers: errors + (body == nil ? [] : bodyErrors))
        let xml = path.hasSuffix(".xml") || success.2 == xmlMedia
        op.errorShape = ("Open311Errors", xml ? xmlMedia : APIFragment.json)
        // NAME.json or NAME.xml on one path: either media type.
        if file != nil { op.alsoMedia = [xmlMedia] }
        op.bodyMedia = "application/x-www-form-urlencoded"
        return op
    }

    static let xmlMedia = "text/xml"
    static let file = Schema.string("NAME.json or NAME.xml", pattern: "^[0-9A-Za-z_-]{1,40}\\.(json|xml)$")
    static let filters: [APIOperation.Query] = [
        .init("service_request_id", Schema.string("case numbers, comma-separated (overrides the other filters)"), "these requests"),
        .init("service_code", Schema.string("category codes, comma-separated"), "these services"),
        .init("start_date", Schema.string(format: "date-time"), "requested at or after (the range spans 90 days at most; default the last 90)"),
        .init("end_date", Schema.string(format: "date-time"), "requested at or before"),
        .init("status", Schema.enumeration(["open", "closed", "open,closed"]), "open, closed or both"),
    ]

    static let fragment = APIFragment(operations: [
        op("get", "/open311/v2/services.json", id: "open311Services", summary: "Open311: the services (the case categories)", success: (200, "Open311Services", APIFragment.json)),
        op("get", "/open311/v2/services.xml", id: "open311ServicesXML", summary: "Open311: the services, as XML", success: (200, nil, xmlMedia)),
        op("get", "/open311/v2/services/{file}", id: "open311ServiceDefinition", summary: "Open311: a service's definition (its attributes)", file: file,
           success: (200, "Open311ServiceDefinition", APIFragment.json)),
        op("get", "/open311/v2/requests.json", id: "open311Requests", summary: "Open311: public requests (filed through Open311 or the citizen portal), newest first",
           query: filters, success: (200, "Open311Requests", APIFragment.json)),
        op("get", "/open311/v2/requests.xml", id: "open311RequestsXML", summary: "Open311: public requests, as XML", query: filters, success: (200, nil, xmlMedia)),
        op("post", "/open311/v2/requests.json", id: "open311Post", summary: "Open311: post a request with a system's api_key; it becomes a case waiting for registration",
           body: "Open311NewRequest", success: (201, "Open311Posted", APIFragment.json)),
        op("post", "/open311/v2/requests.xml", id: "open311PostXML", summary: "Open311: post a request, answered as XML", body: "Open311NewRequest",
           success: (201, nil, xmlMedia)),
        op("get", "/open311/v2/requests/{file}", id: "open311Request", summary: "Open311: one public request, as a one-element list", file: file,
           success: (200, "Open311Requests", APIFragment.json)),
        op("get", "/open311/v2/tokens/{file}", id: "open311Token", summary: "Open311: the request a token stands for (the token is the number)", file: file,
           success: (200, "Open311Tokens", APIFragment.json)),
    ], schemas: [
        ("Open311Services", Schema.array(Schema.object([
            ("service_code", Schema.string()), ("service_name", Schema.string()), ("description", Schema.string()), ("metadata", Schema.boolean),
            ("type", Schema.enumeration(["realtime", "batch", "blackbox"])), ("keywords", Schema.string()), ("group", Schema.string()),
        ], required: ["service_code", "service_name", "metadata", "type"], closed: false))),
        ("Open311ServiceDefinition", Schema.object([("service_code", Schema.string()), ("attributes", Schema.array(["type": "object"]))],
                                                   required: ["service_code", "attributes"], closed: false)),
        ("Open311Requests", Schema.array(Schema.object([
            ("service_request_id", Schema.string()), ("status", Schema.enumeration(["open", "closed"])), ("status_notes", Schema.nullableString),
            ("service_name", Schema.nullableString), ("service_code", Schema.string()), ("description", Schema.string()),
            ("agency_responsible", Schema.nullableString), ("service_notice", Schema.nullableString),
            ("requested_datetime", ["type": ["string", "null"], "format": "date-time"]), ("updated_datetime", ["type": ["string", "null"], "format": "date-time"]),
            ("expected_datetime", ["type": ["string", "null"], "format": "date-time"]), ("address", Schema.nullableString), ("address_id", Schema.nullableString),
            ("zipcode", Schema.nullableString), ("lat", ["type": ["number", "null"]]), ("long", ["type": ["number", "null"]]), ("media_url", Schema.nullableString),
        ], required: ["service_request_id", "status", "service_code"], closed: false))),
        ("Open311Posted", Schema.array(Schema.object([("service_request_id", Schema.string()), ("service_notice", Schema.nullableString),
                                                      ("account_id", Schema.nullableString)], required: ["service_request_id"], closed: false))),
        ("Open311Tokens", Schema.array(Schema.object([("service_request_id", Schema.string()), ("token", Schema.string())],
                                                     required: ["service_request_id", "token"], closed: false))),
        ("Open311Errors", Schema.array(Schema.object([("code", Schema.integer), ("description", Schema.string())], required: ["code", "description"], closed: false))),
        ("Open311NewRequest", Schema.object([
            ("api_key", Schema.string()), ("service_code", Schema.string()), ("lat", Schema.string("latitude")), ("long", Schema.string("longitude")),
            ("address_string", Schema.string()), ("address_id", Schema.string()), ("description", Schema.string(max: 2_000)), ("media_url", Schema.string()),
            ("first_name", Schema.string()), ("last_name", Schema.string()), ("phone", Schema.string()), ("email", Schema.string()),
            ("device_id", Schema.string()), ("account_id", Schema.string()),
        ], required: ["api_key", "service_code"], closed: false)),
    ])
}
