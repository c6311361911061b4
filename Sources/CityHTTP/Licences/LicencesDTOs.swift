import CityCore
import Foundation
import Hummingbird
import Licences

/// One field of a licence type.
struct LicenceTypeFieldDTO: ResponseEncodable, APIShape {
    let name: String
    let title: String
    let kind: String
    let required: Bool
    enum CodingKeys: String, CodingKey, CaseIterable { case name, title, kind, required }
    static let schemaName = "LicenceTypeField"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .kind: Schema.enumeration(LicenceType.Field.Kind.allCases.map(\.rawValue))
        case .required: Schema.boolean
        default: Schema.string()
        }
    }
}

struct LicenceTypeDTO: ResponseEncodable, APIShape {
    let code: String
    let name: String
    let nameEn: String
    let shortCode: String
    let typeCode: String
    let issuerCode: String
    let holderKinds: [String]
    let fields: [LicenceTypeFieldDTO]
    let validYears: Int?
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, nameEn, shortCode, typeCode, issuerCode, holderKinds, fields, validYears }
    static let requiredFields: [CodingKeys] = [.code, .name, .nameEn, .shortCode, .typeCode, .issuerCode, .holderKinds, .fields]
    static let schemaName = "LicenceType"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .holderKinds: Schema.array(Schema.enumeration(HolderKind.allCases.map(\.rawValue)))
        case .fields: Schema.array(Schema.ref(LicenceTypeFieldDTO.self))
        case .validYears: ["type": "integer", "description": "years from issue; absent: until revoked"]
        case .typeCode: Schema.string("the defining body's credit code and a 3-digit sequence")
        case .issuerCode: Schema.string("the organisation allowed to issue it")
        default: Schema.string()
        }
    }
    init(_ t: LicenceType) {
        code = t.code; name = t.name; nameEn = t.nameEn; shortCode = t.shortCode; typeCode = t.typeCode; issuerCode = t.issuerCode; holderKinds = t.holderKinds.map(\.rawValue)
        fields = t.fields.map { LicenceTypeFieldDTO(name: $0.name, title: $0.title, kind: $0.kind.rawValue, required: $0.required) }; validYears = t.validYears
    }
}

/// A licence type's definition (the code is in the path).
struct DefineLicenceTypeBody: JSONBody {
    struct FieldBody: Decodable, Sendable {
        let name: String
        let title: String
        let kind: String
        let required: Bool?
    }
    let name: String
    let nameEn: String
    let shortCode: String
    let typeCode: String
    let issuerCode: String
    let holderKinds: [String]
    let fields: [FieldBody]
    let validYears: Int?
    enum CodingKeys: String, CodingKey, CaseIterable { case name, nameEn, shortCode, typeCode, issuerCode, holderKinds, fields, validYears }
    static let requiredFields: [CodingKeys] = [.name, .nameEn, .shortCode, .typeCode, .issuerCode, .holderKinds, .fields]
    static let schemaName = "DefineLicenceType"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .name, .nameEn: Schema.string(min: 1, max: 64)
        case .shortCode: Schema.string("two capitals that begin the licences' numbers", max: 2)
        case .typeCode: Schema.string("the defining body's credit code and a 3-digit sequence", max: 21)
        case .issuerCode: Schema.string("the organisation allowed to issue it", max: 64)
        case .holderKinds: Schema.array(Schema.enumeration(HolderKind.allCases.map(\.rawValue)))
        case .fields: Schema.array(["type": "object", "required": ["name", "title", "kind"], "additionalProperties": false,
                                    "properties": ["name": Schema.string(max: 40), "title": Schema.string(max: 40),
                                                   "kind": Schema.enumeration(LicenceType.Field.Kind.allCases.map(\.rawValue)), "required": Schema.boolean]])
        case .validYears: ["type": "integer", "minimum": 1, "maximum": 100, "description": "years from issue; absent: until revoked"]
        }
    }
}

struct LicenceTypeList: ResponseEncodable, APIShape {
    let items: [LicenceTypeDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(LicenceTypeDTO.self)) }
}

