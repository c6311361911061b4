import CityCore
import Exchange

/// The exchange domain's operations and shapes.
enum ExchangeAPI {
    static let code: (String, JSONValue) = ("code", Schema.string("catalogue code or short code (persons, entities, geography, cases, …)"))
    static let id: (String, JSONValue) = ("id", ["type": "integer", "minimum": 1])

    static let fragment = APIFragment(operations: [listResources, publishDataset, getResource, queryResource, uploadDatasetRows, listShareRequests,
                                                   createShareRequest, getShareRequest, decideShareRequest, listGrants, revokeGrant, resourceChanges,
                                                   listSubscriptions, createSubscription, getSubscription, endSubscription, replaySubscription, listDeadLetters,
                                                   openCatalogue, openDownload],
                                      shapes: [ResourceFieldDTO.self, ResourceDTO.self, StatisticsDTO.self, PageDTO<ResourceDTO>.self, NewDatasetBody.self, LoadReportDTO.self,
                NewShareRequestBody.self, ShareRequestDTO.self, PageDTO<ShareRequestDTO>.self, ShareDecisionBody.self, GrantDTO.self, PageDTO<GrantDTO>.self,
                RevokeGrantBody.self, ResourceRowsDTO.self, ChangeFilterDTO.self, NewSubscriptionBody.self, SubscriptionDTO.self, SubscriptionList.self,
                ReplayBody.self, DeadLetterList.self, ChangeFeedDTO.self],
    schemas: [("DatasetRows", Schema.array(["type": "object"]))])

    static let listResources: APIOperation = .init("get", "/api/v1/exchange/resources", id: "listResources", summary: "The catalogue: every shareable resource and its terms, searched", tag: "exchange",
              query: [.init("q", Schema.string(max: 100), "words in the name, summary or code"), .init("provider", Schema.string(), "the providing organisation"),
                      .init("kind", Schema.enumeration(ResourceKind.allCases.map(\.rawValue)), "registry, cases or dataset")] + IdentityAPI.paging,
              success: (200, PageDTO<ResourceDTO>.schemaName, APIFragment.json))
    static let publishDataset: APIOperation = .init("post", "/api/v1/exchange/resources", id: "publishDataset",
              summary: "Publish a thematic dataset of the caller's organisation (its data steward): schema, key, terms", tag: "exchange",
              body: NewDatasetBody.schemaName, success: (201, ResourceDTO.schemaName, APIFragment.json),
              answers: [(409, "the short code belongs to another resource")])
    static let getResource: APIOperation = .init("get", "/api/v1/exchange/resources/{code}", id: "getResource", summary: "One resource with this month's use (consumers, calls, rows served)",
              tag: "exchange", pathParameters: [code], success: (200, ResourceDTO.schemaName, APIFragment.json), answers: [(404, "no such resource")])
    static let queryResource: APIOperation = .init("get", "/api/v1/exchange/resources/{code}/rows", id: "queryResource",
              summary: "A resource's rows under the caller's organisation's live grant: granted fields only, personal ones masked unless the grant says plain, within the caller's scope; each call in the message log with the body's SHA-256 (echoed in X-Message-SHA256)",
              tag: "exchange",
              query: [.init("fields", Schema.string("comma-separated field names (default: all granted)"), "the fields wanted"),
                      .init("filter", Schema.string(pattern: "^[A-Za-z][A-Za-z0-9]*:.*$"), "field:value, repeatable: rows whose field equals the value"),
                      .init("cursor", Schema.string(max: 2_000), "the previous answer's next"),
                      .init("limit", ["type": "integer", "minimum": 1, "maximum": .number(Double(DataQuery.maxLimit))], "rows per answer (default 100)")],
              pathParameters: [code], success: (200, ResourceRowsDTO.schemaName, APIFragment.json),
              answers: [(404, "no such resource"), (429, "the grant's calls a minute are used up (Retry-After)")])
    static let uploadDatasetRows: APIOperation = {
        var op = APIOperation("post", "/api/v1/exchange/resources/{code}/rows", id: "uploadDatasetRows",
              summary: "Load a dataset's rows (its provider's data steward): JSON array, CSV with a header (text/csv) or NDJSON (application/x-ndjson); bad rows reported by line, good rows kept, a re-upload is idempotent by key",
              tag: "exchange", body: "DatasetRows", pathParameters: [code], success: (200, LoadReportDTO.schemaName, APIFragment.json),
              answers: [(404, "no such resource"), (422, "not a dataset")])
        op.alsoBodyMedia = ["text/csv", "application/x-ndjson"]
        return op
    }()
    static let listShareRequests: APIOperation = .init("get", "/api/v1/exchange/requests", id: "listShareRequests", summary: "Share requests the caller's organisation made or must decide, newest first",
              tag: "exchange", query: [.init("pending", Schema.boolean, "only those awaiting a decision")] + IdentityAPI.paging,
              success: (200, PageDTO<ShareRequestDTO>.schemaName, APIFragment.json))
    static let createShareRequest: APIOperation = .init("post", "/api/v1/exchange/requests", id: "createShareRequest",
              summary: "Ask for a resource (the consumer's data steward): granted at once when unconditional (unless plain personal values are asked), otherwise pending for the provider",
              tag: "exchange", body: NewShareRequestBody.schemaName, success: (201, ShareRequestDTO.schemaName, APIFragment.json),
              answers: [(404, "no such resource"), (422, "the resource is not shared, or the API key is not the consumer's")])
    static let getShareRequest: APIOperation = .init("get", "/api/v1/exchange/requests/{id}", id: "getShareRequest", summary: "One share request", tag: "exchange", pathParameters: [id],
              success: (200, ShareRequestDTO.schemaName, APIFragment.json), answers: [(404, "no such request for the caller's organisation")])
    static let decideShareRequest: APIOperation = .init("post", "/api/v1/exchange/requests/{id}/decision", id: "decideShareRequest",
              summary: "Approve (possibly fewer fields, a shorter term, masked) or refuse with a reason (the provider's data steward)", tag: "exchange",
              body: ShareDecisionBody.schemaName, pathParameters: [id], success: (200, ShareRequestDTO.schemaName, APIFragment.json),
              answers: [(404, "no such request"), (409, "the request was decided already")])
    static let listGrants: APIOperation = .init("get", "/api/v1/exchange/grants", id: "listGrants", summary: "Grants the caller's organisation holds or gave, newest first", tag: "exchange",
              query: [.init("resource", Schema.string(), "only grants for this resource code")] + IdentityAPI.paging,
              success: (200, PageDTO<GrantDTO>.schemaName, APIFragment.json))
    static let revokeGrant: APIOperation = .init("post", "/api/v1/exchange/grants/{id}/revoke", id: "revokeGrant",
              summary: "Revoke a grant at once on every server process (the provider's or consumer's data steward)", tag: "exchange",
              body: RevokeGrantBody.schemaName, pathParameters: [id], success: (200, GrantDTO.schemaName, APIFragment.json),
              answers: [(404, "no such live grant")])

