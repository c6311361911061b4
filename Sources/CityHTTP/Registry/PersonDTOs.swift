import CityCore
import Foundation
import Hummingbird
import Registry

/// Where a golden-record field came from (persons and legal entities).
struct FieldProvenanceDTO: Codable, APIShape {
    /// Every department that sends records to a registry.
    static let sourceSchema = Schema.enumeration((PersonSource.allCases.map(\.rawValue) + EntitySource.allCases.map(\.rawValue)).reduce(into: []) { if !$0.contains($1) { $0.append($1) } })
    let source: String
    let receivedAt: Date?
    let disagreeing: [String]
    enum CodingKeys: String, CodingKey, CaseIterable { case source, receivedAt, disagreeing }
    static let requiredFields: [CodingKeys] = [.source, .disagreeing]
    static let schemaName = "FieldProvenance"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .source: Self.sourceSchema
        case .receivedAt: ["type": ["string", "null"], "format": "date-time", "description": "null when the identifier itself is the source"]
        case .disagreeing: Schema.array(Self.sourceSchema)
        }
    }
}

/// A person's golden record as a reader may see it.
struct PersonDTO: JSONWritable, APIShape {
    let idNumber: String
    let name: String?
    let sex: String
    let birthDate: String
    let phone: String?
    let address: String?
    let divisionCode: String
    let sources: [String]
    let provenance: [String: FieldProvenanceDTO]
    let masked: Bool
    let createdAt: Date
    let updatedAt: Date
    enum CodingKeys: String, CodingKey, CaseIterable {
        case idNumber, name, sex, birthDate, phone, address, divisionCode, sources, provenance, masked, createdAt, updatedAt
    }
    static let requiredFields: [CodingKeys] = [.idNumber, .sex, .birthDate, .divisionCode, .sources, .provenance, .masked, .createdAt, .updatedAt]
    static let schemaName = "Person"
    static let sourceSchema = Schema.enumeration(PersonSource.allCases.map(\.rawValue))
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .idNumber: Schema.string("18 characters; masked as 4116**********123X unless plain")
        case .name, .phone, .address: Schema.nullableString
        case .sex: Schema.enumeration(Sex.allCases.map(\.rawValue))
        case .birthDate: Schema.string("YYYY-MM-DD; masked as YYYY-**-** unless plain")
        case .divisionCode: Schema.divisionCode
        case .sources: Schema.array(sourceSchema)
        case .provenance: ["type": "object", "additionalProperties": Schema.ref(FieldProvenanceDTO.self),
                           "description": "per field (name, sex, birth_date, phone, address, division_code): the source chosen and the sources that disagree"]
        case .masked: Schema.boolean
        case .createdAt, .updatedAt: Schema.string(format: "date-time")
        }
    }

    /// Written by hand (`JSONWritable`): this answers every audited person read.
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("idNumber", idNumber)
        json.field("name", name)
        json.field("sex", sex)
        json.field("birthDate", birthDate)
        json.field("phone", phone)
        json.field("address", address)
        json.field("divisionCode", divisionCode)
        json.field("sources", strings: sources)
        json.key("provenance")
        json.beginObject()
        for (field, p) in provenance.sorted(by: { $0.key < $1.key }) {
            json.key(field)
            json.beginObject()
            json.field("source", p.source)
            json.field("receivedAt", p.receivedAt)
            json.field("disagreeing", strings: p.disagreeing)
            json.endObject()
        }
        json.endObject()
        json.field("masked", masked)
        json.field("createdAt", createdAt)
        json.field("updatedAt", updatedAt)
        json.endObject()
    }

}

extension PersonDTO {
    init(_ p: PersonRecord) {
        idNumber = p.idNumber; name = p.name; sex = p.sex.rawValue; birthDate = p.birthDate; phone = p.phone; address = p.address
        divisionCode = p.divisionCode; sources = p.sources.map(\.rawValue); masked = p.masked; createdAt = p.createdAt; updatedAt = p.updatedAt
        provenance = p.provenance.mapValues { FieldProvenanceDTO(source: $0.source.rawValue, receivedAt: $0.receivedAt, disagreeing: $0.disagreeing.map(\.rawValue)) }
    }
}

/// One version of one source department's record, as a registry's history shows it; its schema
/// is named for the registry (`PersonRecordVersion`, `LegalEntityRecordVersion`).
struct RecordVersionDTO<Source: RegistrySource>: Codable, APIShape {
    let source: String
    let version: Int
    let receivedAt: Date
    let origin: String
    let changed: [String]
    let values: [String: String]
    enum CodingKeys: String, CodingKey, CaseIterable { case source, version, receivedAt, origin, changed, values }
    static var schemaName: String { Source.registrySchemaName + "RecordVersion" }
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .source: Schema.enumeration(Source.allCases.map(\.rawValue))
        case .version: Schema.integer
        case .receivedAt: Schema.string(format: "date-time")
        case .origin: Schema.string("the file or request it came in")
        case .changed: Schema.array(Schema.string())
        case .values: ["type": "object", "additionalProperties": Schema.string(), "description": "masked as a read of the record masks them"]
        }
    }

    init(_ v: SourceRecordVersion<Source>) {
        source = v.source.rawValue; version = v.version; receivedAt = v.receivedAt; origin = v.origin; changed = v.changed; values = v.values
    }
}

/// A registry's source departments, named in the document by the registry they send to.
protocol RegistrySource: RawRepresentable<String>, CaseIterable, Sendable, Equatable, Codable {
    static var registrySchemaName: String { get }
}

extension PersonSource: RegistrySource {
    static var registrySchemaName: String { "Person" }
}

extension EntitySource: RegistrySource {
    static var registrySchemaName: String { "LegalEntity" }
}

/// Every version of every source's record of one person, newest first.
struct PersonHistoryDTO: ResponseEncodable, APIShape {
    let idNumber: String
    let masked: Bool
    let versions: [RecordVersionDTO<PersonSource>]
    enum CodingKeys: String, CodingKey, CaseIterable { case idNumber, masked, versions }
    static let schemaName = "PersonHistory"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .idNumber: Schema.string()
        case .masked: Schema.boolean
        case .versions: Schema.array(Schema.ref(RecordVersionDTO<PersonSource>.self))
        }
    }

    init(_ h: PersonHistory) {
        idNumber = h.idNumber; masked = h.masked
        versions = h.versions.map(RecordVersionDTO.init)
    }
}
