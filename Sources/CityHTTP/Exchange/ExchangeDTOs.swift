import CityCore
import CityStore
import Exchange
import Foundation
import Hummingbird

/// One field of a resource.
struct ResourceFieldDTO: Codable, Sendable, APIShape {
    let name: String
    let title: String
    let type: FieldType
    let sensitivity: Sensitivity
    let required: Bool?
    enum CodingKeys: String, CodingKey, CaseIterable { case name, title, type, sensitivity, required }
    static let requiredFields: [CodingKeys] = [.name, .title, .type, .sensitivity]
    static let schemaName = "ResourceField"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .name: Schema.string("letters and digits, starting with a letter", pattern: "^[A-Za-z][A-Za-z0-9]{0,62}$")
        case .title: Schema.string(min: 1, max: 100)
        case .type: Schema.enumeration(FieldType.allCases.map(\.rawValue))
        case .sensitivity: Schema.enumeration(Sensitivity.allCases.map(\.rawValue), description: "personal fields are masked unless a grant says plain; secret ones never leave")
        case .required: Schema.boolean
        }
    }

    init(_ f: ResourceField) { name = f.name; title = f.title; type = f.type; sensitivity = f.sensitivity; required = f.required }
    var field: ResourceField { ResourceField(name: name, title: title, type: type, sensitivity: sensitivity, required: required ?? false) }
}

/// A catalogue entry.
struct ResourceDTO: ResponseEncodable, APIShape {
    let code: String
    let shortCode: String?
    let name: String
    let nameEn: String?
    let providerCode: String
    let divisionCode: String
    let summary: String
    let kind: String
    let keyField: String
    let divisionField: String?
    let fields: [ResourceFieldDTO]
    let updateCycle: String
    let formats: [String]
    let sharing: String
    let sharingBasis: String?
    let openness: String
    let createdAt: Date
    let updatedAt: Date
    /// This month's use (on a single resource only).
    let statistics: StatisticsDTO?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case code, shortCode, name, nameEn, providerCode, divisionCode, summary, kind, keyField, divisionField, fields, updateCycle, formats, sharing,
             sharingBasis, openness, createdAt, updatedAt, statistics
    }
    static let requiredFields: [CodingKeys] = [.code, .name, .providerCode, .divisionCode, .summary, .kind, .keyField, .fields, .updateCycle, .formats, .sharing,
                                               .openness, .createdAt, .updatedAt]
    static let schemaName = "Resource"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code: Schema.string("catalogue code: the provider's organisation code and a serial")
        case .shortCode: Schema.string("short code (persons, entities, geography, cases, or a dataset's own)")
        case .name, .nameEn, .providerCode, .summary, .keyField, .divisionField, .sharingBasis: Schema.string()
        case .divisionCode: Schema.divisionCode
        case .kind: Schema.enumeration(ResourceKind.allCases.map(\.rawValue))
        case .fields: Schema.array(Schema.ref(ResourceFieldDTO.self))
        case .updateCycle: Schema.enumeration(UpdateCycle.allCases.map(\.rawValue))
        case .formats: Schema.array(Schema.string())
        case .sharing: Schema.enumeration(Sharing.allCases.map(\.rawValue))
        case .openness: Schema.enumeration(Openness.allCases.map(\.rawValue))
        case .createdAt, .updatedAt: Schema.string(format: "date-time")
        case .statistics: Schema.ref(StatisticsDTO.self)
        }
    }

    init(_ r: Resource, statistics: ResourceCatalogue.Statistics? = nil) {
        code = r.code; shortCode = r.shortCode; name = r.name; nameEn = r.nameEn; providerCode = r.providerCode; divisionCode = r.divisionCode
        summary = r.summary; kind = r.kind.rawValue; keyField = r.keyField; divisionField = r.divisionField; fields = r.fields.map(ResourceFieldDTO.init)
        updateCycle = r.updateCycle.rawValue; formats = r.formats; sharing = r.sharing.rawValue; sharingBasis = r.sharingBasis; openness = r.openness.rawValue
        createdAt = r.createdAt; updatedAt = r.updatedAt; self.statistics = statistics.map(StatisticsDTO.init)
    }
}

