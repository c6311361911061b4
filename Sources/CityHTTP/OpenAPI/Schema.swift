import CityCore
import Identity

/// Building blocks for JSON Schema (2020-12, as OpenAPI 3.1 uses it).
public enum Schema {
    public static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    public static func ref<Shape: APIShape>(_ shape: Shape.Type) -> JSONValue { ref(shape.schemaName) }

    public static func string(_ description: String? = nil, format: String? = nil, pattern: String? = nil, min: Int? = nil, max: Int? = nil,
                              nullable: Bool = false) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", nullable ? ["string", "null"] : "string")]
        if let format { pairs.append(("format", .string(format))) }
        if let pattern { pairs.append(("pattern", .string(pattern))) }
        if let min { pairs.append(("minLength", .number(Double(min)))) }
        if let max { pairs.append(("maxLength", .number(Double(max)))) }
        if let description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }
    public static let nullableString: JSONValue = ["type": ["string", "null"]]

    /// `schema`, or null: the type gains "null" (and an enumeration the null value); a reference
    /// becomes one of it and null.
    public static func orNull(_ schema: JSONValue) -> JSONValue {
        guard case .object(var pairs) = schema else { return schema }
        guard let typeIndex = pairs.firstIndex(where: { $0.0 == "type" }) else { return ["anyOf": [schema, ["type": "null"]]] }
        switch pairs[typeIndex].1 {
        case .string(let type): pairs[typeIndex].1 = [.string(type), "null"]
        case .array(let types) where !types.contains(.string("null")): pairs[typeIndex].1 = .array(types + ["null"])
        default: break
        }
        if let enumIndex = pairs.firstIndex(where: { $0.0 == "enum" }), case .array(let values) = pairs[enumIndex].1, !values.contains(.null) {
            pairs[enumIndex].1 = .array(values + [.null])
        }
        return .object(pairs)
    }
    public static let integer: JSONValue = ["type": "integer"]
    public static let boolean: JSONValue = ["type": "boolean"]
    public static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    public static func enumeration(_ values: [String], description: String? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "string"), ("enum", .array(values.map { .string($0) }))]
        if let description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }
    public static func object(_ properties: [(String, JSONValue)], required: [String], closed: Bool = true) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "object"), ("properties", .object(properties)),
                                            ("required", .array(required.map { .string($0) }))]
        if closed { pairs.append(("additionalProperties", false)) }
        return .object(pairs)
    }

    /// Every staff role, from `Role.allCases`.
    public static let role = enumeration(Role.allCases.map(\.rawValue))
    public static let point: JSONValue = object([("lon", ["type": "number"]), ("lat", ["type": "number"])], required: ["lon", "lat"])
    public static let divisionCode = string("GB/T 2260 division code", pattern: "^(0[1-9]|[1-9][0-9])[0-9]{4}([0-9]{3}([0-9]{3})?)?$")
    /// 10+ characters with at least one letter and one digit, at most 72 bytes.
    public static let password = string("10 characters to 72 bytes, with letters and digits", pattern: "^(?=.*[A-Za-z])(?=.*[0-9])[ -~]{10,72}$")
    public static let pageLimit: JSONValue = ["type": "integer", "minimum": 0, "maximum": 1_000_000, "description": "clamped to 1...500"]
    public static let pageOffset: JSONValue = ["type": "integer", "minimum": 0, "maximum": 1_000_000_000]
}