struct LicenceDTO: ResponseEncodable, APIShape {
    let id: String
    let number: String
    let type: String
    let divisionCode: String
    let issuerCode: String
    let holderKind: String
    let holderId: String
    let holderName: String
    let fields: [String: String]
    let validFrom: Date
    let validUntil: Date?
    let sealId: String
    let status: String
    let statusReason: String?
    let statusAt: Date?
    let issuedBy: String
    let issuedAt: Date
    let jws: String?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, number, type, divisionCode, issuerCode, holderKind, holderId, holderName, fields, validFrom, validUntil, sealId, status, statusReason, statusAt,
             issuedBy, issuedAt, jws
    }
    static let requiredFields: [CodingKeys] = [.id, .number, .type, .divisionCode, .issuerCode, .holderKind, .holderId, .holderName, .fields, .validFrom, .sealId,
                                               .status, .issuedBy, .issuedAt]
    static let schemaName = "Licence"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .id: Schema.string("the national identifier 1.2.156.3005.2.…")
        case .number: Schema.string("the human-friendly number")
        case .fields: ["type": "object", "additionalProperties": Schema.string()]
        case .validFrom, .validUntil, .statusAt, .issuedAt: Schema.string(format: "date-time")
        case .holderKind: Schema.enumeration(HolderKind.allCases.map(\.rawValue))
        case .status: Schema.enumeration(LicenceStatus.allCases.map(\.rawValue))
        case .holderId: Schema.string("ID number (masked unless the caller's organisation issued it) or credit code")
        case .jws: Schema.string("the sealed licence, compact JWS; for the issuing organisation only")
        default: Schema.string()
        }
    }
    init(_ l: Licence) {
        id = l.id; number = l.number; type = l.type; divisionCode = l.divisionCode; issuerCode = l.issuerCode; holderKind = l.holderKind.rawValue
        holderId = l.holderID; holderName = l.holderName; fields = l.fields; validFrom = l.validFrom; validUntil = l.validUntil; sealId = l.sealID
        status = l.status.rawValue; statusReason = l.statusReason; statusAt = l.statusAt; issuedBy = l.issuedBy; issuedAt = l.issuedAt
        jws = l.jws.isEmpty ? nil : l.jws
    }
}

struct LicenceList: ResponseEncodable, APIShape {
    let items: [LicenceDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(LicenceDTO.self)) }
}

/// A licence to issue.
struct NewLicenceBody: JSONBody {
    let type: String
    let holder: String
    let holderName: String?
    let fields: [String: String]
    let validFrom: String?
    let validUntil: String?
    let algorithm: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case type, holder, holderName, fields, validFrom, validUntil, algorithm }
    static let requiredFields: [CodingKeys] = [.type, .holder, .fields]
    static let schemaName = "NewLicence"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .type: Schema.string("licence type code (business-licence, real-estate, …)", max: 40)
        case .holder: Schema.string("the holder's resident ID number or credit code", max: 18)
        case .holderName: Schema.string("as the applicant states it (required for a person; checked against the registry)", max: 200)
        case .fields: ["type": "object", "additionalProperties": Schema.string(max: 500), "description": "the type's fields by name"]
        case .validFrom, .validUntil: Schema.string("YYYY-MM-DD (China time); validUntil is the last valid day", format: "date")
        case .algorithm: Schema.enumeration(SealAlgorithm.allCases.map(\.rawValue), description: "the seal's algorithm (default ed25519)")
        }
    }
}

struct LicenceStatusBody: JSONBody {
    let status: String
    let reason: String
    enum CodingKeys: String, CodingKey, CaseIterable { case status, reason }
    static let schemaName = "LicenceStatusChange"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .status: Schema.enumeration(LicenceStatus.allCases.map(\.rawValue))
        case .reason: Schema.string(min: 2, max: 200)
        }
    }
}

struct VerifyLicenceBody: JSONBody {
    let licence: String
    enum CodingKeys: String, CodingKey, CaseIterable { case licence }
    static let schemaName = "VerifyLicence"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.string("the sealed licence (compact JWS)", max: 65_536) }
}