/// A resource's use this month.
struct StatisticsDTO: Codable, Sendable, APIShape {
    let month: String
    let consumers: Int
    let liveGrants: Int
    let calls: Int
    let rows: Int
    enum CodingKeys: String, CodingKey, CaseIterable { case month, consumers, liveGrants, calls, rows }
    static let schemaName = "ResourceStatistics"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .month: Schema.string("YYYY-MM, China time", pattern: "^[0-9]{4}-[0-9]{2}$")
        case .consumers: ["type": "integer", "description": "organisations holding a live grant"]
        case .liveGrants, .calls, .rows: Schema.integer
        }
    }
    init(_ s: ResourceCatalogue.Statistics) { month = s.month; consumers = s.consumers; liveGrants = s.liveGrants; calls = s.calls; rows = s.rows }
}

/// A thematic dataset to publish.
struct NewDatasetBody: JSONBody {
    let shortCode: String?
    let name: String
    let nameEn: String?
    let summary: String
    let keyField: String
    let divisionField: String?
    let fields: [ResourceFieldDTO]
    let updateCycle: UpdateCycle?
    let sharing: Sharing
    let sharingBasis: String?
    let openness: Openness?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case shortCode, name, nameEn, summary, keyField, divisionField, fields, updateCycle, sharing, sharingBasis, openness
    }
    static let requiredFields: [CodingKeys] = [.name, .summary, .keyField, .fields, .sharing]
    static let schemaName = "NewDataset"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .shortCode: Schema.string(pattern: "^[a-z][a-z0-9-]{1,39}$")
        case .name: Schema.string(min: 1, max: 200)
        case .nameEn: Schema.string(max: 200)
        case .summary: Schema.string(max: 2_000)
        case .keyField, .divisionField: Schema.string("a declared field's name")
        case .fields: ["type": "array", "items": Schema.ref(ResourceFieldDTO.self), "minItems": 1, "maxItems": 200]
        case .updateCycle: Schema.enumeration(UpdateCycle.allCases.map(\.rawValue))
        case .sharing: Schema.enumeration(Sharing.allCases.map(\.rawValue))
        case .sharingBasis: Schema.string("the law or rule; required unless sharing is unconditional", max: 1_000)
        case .openness: Schema.enumeration(Openness.allCases.map(\.rawValue))
        }
    }

    var dataset: NewDataset {
        NewDataset(shortCode: shortCode, name: name, nameEn: nameEn, summary: summary, keyField: keyField, divisionField: divisionField, fields: fields.map(\.field),
                   updateCycle: updateCycle ?? .irregular, sharing: sharing, sharingBasis: sharingBasis, openness: openness ?? .closed)
    }
}

/// What a dataset upload did.
struct LoadReportDTO: ResponseEncodable, APIShape {
    struct Rejected: Codable {
        let line: Int
        let field: String?
        let messageZh: String
        let messageEn: String
    }
    let received: Int
    let created: Int
    let updated: Int
    let unchanged: Int
    let rejected: [Rejected]
    enum CodingKeys: String, CodingKey, CaseIterable { case received, created, updated, unchanged, rejected }
    static let schemaName = "DatasetLoadReport"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .received, .created, .updated, .unchanged: Schema.integer
        case .rejected: Schema.array(Schema.object([("line", ["type": "integer", "description": "the line (CSV, NDJSON) or position (JSON array)"]),
                                                    ("field", Schema.nullableString), ("messageZh", Schema.string()), ("messageEn", Schema.string())],
                                                   required: ["line", "messageZh", "messageEn"]))
        }
    }
    init(_ r: DatasetLoader.Report) {
        received = r.received; created = r.created; updated = r.updated; unchanged = r.unchanged
        rejected = r.rejected.map { Rejected(line: $0.line, field: $0.field, messageZh: $0.zh, messageEn: $0.en) }
    }
}

