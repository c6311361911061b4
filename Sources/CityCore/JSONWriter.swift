import Foundation

/// JSON written field by field, for the hottest responses (a person read is audited and answered
/// thousands of times a second). Foundation's encoder builds a tree of boxed values first and
/// cost as much as the database read; a type that writes itself here keeps its `Codable`
/// conformance for the document and the tests, and a test holds the two outputs equal.
public struct JSONWriter: Sendable {
    public private(set) var text = ""
    /// Whether the innermost open object or array holds a member yet.
    private var filled: [Bool] = []

    public init(capacity: Int = 1_024) {
        text.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if let last = filled.last {
            if last { text += "," }
            filled[filled.count - 1] = true
        }
    }

    /// Writes `"key":` inside an object.
    public mutating func key(_ key: String) {
        separate()
        Text.appendJSONQuoted(key, to: &text)
        text += ":"
    }

    /// An object or array: the value of the key just written, a member of an array, or the whole text.
    public mutating func beginObject() { separateValue(); text += "{"; filled.append(false) }
    public mutating func endObject() { filled.removeLast(); text += "}" }
    public mutating func beginArray() { separateValue(); text += "["; filled.append(false) }
    public mutating func endArray() { filled.removeLast(); text += "]" }

    /// A value after `key`, or a member of an array.
    public mutating func string(_ value: String?) {
        separateValue()
        if let value { Text.appendJSONQuoted(value, to: &text) } else { text += "null" }
    }

    public mutating func integer(_ value: Int) {
        separateValue()
        text += String(value)
    }

    /// A finite number, shortest form (a non-finite one is written as null).
    public mutating func number(_ value: Double) {
        separateValue()
        text += value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)) : "null"
    }

    public mutating func bool(_ value: Bool) {
        separateValue()
        text += value ? "true" : "false"
    }

    /// A date as the API writes dates everywhere (ISO 8601 to the second, UTC).
    public mutating func date(_ value: Date?) {
        separateValue()
        text += value.map { "\"" + $0.secondISO8601 + "\"" } ?? "null"
    }

    /// A value right after its key needs no comma; a member of an array does.
    private var afterKey: Bool { text.utf8.last == UInt8(ascii: ":") }
    private mutating func separateValue() {
        if !afterKey { separate() }
    }

    /// A member; an absent (nil) value leaves the member out, as synthesised `Codable` does.
    public mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }

    public mutating func field(_ name: String, _ value: Int) { key(name); integer(value) }

    public mutating func field(_ name: String, _ value: Date?) {
        guard let value else { return }
        key(name)
        date(value)
    }

    public mutating func field(_ name: String, strings: [String]) {
        key(name)
        beginArray()
        for s in strings { string(s) }
        endArray()
    }
}

extension JSONWriter {
    /// Any JSON value, as `JSONValue` writes it.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .string(let s): string(s)
        case .number(let n): number(n)
        case .bool(let b): bool(b)
        case .null: string(nil)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let pairs):
            beginObject()
            for (k, v) in pairs { key(k); self.value(v) }
            endObject()
        }
    }
}