struct VerifySESBody: JSONBody {
    let signature: String
    let licence: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case signature, licence }
    static let requiredFields: [CodingKeys] = [.signature]
    static let schemaName = "VerifySESSignature"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .signature: Schema.string("the GB/T 38540 SES_Signature, DER, base64", max: 262_144)
        case .licence: Schema.string("the licence (compact JWS) it was written for: its signing input must match the sealed SM3 hash", max: 65_536)
        }
    }
}

/// The verdict on a GB/T 38540 SES_Signature.
struct SESVerdictDTO: ResponseEncodable, APIShape {
    let ok: Bool
    let reason: String
    let messageZh: String
    let messageEn: String
    let sealName: String?
    let sealId: String?
    let organisation: String?
    let signedAt: Date?
    let property: String?
    let detail: String?
    let dataChecked: Bool
    enum CodingKeys: String, CodingKey, CaseIterable { case ok, reason, messageZh, messageEn, sealName, sealId, organisation, signedAt, property, detail, dataChecked }
    static let requiredFields: [CodingKeys] = [.ok, .reason, .messageZh, .messageEn, .dataChecked]
    static let schemaName = "SESVerdict"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .ok, .dataChecked: Schema.boolean
        case .reason: Schema.enumeration(GBSealVerdict.Reason.allCases.map(\.rawValue))
        case .signedAt: Schema.string(format: "date-time")
        default: Schema.string()
        }
    }
    init(_ v: GBSealVerdict) {
        ok = v.ok; reason = v.reason.rawValue; messageZh = v.messageZh; messageEn = v.messageEn; sealName = v.sealName; sealId = v.sealID
        organisation = v.organisation; signedAt = v.signedAt; property = v.property; detail = v.detail; dataChecked = v.dataChecked
    }
}

struct SealSummaryDTO: ResponseEncodable, APIShape {
    let organisation: String
    let creditCode: String?
    let serial: String
    let algorithm: String
    let notBefore: Date
    let notAfter: Date
    enum CodingKeys: String, CodingKey, CaseIterable { case organisation, creditCode, serial, algorithm, notBefore, notAfter }
    static let requiredFields: [CodingKeys] = [.organisation, .serial, .algorithm, .notBefore, .notAfter]
    static let schemaName = "SealSummary"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .algorithm: Schema.enumeration(SealAlgorithm.allCases.map(\.rawValue))
        case .notBefore, .notAfter: Schema.string(format: "date-time")
        default: Schema.string()
        }
    }
}

struct SealedClaimsDTO: ResponseEncodable, APIShape {
    let id: String
    let number: String
    let type: String
    let typeName: String
    let issuerName: String
    let issuerCreditCode: String
    let holderKind: String
    let holderId: String
    let holderName: String
    let fields: [String: String]
    let issuedAt: Date
    let validFrom: Date
    let validUntil: Date?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, number, type, typeName, issuerName, issuerCreditCode, holderKind, holderId, holderName, fields, issuedAt, validFrom, validUntil
    }
    static let requiredFields: [CodingKeys] = [.id, .number, .type, .typeName, .issuerName, .issuerCreditCode, .holderKind, .holderId, .holderName, .fields, .issuedAt, .validFrom]
    static let schemaName = "SealedClaims"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .fields: ["type": "object", "additionalProperties": Schema.string()]
        case .issuedAt, .validFrom, .validUntil: Schema.string(format: "date-time")
        default: Schema.string()
        }
    }
    init(_ c: LicenceClaims) {
        id = c.jti; number = c.no; type = c.type; typeName = c.typeName; issuerName = c.issuerName; issuerCreditCode = c.iss; holderKind = c.holder.kind
        holderId = c.holder.kind == HolderKind.person.rawValue ? Mask.idNumber(c.sub) : c.sub; holderName = c.holder.name; fields = c.fields
        issuedAt = c.issuedAt; validFrom = c.validFrom; validUntil = c.validUntil
    }
}

