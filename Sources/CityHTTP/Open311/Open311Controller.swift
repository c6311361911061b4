import Cases
import CityCore
import CityStore
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import NIOCore

/// Open311 GeoReport v2 at `/open311/v2`, so stock civic-tech clients list services, post a
/// request and follow it to closure: services are the case categories, a request is a case and
/// `service_request_id` its number. Reading is public and shows only cases filed through a public
/// channel, without any reporter field; posting takes the `api_key` of a system's API key.
/// Errors are the spec's list of `{code, description}` with a 4xx status, in JSON or XML.
struct Open311Controller {
    let cases: CaseDesk
    let catalogue: CaseCatalogue
    let keys: APIKeyRing

    static let root = "/open311/v2"

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group(RouterPath(Self.root))
        group.get("/services.json") { request, context in try await services(request, context, .json) }
        group.get("/services.xml") { request, context in try await services(request, context, .xml) }
        group.get("/services/{file}") { request, context in
            let (code, format) = try Self.file(context)
            return try await definition(code, format)
        }
        group.get("/requests.json") { request, context in try await requests(request, .json) }
        group.get("/requests.xml") { request, context in try await requests(request, .xml) }
        group.post("/requests.json") { request, context in try await post(request, context, .json) }
        group.post("/requests.xml") { request, context in try await post(request, context, .xml) }
        group.get("/requests/{file}") { request, context in
            let (number, format) = try Self.file(context)
            return try await one(number, format)
        }
        group.get("/tokens/{file}") { request, context in
            let (token, format) = try Self.file(context)
            return try await self.token(token, format)
        }
    }

    /// `NAME.json` or `NAME.xml` from the path's last part.
    static func file(_ context: AppRequestContext) throws -> (String, Open311Format) {
        let file = try context.parameters.require("file")
        for format in [Open311Format.json, .xml] where file.hasSuffix("." + format.rawValue) {
            let name = String(file.dropLast(format.rawValue.count + 1))
            if !name.isEmpty { return (name, format) }
        }
        throw Open311Error(status: .notFound, description: "use .json or .xml")
    }

    func services(_ request: Request, _ context: AppRequestContext, _ format: Open311Format) async throws -> Response {
        let items = try await catalogue.categories().map { c -> Open311Value in
            .object([("service_code", .text(c.code)), ("service_name", .text(c.name)), ("description", .text("\(c.majorName) · \(c.name)")),
                     ("metadata", .bool(false)), ("type", .text("realtime")), ("keywords", .text([c.majorName, c.name].joined(separator: ","))),
                     ("group", .text(c.majorName))])
        }
        return format.response(.list(items), root: "services", item: "service")
    }

    func definition(_ code: String, _ format: Open311Format) async throws -> Response {
        guard try await catalogue.categories().contains(where: { $0.code == code }) else {
            throw Open311Error(status: .notFound, description: "no service with code \(code)")
        }
        // No service takes extra attributes yet: every case is described by its text and place.
        let value = Open311Value.object([("service_code", .text(code)), ("attributes", .list([]))])
        return format.response(value, root: nil, item: "service_definition")
    }

    func requests(_ request: Request, _ format: Open311Format) async throws -> Response {
        let q = request.uri.queryParameters
        func list(_ name: String) -> [String] { q[Substring(name)].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? [] }
        func date(_ name: String) throws -> Date? {
            guard let text = q[Substring(name)].map(String.init) else { return nil }
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw Open311Error(status: .badRequest, description: "\(name) must be a W3C date-time such as 2026-11-25T10:00:00+08:00")
            }
            return date
        }
        var open: Bool?
        switch list("status") {
        case [], ["open", "closed"], ["closed", "open"]: open = nil
        case ["open"]: open = true
        case ["closed"]: open = false
        default: throw Open311Error(status: .badRequest, description: "status is open, closed or both")
        }
        let found: [PublicCase]
        do {
            found = try await cases.publicCases(PublicCaseQuery(numbers: list("service_request_id"), categoryCodes: list("service_code"),
                                                                from: try date("start_date"), to: try date("end_date"), open: open))
        } catch let error as CasesError {
            throw Open311Error(status: .badRequest, description: error.messageEn)
        }
        return format.response(.list(found.map(Self.value)), root: "service_requests", item: "request")
    }

    func one(_ number: String, _ format: Open311Format) async throws -> Response {
        guard let found = try await cases.publicCases(PublicCaseQuery(numbers: [number])).first else {
            throw Open311Error(status: .notFound, description: "no public service request \(number)")
        }
        // A single request is a one-element list, as clients expect.
        return format.response(.list([Self.value(found)]), root: "service_requests", item: "request")
    }

    func token(_ token: String, _ format: Open311Format) async throws -> Response {
        // Requests get their number at once: the token is the number.
        guard try await cases.publicCases(PublicCaseQuery(numbers: [token])).first != nil else {
            throw Open311Error(status: .notFound, description: "no token \(token)")
        }
        return format.response(.list([.object([("service_request_id", .text(token)), ("token", .text(token))])]), root: "service_requests", item: "request")
    }

    func post(_ request: Request, _ context: AppRequestContext, _ format: Open311Format) async throws -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw RequestProblem.unsupportedMediaType
        }
        let body = try await request.collectBounded(upTo: context.maxUploadSize, context: context)
        let form = Self.formFields(String(buffer: body))
        guard let key = form["api_key"], !key.isEmpty, let caller = try await keys.authenticate(key) else {
            throw Open311Error(status: .forbidden, description: "api_key is missing or not valid")
        }
        guard let code = form["service_code"], !code.isEmpty else { throw Open311Error(status: .badRequest, description: "service_code is required") }
        var point: GeoPoint?
        if let lat = form["lat"], let lon = form["long"] {
            guard let lat = Double(lat), let lon = Double(lon) else { throw Open311Error(status: .badRequest, description: "lat and long must be numbers") }
            point = GeoPoint(lon: lon, lat: lat)
        }
        guard point != nil || form["address_id"] != nil else {
            throw Open311Error(status: .badRequest, description: "give lat and long, or an address_id (address_string alone cannot be placed)")
        }
        var description = form["description"] ?? ""
        if let media = form["media_url"], !media.isEmpty { description += (description.isEmpty ? "" : "\n") + "media_url: \(media)" }
        let name = [form["last_name"], form["first_name"]].compactMap { $0 }.joined()
        let new = NewCase(channel: .open311, categoryCode: code, description: description, location: point, addressCode: form["address_id"],
                          address: form["address_string"], reporter: Reporter(name: name.isEmpty ? nil : name, phone: form["phone"]))
        let detail = try await cases.file(new, by: caller, origin: context.auditOrigin)
        let answer = Open311Value.list([.object([("service_request_id", .text(detail.item.number)),
                                                 ("service_notice", .text("已受理，编号 \(detail.item.number)")), ("account_id", .null)])])
        var response = format.response(answer, root: "service_requests", item: "request")
        response.status = .created
        return response
    }

    /// `a=1&b=x+y` as a dictionary (the last value of a repeated key wins).
    static func formFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            guard let key = parts.first, !key.isEmpty else { continue }
            fields[key] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }

    static func value(_ c: PublicCase) -> Open311Value {
        func time(_ date: Date?) -> Open311Value { date.map { .text(Open311Format.dateTime($0)) } ?? .null }
        return .object([
            ("service_request_id", .text(c.number)), ("status", .text(c.isOpen ? "open" : "closed")), ("status_notes", c.statusNotes.map { .text($0) } ?? .null),
            ("service_name", c.categoryName.map { .text($0) } ?? .null), ("service_code", .text(c.categoryCode)), ("description", .text(c.description)),
            ("agency_responsible", c.organisationCode.map { .text($0) } ?? .null), ("service_notice", .null),
            ("requested_datetime", time(c.reportedAt)), ("updated_datetime", time(c.updatedAt)), ("expected_datetime", time(c.deadlineAt)),
            ("address", c.address.map { .text($0) } ?? .null), ("address_id", .null), ("zipcode", .null),
            ("lat", c.location.map { .number($0.lat) } ?? .null), ("long", c.location.map { .number($0.lon) } ?? .null), ("media_url", .null),
        ])
    }
}