/// A consumer's request for a resource.
struct NewShareRequestBody: JSONBody {
    let resource: String
    let purpose: String
    let fields: [String]?
    let days: Int
    let apiKeyId: String?
    let plain: Bool?
    enum CodingKeys: String, CodingKey, CaseIterable { case resource, purpose, fields, days, apiKeyId, plain }
    static let requiredFields: [CodingKeys] = [.resource, .purpose, .days]
    static let schemaName = "NewShareRequest"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .resource: Schema.string("catalogue code or short code")
        case .purpose: Schema.string(min: 4, max: 500)
        case .fields: Schema.array(Schema.string())
        case .days: ["type": "integer", "minimum": 1, "maximum": 1_095]
        case .apiKeyId: Schema.string("the consumer's system that will call (omit to let its staff call)")
        case .plain: ["type": "boolean", "description": "personal fields in plain (always needs the provider's approval)"]
        }
    }
}

/// A share request.
struct ShareRequestDTO: ResponseEncodable, APIShape {
    let id: Int64
    let resourceCode: String
    let consumerCode: String
    let providerCode: String
    let requestedBy: String
    let purpose: String
    let fields: [String]
    let plain: Bool
    let days: Int
    let apiKeyId: String?
    let state: String
    let reason: String?
    let decidedBy: String?
    let decidedAt: Date?
    let grantId: Int64?
    let createdAt: Date
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, resourceCode, consumerCode, providerCode, requestedBy, purpose, fields, plain, days, apiKeyId, state, reason, decidedBy, decidedAt, grantId, createdAt
    }
    static let requiredFields: [CodingKeys] = [.id, .resourceCode, .consumerCode, .providerCode, .requestedBy, .purpose, .fields, .plain, .days, .state, .createdAt]
    static let schemaName = "ShareRequest"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .id, .days, .grantId: Schema.integer
        case .fields: Schema.array(Schema.string())
        case .plain: Schema.boolean
        case .state: Schema.enumeration(ShareRequestState.allCases.map(\.rawValue))
        case .decidedAt, .createdAt: Schema.string(format: "date-time")
        default: Schema.string()
        }
    }
    init(_ r: ShareRequest) {
        id = r.id; resourceCode = r.resourceCode; consumerCode = r.consumerCode; providerCode = r.providerCode; requestedBy = r.requestedBy; purpose = r.purpose
        fields = r.fields; plain = r.plain; days = r.days; apiKeyId = r.apiKeyID; state = r.state.rawValue; reason = r.reason; decidedBy = r.decidedBy
        decidedAt = r.decidedAt; grantId = r.grantID; createdAt = r.createdAt
    }
}

/// The provider's answer to a request.
struct ShareDecisionBody: JSONBody {
    let approve: Bool
    let fields: [String]?
    let days: Int?
    let plain: Bool?
    let ratePerMinute: Int?
    let reason: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case approve, fields, days, plain, ratePerMinute, reason }
    static let requiredFields: [CodingKeys] = [.approve]
    static let schemaName = "ShareDecision"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .approve: Schema.boolean
        case .fields: ["type": "array", "items": Schema.string(), "description": "approve fewer fields than asked"]
        case .days: ["type": "integer", "minimum": 1, "maximum": 1_095, "description": "approve a shorter term"]
        case .plain: ["type": "boolean", "description": "false: approve masked where plain was asked"]
        case .ratePerMinute: ["type": "integer", "minimum": 1, "maximum": 100_000]
        case .reason: Schema.string("required to refuse", max: 500)
        }
    }
    var decision: ShareDecision {
        approve ? .approve(fields: fields, days: days, plain: plain, ratePerMinute: ratePerMinute) : .refuse(reason: reason ?? "")
    }
}