    static let subscriptionID: (String, JSONValue) = ("id", Schema.string("sub_…"))
    static let resourceChanges: APIOperation = .init("get", "/api/v1/exchange/resources/{code}/changes", id: "resourceChanges",
        summary: "The pull feed: the caller's organisation's change events of a resource after a cursor (the same events webhooks carry), under a live grant; logged",
        tag: "exchange",
        query: [.init("cursor", ["type": "integer", "minimum": 0], "events after this cursor (0: from the start)"),
                .init("limit", ["type": "integer", "minimum": 1, "maximum": 1_000], "events per answer (default 100)")],
        pathParameters: [code], success: (200, ChangeFeedDTO.schemaName, APIFragment.json), answers: [(404, "no such resource")])
    static let listSubscriptions: APIOperation = .init("get", "/api/v1/exchange/subscriptions", id: "listSubscriptions",
        summary: "The caller's organisation's subscriptions with where each stands", tag: "exchange", success: (200, SubscriptionList.schemaName, APIFragment.json))
    static let createSubscription: APIOperation = .init("post", "/api/v1/exchange/subscriptions", id: "createSubscription",
        summary: "Register a receiver for a resource's change events (the consumer's data steward, under a live grant): Standard Webhooks signed with the whsec_ secret shown once; public http(s) receivers only",
        tag: "exchange", body: NewSubscriptionBody.schemaName, success: (201, SubscriptionDTO.schemaName, APIFragment.json),
        answers: [(404, "no such resource"), (422, "the receiver's address is refused")])
    static let getSubscription: APIOperation = .init("get", "/api/v1/exchange/subscriptions/{id}", id: "getSubscription", summary: "One subscription",
        tag: "exchange", pathParameters: [subscriptionID], success: (200, SubscriptionDTO.schemaName, APIFragment.json), answers: [(404, "no such subscription")])
    static let endSubscription: APIOperation = .init("delete", "/api/v1/exchange/subscriptions/{id}", id: "endSubscription", summary: "End a subscription",
        tag: "exchange", pathParameters: [subscriptionID], success: (204, nil, APIFragment.json), answers: [(404, "no such subscription")])
    static let replaySubscription: APIOperation = .init("post", "/api/v1/exchange/subscriptions/{id}/replay", id: "replaySubscription",
        summary: "Send every event after a cursor again (receivers de-duplicate by webhook-id)", tag: "exchange", body: ReplayBody.schemaName,
        pathParameters: [subscriptionID], success: (200, SubscriptionDTO.schemaName, APIFragment.json), answers: [(404, "no such subscription")])
    static let listDeadLetters: APIOperation = .init("get", "/api/v1/exchange/subscriptions/{id}/dead-letters", id: "listDeadLetters",
        summary: "Events given up after the last retry, with the body sent and the last error", tag: "exchange", pathParameters: [subscriptionID],
        success: (200, DeadLetterList.schemaName, APIFragment.json), answers: [(404, "no such subscription")])

    static let openCatalogue: APIOperation = .init("get", "/opendata/catalog.jsonld", id: "openDataCatalogue",
        summary: "The open-data catalogue (DCAT-AP 3, JSON-LD) of the resources marked open, for harvesters such as CKAN", tag: "opendata", access: .open,
        success: (200, nil, "application/ld+json"))
    static let openDownload: APIOperation = {
        var op = APIOperation("get", "/opendata/datasets/{file}", id: "openDataDownload",
                              summary: "An open resource's public fields, every row: CODE.json or CODE.csv", tag: "opendata", access: .open,
                              pathParameters: [("file", Schema.string("the resource's code and .json or .csv", pattern: "^[A-Za-z0-9.-]+[.](json|csv)$"))],
                              success: (200, nil, APIFragment.json), answers: [(404, "no open resource with that code")])
        op.alsoMedia = ["text/csv"]
        return op
    }()
}
