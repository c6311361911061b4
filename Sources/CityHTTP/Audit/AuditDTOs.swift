import CityCore
import CityStore
import Foundation
import Hummingbird

/// An audit entry as the API shows it (`recordId`, `requestId`, as every id in the API is cased).
struct AuditEntryDTO: ResponseEncodable, APIShape {
    let seq: Int64
    let at: Date
    let actor: String
    let action: String
    let recordType: String?
    let recordId: String?
    let divisionCode: String?
    let purpose: String?
    let source: String?
    let requestId: String?
    let outcome: String
    let detail: String?
    let prevHash: String
    let hash: String
    enum CodingKeys: String, CodingKey, CaseIterable {
        case seq, at, actor, action, recordType, recordId, divisionCode, purpose, source, requestId, outcome, detail, prevHash, hash
    }
    static let requiredFields: [CodingKeys] = [.seq, .at, .actor, .action, .outcome, .prevHash, .hash]
    static let schemaName = "AuditEntry"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .seq: Schema.integer
        case .at: Schema.string(format: "date-time")
        case .actor: Schema.string("who acted: staff:<username>, apiKey:<id>, citizen:<id>, cli:<account>, or anonymous")
        case .outcome: Schema.enumeration(["ok", "denied", "failed"])
        case .action, .prevHash, .hash: Schema.string()
        case .recordType, .recordId, .divisionCode, .purpose, .source, .requestId, .detail: Schema.nullableString
        }
    }

    init(_ r: AuditRecord) {
        seq = r.seq; at = r.at; actor = r.actor; action = r.action; recordType = r.recordType; recordId = r.recordID
        divisionCode = r.divisionCode; purpose = r.purpose; source = r.source; requestId = r.requestID; outcome = r.outcome
        detail = r.detail; prevHash = r.prevHash; hash = r.hash
    }
}

/// A page of audit entries.
struct AuditEntryList: ResponseEncodable, APIShape {
    let items: [AuditEntryDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(AuditEntryDTO.self)) }
}

/// One break in the chain.
struct AuditProblemDTO: Codable, APIShape {
    let seq: Int64
    let kind: String
    let message: String
    enum CodingKeys: String, CodingKey, CaseIterable { case seq, kind, message }
    static let schemaName = "AuditProblem"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .seq: Schema.integer
        case .kind: Schema.enumeration(["edited", "deleted", "reordered", "truncated", "rewritten", "forgedCheckpoint"])
        case .message: Schema.string()
        }
    }
}

/// What a verification of the chain found.
struct AuditVerificationDTO: ResponseEncodable, APIShape {
    let intact: Bool
    let checked: Int
    let headHash: String
    let problems: [AuditProblemDTO]
    let checkpoints: Int
    let anchoredAt: Int64?
    enum CodingKeys: String, CodingKey, CaseIterable { case intact, checked, headHash, problems, checkpoints, anchoredAt }
    static let requiredFields: [CodingKeys] = [.intact, .checked, .headHash, .problems, .checkpoints]
    static let schemaName = "AuditVerification"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .intact: Schema.boolean
        case .checked: Schema.integer
        case .headHash: Schema.string()
        case .problems: Schema.array(Schema.ref(AuditProblemDTO.self))
        case .checkpoints: ["type": "integer", "description": "signed checkpoints the chain was checked against"]
        case .anchoredAt: ["type": ["integer", "null"], "description": "the latest row a signed checkpoint anchors"]
        }
    }

    init(_ v: AuditVerification) {
        intact = v.isIntact; checked = v.checked; headHash = v.headHash; checkpoints = v.checkpoints; anchoredAt = v.anchoredAt
        problems = v.problems.map { AuditProblemDTO(seq: $0.seq, kind: $0.kind.rawValue, message: $0.message) }
    }
}
