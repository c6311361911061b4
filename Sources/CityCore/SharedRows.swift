/// One record a module shares through the exchange: its key, the division it belongs to, and its
/// fields' values by the names the catalogue lists.
public struct SharedRow: Sendable, Equatable {
    public let key: String
    public let divisionCode: String?
    public let values: [String: JSONValue]

    public init(key: String, divisionCode: String?, values: [String: JSONValue]) {
        self.key = key
        self.divisionCode = divisionCode
        self.values = values
    }
}

/// A read of a module's records for the exchange: in key order after a key, within a division,
/// with equality filters on fields the source can filter by.
public struct RowQuery: Sendable, Equatable {
    /// Rows after this key (the previous page's last), in key order.
    public var after: String?
    public var limit: Int
    /// Only rows of divisions that start with this code (the consumer's scope).
    public var divisionPrefix: String?
    /// Field name → the value it must equal (text as the caller sent it).
    public var filters: [String: String]
    /// Only these rows (the records a batch of changes names).
    public var keys: [String]?

    public init(after: String? = nil, limit: Int, divisionPrefix: String? = nil, filters: [String: String] = [:], keys: [String]? = nil) {
        self.after = after
        self.limit = limit
        self.divisionPrefix = divisionPrefix
        self.filters = filters
        self.keys = keys
    }
}

/// A module's records as the exchange reads them. The exchange, not the source, decides who may
/// read what (its grants), which fields leave and how they are masked; a source only reads.
public protocol RowSource: Sendable {
    /// The fields that `rows` can filter by.
    var filterable: Set<String> { get }
    func rows(_ query: RowQuery) async throws -> [SharedRow]
    /// The key of the row a change-log entry names (its record key, unless the source composes keys).
    func rowKey(recordType: String, recordKey: String, divisionCode: String?) -> String
}

extension RowSource {
    public func rowKey(recordType: String, recordKey: String, divisionCode: String?) -> String { recordKey }
}
