import CityCore
import Foundation

/// The OpenAPI 3.1 document: the domains' fragments assembled, with the answers every operation of
/// a kind gives added by rule, so no route can forget its 401, 403 or 503. `WebTests` checks that
/// each route the router knows is described here and each path here is routed.
public enum OpenAPIDocument {
    /// The version the document and the pages show.
    public static let version = "0.1.0"

    static let problemSchema: (String, JSONValue) = ("Problem", Schema.object([
        ("type", Schema.string(format: "uri-reference")), ("title", Schema.string()), ("status", Schema.integer), ("detail", Schema.string()),
        ("instance", Schema.string()), ("code", Schema.string("stable machine code")), ("messageZh", Schema.string("message in Chinese")),
        ("messageEn", Schema.string("message in English")), ("field", Schema.string("the field at fault")), ("requestId", Schema.string()),
    ], required: ["type", "title", "status", "detail", "code", "messageZh", "messageEn"], closed: false))

    static func problem(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/problem+json": ["schema": Schema.ref("Problem")]]]
    }

    /// The document for these fragments.
    public static func build(_ fragments: [APIFragment]) -> JSONValue {
        var paths: [(String, [(String, JSONValue)])] = []
        for op in fragments.flatMap(\.operations) {
            let pairs = operation(op)
            if let index = paths.firstIndex(where: { $0.0 == op.path }) {
                paths[index].1.append((op.method, .object(pairs)))
            } else {
                paths.append((op.path, [(op.method, .object(pairs))]))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "CityHub API",
                "version": .string(version),
                "description": "周口城市大脑 CityHub: the city's data foundation, command center and applications. Errors are RFC 9457 problem+json with messages in Chinese and English.",
                "license": ["name": "Apache-2.0", "identifier": "Apache-2.0"],
            ],
            "servers": [["url": "/"]],
            "paths": .object(paths.map { ($0.0, .object($0.1)) }),
            "components": [
                "schemas": .object([problemSchema] + fragments.flatMap(\.schemas)),
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/auth/login, or an API key"],
                    "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                    "cookie": ["type": "apiKey", "in": "cookie", "name": "cityhub_session"],
                ],
            ],
        ]
    }

    static func operation(_ op: APIOperation) -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("operationId", .string(op.id)), ("summary", .string(op.summary)), ("tags", [.string(op.tag)])]
        var parameters: [JSONValue] = op.pathParameters.map { name, schema in ["name": .string(name), "in": "path", "required": true, "schema": schema] }
        parameters += op.query.map { q in
            ["name": .string(q.name), "in": "query", "required": .bool(q.required), "description": .string(q.description), "schema": q.schema]
        }
        parameters += op.headers.map { h in
            ["name": .string(h.name), "in": "header", "required": .bool(h.required), "description": .string(h.description), "schema": h.schema]
        }
        if !parameters.isEmpty { pairs.append(("parameters", .array(parameters))) }
        if let body = op.body {
            let text: JSONValue = ["schema": ["type": "string"]]
            let main: JSONValue = ["schema": Schema.ref(body)]
            let content: [(String, JSONValue)] = [(op.bodyMedia, main)] + op.alsoBodyMedia.map { ($0, text) }
            pairs.append(("requestBody", ["required": true, "content": .object(content)]))
        }
        var answers: [(Int, JSONValue)] = []
        var success: [(String, JSONValue)] = [("description", "success")]
        let anything: JSONValue = ["schema": [:]]
        let others: [(String, JSONValue)] = op.alsoMedia.map { ($0, anything) }
        if let schema = op.success.schema {
            let main: JSONValue = ["schema": Schema.ref(schema)]
            success.append(("content", .object([(op.success.media, main)] + others)))
        } else if op.success.status != 204 && op.success.status != 303 {
            success.append(("content", .object([(op.success.media, anything)] + others)))
        }
        if op.success.status == 303 { success.append(("headers", ["Location": ["schema": ["type": "string"]]])) }
        answers.append((op.success.status, .object(success)))
        if let accepted = op.accepted {
            answers.append((202, ["description": .string(accepted.description), "headers": ["Retry-After": ["schema": ["type": "integer"]]],
                                  "content": [.init(stringLiteral: APIFragment.json): ["schema": Schema.ref(accepted.schema)]]]))
        }
        for page in op.pageAnswers {
            answers.append((page.status, page.status == 303
                ? ["description": .string(page.description), "headers": ["Location": ["schema": ["type": "string"]]]]
                : ["description": .string(page.description), "content": [.init(stringLiteral: APIFragment.html): ["schema": [:]]]]))
        }
        let isAPI = op.path.hasPrefix("/api/")
        if !isAPI && op.errorShape == nil {
            // A page's form or path that the input checks refuse before the page (control
            // characters, a body over the limit) is answered as problem+json: those statuses
            // carry both media types.
            let early = "; refused before the page (a control character, a body over the limit) as problem+json"
            for status in [400, 413] {
                if let i = answers.firstIndex(where: { $0.0 == status }), case .object(let pairs) = answers[i].1,
                   case .string(let description)? = pairs.first(where: { $0.0 == "description" })?.1 {
                    answers[i] = (status, ["description": .string(description + early),
                                           "content": [.init(stringLiteral: APIFragment.html): ["schema": [:]], "application/problem+json": ["schema": Schema.ref("Problem")]]])
                } else if status == 400 && !op.pathParameters.isEmpty {
                    answers.append((400, problem("a path holding control characters is refused before the page")))
                }
            }
        }
        if isAPI && (op.body != nil || !op.query.isEmpty || !op.pathParameters.isEmpty) {
            answers.append((400, problem("bad input: the field at fault is named")))
        }
        if isAPI && op.body != nil {
            answers.append((413, problem("body over the size limit")))
            answers.append((415, problem("body is not application/json")))
        }
        if op.access != .open {
            answers.append((401, problem("missing or bad credentials")))
            answers.append((403, problem(op.access == .staff ? "missing role, outside division scope, or not a staff member (audited)" : "missing role (audited)")))
        }
        for answer in op.answers where !answers.contains(where: { $0.0 == answer.status }) {
            if let shape = op.errorShape {
                let schema: JSONValue = ["schema": Schema.ref(shape.schema)]
                let content = JSONValue.object([(shape.media, schema)] + others)
                answers.append((answer.status, .object([("description", .string(answer.description)), ("content", content)])))
            } else {
                answers.append((answer.status, problem(answer.description)))
            }
        }
        if isAPI && op.id != "openapi" {
            answers.append((503, problem("the database is unavailable: retry after the seconds in Retry-After")))
        }
        pairs.append(("responses", .object(answers.sorted { $0.0 < $1.0 }.map { (String($0.0), $0.1) })))
        pairs.append(("security", op.access == .open ? [] : [["bearer": []], ["apiKey": []], ["cookie": []]]))
        return pairs
    }
}
