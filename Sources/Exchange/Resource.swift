// Exchange: the catalogue of every department's data (政务信息资源目录), the share requests and
// grants between organisations, the data API that serves granted fields masked by sensitivity
// with a message log in the audit chain, and the delivery of changes. It reads other modules'
// records only through the `RowSource`s the composition root hands it, never their tables.
import CityCore
import Foundation

/// A field's value type, checked when a dataset's rows are loaded.
public enum FieldType: String, Sendable, Codable, CaseIterable {
    case string, integer, number, boolean, date
    /// A resident ID number (GB 11643, check character verified).
    case idNumber
    /// A unified social credit code (GB 32100, check character verified).
    case creditCode
    /// A mainland mobile number.
    case phone
    /// A six-digit division code.
    case divisionCode
}

/// How sensitive a field is: what masking and sharing it needs.
public enum Sensitivity: String, Sendable, Codable, CaseIterable {
    /// Anyone may see it.
    case `public`
    /// Government staff may see it; shared as it is.
    case `internal`
    /// About a natural person: masked unless the grant says plain.
    case personal
    /// Never leaves through the exchange.
    case secret
}

/// Who may get a resource (共享类型).
public enum Sharing: String, Sendable, Codable, CaseIterable {
    /// Granted at once to any government consumer that asks.
    case unconditional
    /// Granted when the provider's data steward approves.
    case conditional
    /// Not shared; the legal basis is stated.
    case notShared
}

/// What the public may download (开放类型).
public enum Openness: String, Sendable, Codable, CaseIterable {
    case open, conditionalOpen, closed
}

/// How often the provider updates a resource.
public enum UpdateCycle: String, Sendable, Codable, CaseIterable {
    case realtime, daily, weekly, monthly, quarterly, yearly, irregular
}

/// Where a resource's rows come from.
public enum ResourceKind: String, Sendable, Codable, CaseIterable {
    /// A base registry (persons, legal entities, geography).
    case registry
    /// The command center's cases.
    case cases
    /// A department's thematic dataset (主题库), loaded through the exchange.
    case dataset
}

/// One field of a resource.
public struct ResourceField: Sendable, Codable, Equatable {
    public var name: String
    /// The field's Chinese title.
    public var title: String
    public var type: FieldType
    public var sensitivity: Sensitivity
    /// Whether every row must carry a value.
    public var required: Bool

    public init(name: String, title: String, type: FieldType, sensitivity: Sensitivity = .internal, required: Bool = false) {
        self.name = name
        self.title = title
        self.type = type
        self.sensitivity = sensitivity
        self.required = required
    }

    /// The value as a reader without a grant for plain values sees it.
    func masked(_ value: JSONValue) -> JSONValue {
        guard sensitivity == .personal, case .string(let text) = value else {
            return sensitivity == .personal && value != .null ? .string("****") : value
        }
        switch type {
        case .idNumber: return .string(Mask.idNumber(text))
        case .phone: return .string(Mask.phone(text))
        case .date: return .string(Mask.birthDate(text))
        case .string where text.count <= 4: return .string(Mask.name(text))
        default: return .string(Mask.address(text))
        }
    }
}

/// A catalogue entry: a resource with the government catalogue's metadata and its sharing terms.
public struct Resource: Sendable, Equatable, Codable {
    /// The catalogue code: the provider's organisation code and a serial (`411600-HEALTH.0001`).
    public let code: String
    /// A short code other systems use (`persons`, `entities`, `geography`, `cases`; optional for datasets).
    public let shortCode: String?
    public let name: String
    public let nameEn: String?
    /// The providing organisation.
    public let providerCode: String
    /// The provider's division.
    public let divisionCode: String
    public let summary: String
    public let kind: ResourceKind
    /// The field whose value identifies a row.
    public let keyField: String
    /// A dataset's field that places each row in a division (rows without one belong to the provider's).
    public let divisionField: String?
    public let fields: [ResourceField]
    public let updateCycle: UpdateCycle
    public let sharing: Sharing
    /// The law or rule that makes it conditional or not shared.
    public let sharingBasis: String?
    public let openness: Openness
    /// The change-log record types whose changes are this resource's changes.
    public let recordTypes: [String]
    public let createdAt: Date
    public let updatedAt: Date

    /// The formats rows are served in.
    public var formats: [String] { ["application/json", "text/csv"] }

    public func field(_ name: String) -> ResourceField? { fields.first { $0.name == name } }
}

/// A department's thematic dataset to publish: its description, schema and terms.
public struct NewDataset: Sendable, Equatable {
    public var shortCode: String?
    public var name: String
    public var nameEn: String?
    public var summary: String
    public var keyField: String
    /// A field of type `divisionCode` that places each row in a division (otherwise rows belong to the provider's).
    public var divisionField: String?
    public var fields: [ResourceField]
    public var updateCycle: UpdateCycle
    public var sharing: Sharing
    public var sharingBasis: String?
    public var openness: Openness

    public init(shortCode: String? = nil, name: String, nameEn: String? = nil, summary: String, keyField: String, divisionField: String? = nil,
                fields: [ResourceField], updateCycle: UpdateCycle = .irregular, sharing: Sharing, sharingBasis: String? = nil, openness: Openness = .closed) {
        self.shortCode = shortCode
        self.name = name
        self.nameEn = nameEn
        self.summary = summary
        self.keyField = keyField
        self.divisionField = divisionField
        self.fields = fields
        self.updateCycle = updateCycle
        self.sharing = sharing
        self.sharingBasis = sharingBasis
        self.openness = openness
    }
}