/// A grant.
struct GrantDTO: ResponseEncodable, APIShape {
    let id: Int64
    let resourceCode: String
    let consumerCode: String
    let providerCode: String
    let apiKeyId: String?
    let fields: [String]
    let plain: Bool
    let purpose: String
    let ratePerMinute: Int
    let grantedBy: String
    let requestId: Int64?
    let startsAt: Date
    let expiresAt: Date
    let revokedAt: Date?
    let revokedBy: String?
    let revokeReason: String?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, resourceCode, consumerCode, providerCode, apiKeyId, fields, plain, purpose, ratePerMinute, grantedBy, requestId, startsAt, expiresAt, revokedAt,
             revokedBy, revokeReason
    }
    static let requiredFields: [CodingKeys] = [.id, .resourceCode, .consumerCode, .providerCode, .fields, .plain, .purpose, .ratePerMinute, .grantedBy, .startsAt, .expiresAt]
    static let schemaName = "Grant"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .id, .ratePerMinute, .requestId: Schema.integer
        case .fields: Schema.array(Schema.string())
        case .plain: Schema.boolean
        case .startsAt, .expiresAt, .revokedAt: Schema.string(format: "date-time")
        default: Schema.string()
        }
    }
    init(_ g: Grant) {
        id = g.id; resourceCode = g.resourceCode; consumerCode = g.consumerCode; providerCode = g.providerCode; apiKeyId = g.apiKeyID; fields = g.fields
        plain = g.plain; purpose = g.purpose; ratePerMinute = g.ratePerMinute; grantedBy = g.grantedBy; requestId = g.requestID; startsAt = g.startsAt
        expiresAt = g.expiresAt; revokedAt = g.revokedAt; revokedBy = g.revokedBy; revokeReason = g.revokeReason
    }
}

/// Why a grant is revoked.
struct RevokeGrantBody: JSONBody {
    let reason: String
    enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    static let schemaName = "RevokeGrant"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.string(min: 2, max: 500) }
}

/// The data API's answer (documented; the body is written by the module, exactly as hashed).
struct ResourceRowsDTO: APIShape {
    enum CodingKeys: String, CodingKey, CaseIterable { case resource, grantId, fields, masked, rows, next }
    static let schemaName = "ResourceRows"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .resource: Schema.string()
        case .grantId: Schema.integer
        case .fields: Schema.array(Schema.string())
        case .masked: ["type": "boolean", "description": "personal fields are masked"]
        case .rows: Schema.array(["type": "object", "description": "one row: the fields asked for, by name"])
        case .next: ["type": ["string", "null"], "description": "pass as cursor for the next page; null at the end"]
        }
    }
}

/// What a subscription or the pull feed wants.
struct ChangeFilterDTO: Codable, Sendable, APIShape {
    let operations: [ChangeOperation]?
    let fields: [String]?
    let divisionCode: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case operations, fields, divisionCode }
    static let requiredFields: [CodingKeys] = []
    static let schemaName = "ChangeFilter"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .operations: Schema.array(Schema.enumeration(["created", "updated", "deleted"]))
        case .fields: ["type": "array", "items": Schema.string(), "description": "only changes touching one of these fields"]
        case .divisionCode: Schema.divisionCode
        }
    }
    init(_ f: ChangeFilter) { operations = f.operations; fields = f.fields; divisionCode = f.divisionCode }
    var filter: ChangeFilter { ChangeFilter(operations: operations ?? [], fields: fields ?? [], divisionCode: divisionCode) }
}

/// A receiver to register.
struct NewSubscriptionBody: JSONBody {
    let resource: String
    let url: String
    let filter: ChangeFilterDTO?
    enum CodingKeys: String, CodingKey, CaseIterable { case resource, url, filter }
    static let requiredFields: [CodingKeys] = [.resource, .url]
    static let schemaName = "NewSubscription"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .resource: Schema.string("catalogue code or short code")
        case .url: Schema.string("the receiver: a public http(s) URL", format: "uri", max: 2_000)
        case .filter: Schema.ref(ChangeFilterDTO.self)
        }
    }
}

