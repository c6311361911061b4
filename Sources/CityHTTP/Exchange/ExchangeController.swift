import CityCore
import Exchange
import Foundation
import HTTPTypes
import Hummingbird

/// The catalogue, dataset uploads, share requests and grants, and the data API. The Exchange
/// module checks roles, the provider, the grant and the scope, and writes the audit entries and
/// the message log; the handlers parse and shape.
struct ExchangeController {
    let catalogue: ResourceCatalogue
    let datasets: DatasetLoader
    let sharing: SharingDesk
    let gateway: DataGateway
    let subscriptions: SubscriptionBook

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/exchange/resources", use: listResources)
        api.post("/exchange/resources", use: publish)
        api.get("/exchange/resources/{code}", use: getResource)
        api.get("/exchange/resources/{code}/rows", use: rows)
        api.post("/exchange/resources/{code}/rows", use: upload)
        api.get("/exchange/requests", use: listRequests)
        api.post("/exchange/requests", use: createRequest)
        api.get("/exchange/requests/{id}", use: getRequest)
        api.post("/exchange/requests/{id}/decision", use: decide)
        api.get("/exchange/grants", use: listGrants)
        api.post("/exchange/grants/{id}/revoke", use: revoke)
        api.get("/exchange/resources/{code}/changes", use: changes)
        api.get("/exchange/subscriptions", use: listSubscriptions)
        api.post("/exchange/subscriptions", use: subscribe)
        api.get("/exchange/subscriptions/{id}", use: getSubscription)
        api.delete("/exchange/subscriptions/{id}", use: endSubscription)
        api.post("/exchange/subscriptions/{id}/replay", use: replay)
        api.get("/exchange/subscriptions/{id}/dead-letters", use: deadLetters)
    }

    @Sendable func listResources(_ request: Request, context: StaffContext) async throws -> PageDTO<ResourceDTO> {
        let query = request.uri.queryParameters
        var kind: ResourceKind? = nil
        if let text = query["kind"] {
            guard let value = ResourceKind(rawValue: String(text)) else {
                throw RequestProblem.badQuery("kind", zh: "kind 应为 registry、cases 或 dataset", en: "kind must be registry, cases or dataset")
            }
            kind = value
        }
        let page = try await catalogue.list(search: query["q"].map(String.init), provider: query["provider"].map(String.init), kind: kind,
                                            page: try PageRequest(request), by: context.caller)
        return PageDTO(page) { ResourceDTO($0) }
    }

    @Sendable func getResource(_ request: Request, context: StaffContext) async throws -> ResourceDTO {
        let code = try context.parameters.require("code")
        let resource = try await catalogue.resource(code, by: context.caller)
        return ResourceDTO(resource, statistics: try await catalogue.statistics(resource.code, by: context.caller))
    }

    @Sendable func publish(_ request: Request, context: StaffContext) async throws -> EditedResponse<ResourceDTO> {
        let body = try await request.decodeStrict(as: NewDatasetBody.self, context: context)
        let resource = try await catalogue.publish(body.dataset, by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: ResourceDTO(resource))
    }

    @Sendable func upload(_ request: Request, context: StaffContext) async throws -> LoadReportDTO {
        let code = try context.parameters.require("code")
        let media = request.headers[.contentType]?.lowercased() ?? ""
        let format: DatasetLoader.Format
        if media.hasPrefix("text/csv") { format = .csv }
        else if media.hasPrefix("application/x-ndjson") || media.hasPrefix("application/jsonl") { format = .ndjson }
        else if media.hasPrefix("application/json") { format = .json }
        else { throw RequestProblem.unsupportedMediaType }
        let body = try await request.collectBounded(upTo: context.maxUploadSize, context: context)
        let report = try await datasets.load(code, data: Data(buffer: body), format: format, by: context.caller, origin: context.auditOrigin)
        return LoadReportDTO(report)
    }

    /// The rows, exactly as the module wrote and hashed them; the hash is echoed for the consumer's own log.
    @Sendable func rows(_ request: Request, context: StaffContext) async throws -> Response {
        let code = try context.parameters.require("code")
        let query = request.uri.queryParameters
        var dataQuery = DataQuery()
        if let fields = query["fields"] {
            dataQuery.fields = fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let text = query["limit"] {
            guard let limit = Int(text), (1...DataQuery.maxLimit).contains(limit) else {
                throw RequestProblem.badQuery("limit", zh: "limit 应为 1 至 \(DataQuery.maxLimit)", en: "limit must be 1 to \(DataQuery.maxLimit)")
            }
            dataQuery.limit = limit
        }
        dataQuery.cursor = query["cursor"].map(String.init)
        for filter in query.getAll("filter") {
            guard let colon = filter.firstIndex(of: ":"), colon != filter.startIndex else {
                throw RequestProblem.badQuery("filter", zh: "filter 应为 字段:值", en: "filter must be field:value")
            }
            dataQuery.filters[String(filter[..<colon])] = String(filter[filter.index(after: colon)...])
        }
        let answer = try await gateway.query(code, dataQuery, by: context.caller, origin: context.auditOrigin)
        var buffer = ByteBuffer()
        buffer.writeBytes(answer.body)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(buffer.readableBytes),
                                               .messageSHA256: answer.sha256],
                        body: .init(byteBuffer: buffer))
    }

    @Sendable func listRequests(_ request: Request, context: StaffContext) async throws -> PageDTO<ShareRequestDTO> {
        PageDTO(try await sharing.requests(by: context.caller, pendingOnly: try request.flag("pending"), page: try PageRequest(request))) { ShareRequestDTO($0) }
    }

    @Sendable func createRequest(_ request: Request, context: StaffContext) async throws -> EditedResponse<ShareRequestDTO> {
        let body = try await request.decodeStrict(as: NewShareRequestBody.self, context: context)
        let created = try await sharing.request(ShareRequestInput(resource: body.resource, purpose: body.purpose, fields: body.fields ?? [], days: body.days,
                                                                  apiKeyID: body.apiKeyId, plain: body.plain ?? false),
                                                by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: ShareRequestDTO(created))
    }

    @Sendable func getRequest(_ request: Request, context: StaffContext) async throws -> ShareRequestDTO {
        ShareRequestDTO(try await sharing.request(try Self.id(context), by: context.caller))
    }

    @Sendable func decide(_ request: Request, context: StaffContext) async throws -> ShareRequestDTO {
        let body = try await request.decodeStrict(as: ShareDecisionBody.self, context: context)
        return ShareRequestDTO(try await sharing.decide(try Self.id(context), body.decision, by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func listGrants(_ request: Request, context: StaffContext) async throws -> PageDTO<GrantDTO> {
        PageDTO(try await sharing.grants(by: context.caller, resource: request.uri.queryParameters["resource"].map(String.init), page: try PageRequest(request))) {
            GrantDTO($0)
        }
    }

    @Sendable func revoke(_ request: Request, context: StaffContext) async throws -> GrantDTO {
        let body = try await request.decodeStrict(as: RevokeGrantBody.self, context: context)
        return GrantDTO(try await sharing.revoke(try Self.id(context), reason: body.reason, by: context.caller, origin: context.auditOrigin))
    }

    /// The pull feed: the same events a webhook receiver gets, after a cursor.
    @Sendable func changes(_ request: Request, context: StaffContext) async throws -> Response {
        let code = try context.parameters.require("code")
        let query = request.uri.queryParameters
        var cursor: Int64 = 0
        if let text = query["cursor"] {
            guard let value = Int64(text), value >= 0 else { throw RequestProblem.badQuery("cursor", zh: "cursor 应为非负整数", en: "cursor must be a non-negative integer") }
            cursor = value
        }
        var limit = 100
        if let text = query["limit"] {
            guard let value = Int(text), (1...1_000).contains(value) else { throw RequestProblem.badQuery("limit", zh: "limit 应为 1 至 1000", en: "limit must be 1 to 1,000") }
            limit = value
        }
        let (events, next) = try await subscriptions.feed(resource: code, after: cursor, limit: limit, by: context.caller, origin: context.auditOrigin)
        let text = "{\"events\":[" + events.map(\.body).joined(separator: ",") + "],\"next\":\(next)}"
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(buffer.readableBytes)],
                        body: .init(byteBuffer: buffer))
    }

    @Sendable func listSubscriptions(_ request: Request, context: StaffContext) async throws -> SubscriptionList {
        SubscriptionList(items: try await subscriptions.list(by: context.caller).map { SubscriptionDTO($0) })
    }

    @Sendable func subscribe(_ request: Request, context: StaffContext) async throws -> EditedResponse<SubscriptionDTO> {
        let body = try await request.decodeStrict(as: NewSubscriptionBody.self, context: context)
        let (subscription, secret) = try await subscriptions.subscribe(resource: body.resource, url: body.url, filter: body.filter?.filter ?? ChangeFilter(),
                                                                       by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: SubscriptionDTO(subscription, secret: secret))
    }

    @Sendable func getSubscription(_ request: Request, context: StaffContext) async throws -> SubscriptionDTO {
        SubscriptionDTO(try await subscriptions.subscription(try context.parameters.require("id"), by: context.caller))
    }

    @Sendable func endSubscription(_ request: Request, context: StaffContext) async throws -> Response {
        try await subscriptions.end(try context.parameters.require("id"), by: context.caller, origin: context.auditOrigin)
        return Response(status: .noContent)
    }

    @Sendable func replay(_ request: Request, context: StaffContext) async throws -> SubscriptionDTO {
        let body = try await request.decodeStrict(as: ReplayBody.self, context: context)
        return SubscriptionDTO(try await subscriptions.replay(try context.parameters.require("id"), after: body.after, by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func deadLetters(_ request: Request, context: StaffContext) async throws -> DeadLetterList {
        DeadLetterList(try await subscriptions.deadLetters(try context.parameters.require("id"), by: context.caller))
    }

    static func id(_ context: StaffContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else {
            throw RequestProblem.badQuery("id", zh: "id 应为正整数", en: "id must be a positive integer")
        }
        return id
    }
}

extension HTTPField.Name {
    /// The SHA-256 of the data API's body, as the message log holds it.
    static let messageSHA256 = Self("X-Message-SHA256")!
}
