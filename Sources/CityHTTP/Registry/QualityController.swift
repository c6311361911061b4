import CityCore
import Foundation
import Hummingbird
import Registry

/// The registries' data-quality report, for data stewards and auditors within their scope.
struct QualityController {
    let quality: RegistryQuality

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/registry/quality", use: report)
    }

    @Sendable func report(_ request: Request, context: StaffContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let name = query["registry"].flatMap({ RegistryName(rawValue: String($0)) }) else {
            throw RequestProblem.badQuery("registry", zh: "registry 应为 persons 或 entities", en: "registry must be persons or entities")
        }
        let answer = try await quality.report(name, division: try request.division(), refresh: try request.flag("refresh"), by: context.caller, origin: context.auditOrigin)
        guard let report = answer.report else {
            // None built yet for this scope: the build is queued; ask again shortly.
            var response = try QualityPendingDTO(status: "building").response(from: request, context: context)
            response.status = .accepted
            response.headers[.retryAfter] = "30"
            return response
        }
        return try QualityReportDTO(report, refreshing: answer.refreshing).response(from: request, context: context)
    }
}

/// A data-quality report.
struct QualityReportDTO: ResponseEncodable, APIShape {
    struct Source: Codable {
        let source: String
        let records: Int
        let completeness: [String: Double]
    }
    struct Indicator: Codable {
        let code: String
        let messageZh: String
        let messageEn: String
        let count: Int
        let groups: Int?
    }
    struct Conflicts: Codable {
        let field: String
        let records: Int
        let bySource: [String: Int]
    }
    let registry: String
    let division: String
    let generatedAt: Date
    let total: Int
    let sources: [Source]
    let validity: [Indicator]
    let duplicates: [Indicator]
    let conflicts: [Conflicts]
    let durationMs: Int
    let refreshing: Bool
    enum CodingKeys: String, CodingKey, CaseIterable {
        case registry, division, generatedAt, total, sources, validity, duplicates, conflicts, durationMs, refreshing
    }
    static let schemaName = "QualityReport"
    static let indicator = Schema.object([("code", Schema.string()), ("messageZh", Schema.string()), ("messageEn", Schema.string()), ("count", Schema.integer),
                                          ("groups", ["type": ["integer", "null"]])], required: ["code", "messageZh", "messageEn", "count"])
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .registry: Schema.enumeration(RegistryName.allCases.map(\.rawValue))
        case .division: Schema.divisionCode
        case .generatedAt: Schema.string("when the report was built", format: "date-time")
        case .durationMs: ["type": "integer", "description": "how long building it took"]
        case .refreshing: ["type": "boolean", "description": "a newer report is being built (the stored one is over an hour old, or refresh=true)"]
        case .total: ["type": "integer", "description": "golden records in scope"]
        case .sources: Schema.array(Schema.object([("source", Schema.string()), ("records", Schema.integer),
                                                   ("completeness", ["type": "object", "additionalProperties": ["type": "number", "minimum": 0, "maximum": 1],
                                                                     "description": "per field, the share of the source's current records holding a value"])],
                                                  required: ["source", "records", "completeness"]))
        case .validity, .duplicates: Schema.array(indicator)
        case .conflicts: Schema.array(Schema.object([("field", Schema.string()), ("records", Schema.integer),
                                                     ("bySource", ["type": "object", "additionalProperties": Schema.integer])], required: ["field", "records", "bySource"]))
        }
    }

    init(_ r: QualityReport, refreshing: Bool) {
        registry = r.registry.rawValue; division = r.scope.rawValue; generatedAt = r.generatedAt; total = r.total
        durationMs = r.durationMs; self.refreshing = refreshing
        sources = r.sources.map { Source(source: $0.source, records: $0.records, completeness: $0.completeness) }
        validity = r.validity.map { Indicator(code: $0.code, messageZh: $0.zh, messageEn: $0.en, count: $0.count, groups: $0.groups) }
        duplicates = r.duplicates.map { Indicator(code: $0.code, messageZh: $0.zh, messageEn: $0.en, count: $0.count, groups: $0.groups) }
        conflicts = r.conflicts.map { Conflicts(field: $0.field, records: $0.records, bySource: $0.bySource) }
    }
}

/// No report has been built for the scope yet: one is being built (202, with Retry-After).
struct QualityPendingDTO: ResponseEncodable, APIShape {
    let status: String
    enum CodingKeys: String, CodingKey, CaseIterable { case status }
    static let schemaName = "QualityPending"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.enumeration(["building"]) }
}
