import CityCore
import Foundation
import Hummingbird

/// A request body type whose `CodingKeys` are the fields it accepts: anything else is refused, so
/// a typo in a field name is an error the caller sees instead of a value silently ignored. The
/// same keys give the body's schema in the API document (`APIShape`): the list is written once.
public protocol JSONBody: APIShape, Decodable, Sendable {}

extension JSONBody {
    /// The JSON fields this body accepts.
    static var fields: Set<String> { Set(Fields.allCases.map(\.stringValue)) }
}

extension Request {
    /// Reads and decodes a JSON body strictly: `application/json` only, within the size limit, a
    /// JSON object, no unknown fields, every error naming the field at fault.
    public func decodeStrict<T: JSONBody, Context: CityContext>(as type: T.Type, context: Context) async throws -> T {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") || contentType.hasPrefix("application/problem+json") else {
            throw RequestProblem.unsupportedMediaType
        }
        let buffer = try await collectBounded(upTo: context.maxUploadSize, context: context)
        return try Self.decodeStrict(type, from: Data(buffer.readableBytesView))
    }

    /// Most bytes of a refused body read (and dropped): a client that sends without `Expect:
    /// 100-continue` (Python's urllib, and many others) writes the whole body before it reads the
    /// answer, so the server reads on to let it finish and see its 413.
    static var drainBudget: Int { 64 << 20 }

    /// Collects the body up to `limit` bytes; over it, reads and drops the rest (within
    /// `drainBudget`) and throws `request.too-large`. Past the budget the connection is closed
    /// shortly after the answer, rather than left open with a client blocked writing.
    public func collectBounded<Context: CityContext>(upTo limit: Int, context: Context) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        var seen = 0
        for try await chunk in body {
            seen += chunk.readableBytes
            if seen <= limit {
                var chunk = chunk
                collected.writeBuffer(&chunk)
            } else if seen > limit + Self.drainBudget {
                let channel = context.channel
                channel.eventLoop.scheduleTask(in: .milliseconds(200)) { channel.close(promise: nil) }
                throw RequestProblem.tooLarge(limit: limit)
            }
        }
        if seen > limit { throw RequestProblem.tooLarge(limit: limit) }
        return collected
    }

    static func decodeStrict<T: JSONBody>(_ type: T.Type, from data: Data) throws -> T {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw RequestProblem.malformedJSON(empty: data.isEmpty)
        }
        guard let dictionary = object as? [String: Any] else { throw RequestProblem.notAnObject }
        if let unknown = dictionary.keys.sorted().first(where: { !T.fields.contains($0) }) {
            throw RequestProblem.unknownField(Text.storable(unknown, maxCharacters: 80))
        }
        if let path = Self.controlCharacterPath(in: dictionary, at: "") {
            throw RequestProblem.controlCharacter(path)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Self.problem(error)
        }
    }

    /// The path of the first string (or key) holding a forbidden control character, if any.
    static func controlCharacterPath(in value: Any, at path: String) -> String? {
        switch value {
        case let text as String:
            return Text.hasForbiddenControl(text) ? (path.isEmpty ? "body" : path) : nil
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if Text.hasForbiddenControl(key) { return Text.storable(child, maxCharacters: 80) }
                if let found = controlCharacterPath(in: object[key]!, at: child) { return found }
            }
            return nil
        case let array as [Any]:
            for (i, element) in array.enumerated() {
                if let found = controlCharacterPath(in: element, at: "\(path)[\(i)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }

    static func problem(_ error: DecodingError) -> RequestProblem {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return RequestProblem.missingField(path(ctx.codingPath + [key]))
        case .valueNotFound(_, let ctx):
            return RequestProblem.missingField(path(ctx.codingPath))
        case .typeMismatch(let type, let ctx):
            return RequestProblem.wrongType(path(ctx.codingPath), expected: Self.typeName(type))
        case .dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? RequestProblem.malformedJSON(empty: false) : RequestProblem.invalidValue(path(ctx.codingPath))
        @unknown default:
            return RequestProblem.malformedJSON(empty: false)
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int64.Type, is Double.Type: "number"
        case is Bool.Type: "boolean"
        default: type is any Collection.Type ? "array" : "object"
        }
    }
}
