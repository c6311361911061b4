import CityCore
import CityStore
import Foundation
import SQLKit

/// What a subscription or a pull-feed reader wants of a resource's changes.
public struct ChangeFilter: Sendable, Equatable, Codable {
    /// Only these operations (all when empty).
    public var operations: [ChangeOperation]
    /// Only changes that touch one of these fields (all when empty).
    public var fields: [String]
    /// Only records of divisions that start with this code (within the consumer's scope).
    public var divisionCode: String?

    public init(operations: [ChangeOperation] = [], fields: [String] = [], divisionCode: String? = nil) {
        self.operations = operations
        self.fields = fields
        self.divisionCode = divisionCode
    }
}

/// One change event of a resource as a consumer receives it (webhook body or pull-feed item).
public struct ChangeEvent: Sendable, Equatable {
    /// The change-log cursor: events come in this order; replay starts after any of them.
    public let cursor: Int64
    /// The event as JSON: `{"type","timestamp","data":{resource, cursor, key, operation, changedFields, divisionCode, record}}`.
    public let body: String
}

/// Builds a consumer's change events from the platform change log: only the resource's records,
/// within the consumer's scope, with the changed fields and current values it is granted (personal
/// ones masked unless the grant says plain). One reader of the one change log; there is no other.
struct ChangeEvents: Sendable {
    let store: Store
    let resource: Resource
    let source: any RowSource

    /// Events after `cursor`, at most `limit`, and the cursor to read after next time (past
    /// changes that were not for this consumer as well).
    func events(after cursor: Int64, limit: Int, grant: Grant, filter: ChangeFilter, scope: DivisionScope) async throws -> (events: [ChangeEvent], next: Int64) {
        let log = ChangeLog(store: store)
        let head = try await log.head()
        guard head > cursor else { return ([], cursor) }
        var prefix = scope.root.significantPrefix
        if let wanted = filter.divisionCode, wanted.hasPrefix(prefix) { prefix = wanted }
        let changes = try await log.changes(after: cursor, through: head, limit: limit, scopePattern: prefix + "%", recordTypes: resource.recordTypes)
        let next = changes.count == limit ? changes.last!.cursor : head
        let granted = Set(grant.fields)
        let wanted = changes.filter { change in
            (filter.operations.isEmpty || filter.operations.contains(change.operation))
                && (change.operation != .updated || change.fields.contains(where: granted.contains))
                && (filter.fields.isEmpty || change.operation != .updated || change.fields.contains(where: filter.fields.contains))
        }
        let keys = wanted.map { source.rowKey(recordType: $0.recordType, recordKey: $0.recordKey, divisionCode: $0.divisionCode) }
        let rows = keys.isEmpty ? [] : try await source.rows(RowQuery(limit: keys.count, keys: Array(Set(keys))))
        let byKey = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let columns = grant.fields.compactMap { resource.field($0) }
        let keyField = resource.field(resource.keyField)
        let events = zip(wanted, keys).map { change, key in
            var json = JSONWriter(capacity: 512)
            json.beginObject()
            json.field("type", "record.\(change.operation.rawValue)")
            json.key("timestamp")
            json.string(change.at.millisecondISO8601)
            json.key("data")
            json.beginObject()
            json.field("resource", resource.code)
            json.key("cursor")
            json.integer(Int(change.cursor))
            let shownKey = grant.plain || keyField?.sensitivity != .personal ? JSONValue.string(key) : keyField!.masked(.string(key))
            json.key("key")
            json.value(shownKey)
            json.field("operation", change.operation.rawValue)
            json.field("changedFields", strings: change.fields.filter(granted.contains))
            json.field("divisionCode", change.divisionCode)
            json.key("record")
            if change.operation != .deleted, let row = byKey[key] {
                grant.write(row.values, columns: columns, into: &json)
            } else {
                json.string(nil)
            }
            json.endObject()
            json.endObject()
            return ChangeEvent(cursor: change.cursor, body: json.text)
        }
        return (events, next)
    }
}
