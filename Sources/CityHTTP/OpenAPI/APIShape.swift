import CityCore
import Foundation

/// A JSON shape the API accepts or returns, described from its own `CodingKeys` so the field list
/// is written once: the decoder, the unknown-field check and the document all read the same keys,
/// and a new field does not compile until it has a schema.
public protocol APIShape {
    associatedtype Fields: CodingKey & CaseIterable
    /// The schema of one field.
    static func schema(_ field: Fields) -> JSONValue
    /// The fields always present (responses) or that a client must send (requests).
    static var requiredFields: [Fields] { get }
    /// Whether fields beyond `Fields` are refused (request bodies) or may appear later (responses).
    static var isClosed: Bool { get }
    /// The name under `components/schemas`.
    static var schemaName: String { get }
}

extension APIShape {
    public static var requiredFields: [Fields] { Array(Fields.allCases) }
    public static var isClosed: Bool { false }
    public static var schemaName: String {
        let name = String(describing: Self.self)
        return name.hasSuffix("DTO") ? String(name.dropLast(3)) : name
    }

    /// The object schema, with the fields in declaration order.
    static var objectSchema: JSONValue {
        Schema.object(Fields.allCases.map { ($0.stringValue, schema($0)) }, required: requiredFields.map(\.stringValue), closed: isClosed)
    }
}

extension JSONBody {
    public static var isClosed: Bool { true }
}
