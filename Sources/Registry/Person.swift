import CityCore
import Foundation

/// A department that sends person records to the registry (自然人库).
public enum PersonSource: String, Sendable, Codable, CaseIterable {
    /// Public security: the household register (户籍).
    case publicSecurity = "public-security"
    case civilAffairs = "civil-affairs"
    case health
    /// Human resources and social security.
    case hrss
}

/// A field of a person that sources send and the golden record settles.
public enum PersonField: String, Sendable, Codable, CaseIterable {
    case name, sex, birthDate, phone, address, divisionCode
}

/// One department's record of one person, as received: kept whole with its provenance.
public struct PersonSourceRecord: Sendable, Equatable, Codable {
    public let idNumber: ResidentID
    public let source: PersonSource
    public let receivedAt: Date
    public var values: [PersonField: String]

    public init(idNumber: ResidentID, source: PersonSource, receivedAt: Date, values: [PersonField: String]) {
        self.idNumber = idNumber
        self.source = source
        self.receivedAt = receivedAt
        self.values = values.filter { !Self.isBlank($0.value) }
    }

    /// Whether `text` holds nothing but spaces and tabs (any Unicode space separator, the
    /// ideographic space among them).
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// Why this record contradicts its own ID number (a birth date or sex the number does not
    /// carry): such a row is rejected with these reasons, never merged.
    public var contradictions: [String] {
        var reasons: [String] = []
        if let birth = values[.birthDate], birth != idNumber.birthDate {
            reasons.append("birthDate \(birth) contradicts the ID number's \(idNumber.birthDate) / 出生日期与身份证号码不符")
        }
        if let text = values[.sex] {
            if let sex = Sex(rawValue: text) {
                if sex != idNumber.sex { reasons.append("sex \(text) contradicts the ID number's \(idNumber.sex.rawValue) / 性别与身份证号码不符") }
            } else {
                reasons.append("sex must be male or female, not \(text) / 性别应为 male 或 female")
            }
        }
        return reasons
    }
}

/// A golden-record field: the value chosen, where it came from, and who says otherwise.
public struct GoldenValue: Sendable, Equatable, Codable {
    public let value: String
    public let source: PersonSource
    public let receivedAt: Date
    /// Sources whose current record holds a different value for this field.
    public let disagreeing: [PersonSource]
}

/// A person as the city knows them (the golden record, GLOSSARY `Person`): per field, the value the
/// rules choose, with provenance.
public struct Person: Sendable, Equatable, Codable {
    public let idNumber: ResidentID
    public let fields: [PersonField: GoldenValue]
    /// The sources that hold a record of this person.
    public let sources: [PersonSource]
}

/// How a golden record is built from source records. Documented rules, one per field:
/// 1. each source's current record is its most recent one;
/// 2. for each field, the value comes from the first source in that field's priority list that
///    has a value (public security's household register is the authority on identity and
///    residence; the services people use most are the authority on how to reach them);
/// 3. sources whose current record holds a different value are listed as disagreeing.
/// Sex and birth date are also carried by the ID number itself: when no source sends them, the
/// number is the source (attributed to public security, which issues it).
public enum GoldenRecordRules {
    public static let priority: [PersonField: [PersonSource]] = [
        .name: [.publicSecurity, .civilAffairs, .hrss, .health],
        .sex: [.publicSecurity, .civilAffairs, .hrss, .health],
        .birthDate: [.publicSecurity, .civilAffairs, .hrss, .health],
        .address: [.publicSecurity, .civilAffairs, .hrss, .health],
        .divisionCode: [.publicSecurity, .civilAffairs, .hrss, .health],
        .phone: [.health, .hrss, .civilAffairs, .publicSecurity],
    ]

    /// The golden record of the records of one person (nil when there are none).
    public static func merge(_ records: [PersonSourceRecord]) -> Person? {
        guard let id = records.first?.idNumber else { return nil }
        let merged = GoldenMerge.merge(records.filter { $0.idNumber == id }.map { ($0.source, $0.receivedAt, $0.values) }, priority: priority)
        var fields = merged.fields.mapValues { GoldenValue(value: $0.value, source: $0.source, receivedAt: $0.receivedAt, disagreeing: $0.disagreeing) }
        if fields[.sex] == nil { fields[.sex] = GoldenValue(value: id.sex.rawValue, source: .publicSecurity, receivedAt: .distantPast, disagreeing: []) }
        if fields[.birthDate] == nil { fields[.birthDate] = GoldenValue(value: id.birthDate, source: .publicSecurity, receivedAt: .distantPast, disagreeing: []) }
        return Person(idNumber: id, fields: fields, sources: merged.sources)
    }
}