/// An Open311 refusal. Like every error on `/open311`, `ProblemMiddleware` answers it as the
/// spec's list of `{code, description}`, not as problem+json (and audits a refused key).
struct Open311Error: CityError {
    let kind: ErrorKind
    let description: String

    init(status: HTTPResponse.Status, description: String) {
        self.kind = switch status {
        case .forbidden: .forbidden
        case .notFound: .notFound
        default: .invalidInput
        }
        self.description = description
    }

    var code: String {
        switch kind {
        case .forbidden: "open311.invalid-api-key"
        case .notFound: "open311.not-found"
        default: "open311.bad-request"
        }
    }
    var messageZh: String { description }
    var messageEn: String { description }
    var field: String? { nil }
}

/// A value of an Open311 answer, written as JSON or XML.
indirect enum Open311Value {
    case text(String)
    case number(Double)
    case bool(Bool)
    case null
    case object([(String, Open311Value)])
    case list([Open311Value])
}

enum Open311Format: String {
    case json, xml

    /// ISO 8601 with the China offset, as the spec's examples show offsets.
    static func dateTime(_ date: Date) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: ChinaTime.zone)
        style = style.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .colon)
        return date.formatted(style)
    }

    func response(_ value: Open311Value, root: String?, item: String) -> Response {
        let text: String
        let type: String
        switch self {
        case .json:
            text = Self.json(value)
            type = "application/json; charset=utf-8"
        case .xml:
            text = #"<?xml version="1.0" encoding="utf-8"?>"# + Self.xml(value, root: root, item: item)
            type = "text/xml; charset=utf-8"
        }
        let buffer = ByteBuffer(string: text)
        return Response(status: .ok, headers: [.contentType: type, .contentLength: String(buffer.readableBytes)], body: .init(byteBuffer: buffer))
    }

    func error(_ status: HTTPResponse.Status, _ description: String) -> Response {
        var response = self.response(.list([.object([("code", .number(Double(status.code))), ("description", .text(description))])]), root: "errors", item: "error")
        response.status = status
        return response
    }

    static func json(_ value: Open311Value) -> String {
        switch value {
        case .text(let s): Text.jsonQuoted(s)
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .object(let pairs): "{" + pairs.map { Text.jsonQuoted($0.0) + ":" + json($0.1) }.joined(separator: ",") + "}"
        case .list(let items): "[" + items.map(json).joined(separator: ",") + "]"
        }
    }

    /// `<root><item>…</item>…</root>` for a list (no root: the item alone), fields as elements.
    static func xml(_ value: Open311Value, root: String?, item: String) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func element(_ name: String, _ v: Open311Value) -> String {
            switch v {
            case .text(let s): "<\(name)>\(escape(s))</\(name)>"
            case .number: "<\(name)>\(json(v))</\(name)>"
            case .bool(let b): "<\(name)>\(b)</\(name)>"
            case .null: "<\(name)/>"
            case .object(let pairs): "<\(name)>" + pairs.map { element($0.0, $0.1) }.joined() + "</\(name)>"
            case .list(let items): "<\(name)>" + items.map { element(String(name.dropLast()), $0) }.joined() + "</\(name)>"
            }
        }
        switch value {
        case .list(let items):
            return "<\(root ?? item + "s")>" + items.map { element(item, $0) }.joined() + "</\(root ?? item + "s")>"
        default:
            return element(item, value)
        }
    }
}
