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

    /// The object schema, with the fields in declaration order. In a request body a field that
    /// may be left out may also be sent as null (the decoder reads both as absent), and says so.
    static var objectSchema: JSONValue {
        let required = Set(requiredFields.map(\.stringValue))
        return Schema.object(Fields.allCases.map { field in
            let name = field.stringValue
            return (name, isClosed && !required.contains(name) ? Schema.orNull(schema(field)) : schema(field))
        }, required: requiredFields.map(\.stringValue), closed: isClosed)
    }
}

extension JSONBody {
    public static var isClosed: Bool { true }
}