/// A subscription; its secret only in the answer to the create call.
struct SubscriptionDTO: ResponseEncodable, APIShape {
    let id: String
    let resourceCode: String
    let consumerCode: String
    let url: String
    let filter: ChangeFilterDTO
    let cursor: Int64
    let delivered: Int64
    let attempts: Int
    let nextAttemptAt: Date
    let lastError: String?
    let createdAt: Date
    let endedAt: Date?
    /// `whsec_…`, present once.
    let secret: String?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, resourceCode, consumerCode, url, filter, cursor, delivered, attempts, nextAttemptAt, lastError, createdAt, endedAt, secret
    }
    static let requiredFields: [CodingKeys] = [.id, .resourceCode, .consumerCode, .url, .filter, .cursor, .delivered, .attempts, .nextAttemptAt, .createdAt]
    static let schemaName = "Subscription"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .cursor: ["type": "integer", "description": "the last change delivered or passed over"]
        case .delivered, .attempts: Schema.integer
        case .filter: Schema.ref(ChangeFilterDTO.self)
        case .nextAttemptAt, .createdAt, .endedAt: Schema.string(format: "date-time")
        case .secret: Schema.string("Standard Webhooks secret (whsec_ and base64), shown once")
        default: Schema.string()
        }
    }
    init(_ s: Subscription, secret: String? = nil) {
        id = s.id; resourceCode = s.resourceCode; consumerCode = s.consumerCode; url = s.url; filter = ChangeFilterDTO(s.filter); cursor = s.cursor
        delivered = s.delivered; attempts = s.attempts; nextAttemptAt = s.nextAttemptAt; lastError = s.lastError; createdAt = s.createdAt; endedAt = s.endedAt
        self.secret = secret
    }
}

struct SubscriptionList: ResponseEncodable, APIShape {
    let items: [SubscriptionDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static let schemaName = "SubscriptionList"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(SubscriptionDTO.self)) }
}

/// Where to replay from.
struct ReplayBody: JSONBody {
    let after: Int64
    enum CodingKeys: String, CodingKey, CaseIterable { case after }
    static let schemaName = "Replay"
    static func schema(_ field: CodingKeys) -> JSONValue { ["type": "integer", "minimum": 0, "description": "send again every event after this cursor"] }
}

/// Events given up after the last retry.
struct DeadLetterList: ResponseEncodable, APIShape {
    struct Item: Codable {
        let cursor: Int64
        let webhookId: String
        let body: String
        let attempts: Int
        let lastError: String
        let createdAt: Date
    }
    let items: [Item]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static let schemaName = "DeadLetterList"
    static func schema(_ field: CodingKeys) -> JSONValue {
        Schema.array(Schema.object([("cursor", Schema.integer), ("webhookId", Schema.string()), ("body", Schema.string("the event as it was sent")),
                                    ("attempts", Schema.integer), ("lastError", Schema.string()), ("createdAt", Schema.string(format: "date-time"))],
                                   required: ["cursor", "webhookId", "body", "attempts", "lastError", "createdAt"]))
    }
    init(_ letters: [DeadLetter]) {
        items = letters.map { Item(cursor: $0.cursor, webhookId: $0.webhookID, body: $0.body, attempts: $0.attempts, lastError: $0.lastError, createdAt: $0.createdAt) }
    }
}

/// The pull feed's answer (documented; written from the events as they would be posted).
struct ChangeFeedDTO: APIShape {
    enum CodingKeys: String, CodingKey, CaseIterable { case events, next }
    static let schemaName = "ChangeFeed"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .events: Schema.array(Schema.object([("type", Schema.string("record.created, record.updated or record.deleted")),
                                                  ("timestamp", Schema.string(format: "date-time")), ("data", ["type": "object"])],
                                                 required: ["type", "timestamp", "data"]))
        case .next: ["type": "integer", "description": "ask again with cursor=next"]
        }
    }
}