/// The verdict on a licence: valid, or exactly why not.
struct VerdictDTO: ResponseEncodable, APIShape {
    let ok: Bool
    let reason: String
    let messageZh: String
    let messageEn: String
    let detail: String?
    let alteredFields: [String]
    let statusAsOf: Date?
    let licence: SealedClaimsDTO?
    let seal: SealSummaryDTO?
    enum CodingKeys: String, CodingKey, CaseIterable { case ok, reason, messageZh, messageEn, detail, alteredFields, statusAsOf, licence, seal }
    static let requiredFields: [CodingKeys] = [.ok, .reason, .messageZh, .messageEn, .alteredFields]
    static let schemaName = "Verdict"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .ok: Schema.boolean
        case .reason: Schema.enumeration(Verdict.Reason.allCases.map(\.rawValue))
        case .alteredFields: Schema.array(Schema.string())
        case .statusAsOf: Schema.string("when the revocation status used was current", format: "date-time")
        case .licence: Schema.ref(SealedClaimsDTO.self)
        case .seal: Schema.ref(SealSummaryDTO.self)
        default: Schema.string()
        }
    }
    init(_ v: Verdict) {
        ok = v.ok; reason = v.reason.rawValue; messageZh = v.messageZh; messageEn = v.messageEn; detail = v.detail; alteredFields = v.alteredFields
        statusAsOf = v.statusAsOf; licence = v.claims.map(SealedClaimsDTO.init)
        seal = v.seal.map { SealSummaryDTO(organisation: $0.organisation, creditCode: $0.creditCode, serial: $0.serial, algorithm: $0.algorithm.rawValue,
                                           notBefore: $0.notBefore, notAfter: $0.notAfter) }
    }
}

struct SealDTO: ResponseEncodable, APIShape {
    let id: String
    let organisationCode: String
    let organisationName: String
    let creditCode: String
    let algorithm: String
    let serial: String
    let notBefore: Date
    let notAfter: Date
    let state: String
    let revokedAt: Date?
    let revokeReason: String?
    let createdAt: Date
    let certificatePem: String
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, organisationCode, organisationName, creditCode, algorithm, serial, notBefore, notAfter, state, revokedAt, revokeReason, createdAt, certificatePem
    }
    static let requiredFields: [CodingKeys] = [.id, .organisationCode, .organisationName, .creditCode, .algorithm, .serial, .notBefore, .notAfter, .state, .createdAt,
                                               .certificatePem]
    static let schemaName = "Seal"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .algorithm: Schema.enumeration(SealAlgorithm.allCases.map(\.rawValue))
        case .state: Schema.enumeration(SealState.allCases.map(\.rawValue))
        case .notBefore, .notAfter, .revokedAt, .createdAt: Schema.string(format: "date-time")
        case .serial: Schema.string("the certificate's serial number, hex")
        case .certificatePem: Schema.string("the X.509 certificate, PEM")
        default: Schema.string()
        }
    }
    init(_ s: Seal) {
        id = s.id; organisationCode = s.organisationCode; organisationName = s.organisationName; creditCode = s.creditCode; algorithm = s.algorithm.rawValue
        serial = s.serial; notBefore = s.notBefore; notAfter = s.notAfter; state = s.state.rawValue; revokedAt = s.revokedAt; revokeReason = s.revokeReason
        createdAt = s.createdAt; certificatePem = s.certificatePEM
    }
}

struct SealList: ResponseEncodable, APIShape {
    let items: [SealDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(SealDTO.self)) }
}

struct NewSealBody: JSONBody {
    let organisationCode: String
    let creditCode: String
    let algorithm: String
    let years: Int?
    enum CodingKeys: String, CodingKey, CaseIterable { case organisationCode, creditCode, algorithm, years }
    static let requiredFields: [CodingKeys] = [.organisationCode, .creditCode, .algorithm]
    static let schemaName = "NewSeal"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .organisationCode: Schema.string(max: 64)
        case .creditCode: Schema.string("the department's unified social credit code", pattern: "^[0-9A-HJ-NPQRTUWXY]{18}$")
        case .algorithm: Schema.enumeration(SealAlgorithm.allCases.map(\.rawValue))
        case .years: ["type": "integer", "minimum": 1, "maximum": 10]
        }
    }
}

struct RevokeSealBody: JSONBody {
    let reason: String
    enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    static let schemaName = "RevokeSeal"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.string(min: 2, max: 200) }
}
