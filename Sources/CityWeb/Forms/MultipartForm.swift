import CityCore
import Foundation

/// A `multipart/form-data` body (RFC 7578) as a page's form posts it: text fields and files.
/// Bounded: the body was collected within a limit before it gets here, and the parts, their
/// headers and the text fields are limited again.
struct MultipartForm: Equatable {
    struct File: Equatable {
        var field: String
        var filename: String
        var contentType: String?
        var data: Data
    }

    var fields: [String: String] = [:]
    var files: [File] = []

    static let maxParts = 40
    static let maxFieldBytes = 64 * 1024

    enum Failure: CityError, Equatable {
        case noBoundary, malformed, tooManyParts, fieldTooLarge(String)

        var code: String { "web.bad-form" }
        var kind: ErrorKind { .invalidInput }
        var field: String? { if case .fieldTooLarge(let name) = self { name } else { nil } }
        var messageZh: String {
            switch self {
            case .noBoundary, .malformed: "表单内容无法读取"
            case .tooManyParts: "表单的字段或文件过多"
            case .fieldTooLarge(let name): "表单字段 \(name) 过长"
            }
        }
        var messageEn: String {
            switch self {
            case .noBoundary, .malformed: "The form could not be read"
            case .tooManyParts: "The form has too many fields or files"
            case .fieldTooLarge(let name): "The form field \(name) is too long"
            }
        }
    }

    /// The boundary named in a `Content-Type: multipart/form-data; boundary=…` header.
    static func boundary(in contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    init(fields: [String: String] = [:], files: [File] = []) {
        self.fields = fields
        self.files = files
    }

    /// Parses `body` whose parts are separated by `boundary`. Files with an empty name and no
    /// bytes (a file input left empty) are dropped.
    init(parsing body: [UInt8], boundary: String) throws {
        let delimiter = Array(("--" + boundary).utf8)
        let separator = Array(("\r\n--" + boundary).utf8)
        guard var position = Self.find(delimiter, in: body, from: 0) else { throw Failure.malformed }
        position += delimiter.count
        var parts = 0
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if position + 2 <= body.count, body[position] == 0x2D, body[position + 1] == 0x2D { break }
            guard position + 2 <= body.count, body[position] == 0x0D, body[position + 1] == 0x0A else { throw Failure.malformed }
            position += 2
            parts += 1
            guard parts <= Self.maxParts else { throw Failure.tooManyParts }
            guard let headerEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: position), headerEnd - position <= 8 * 1024 else { throw Failure.malformed }
            let headerText = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let contentEnd = Self.find(separator, in: body, from: contentStart) else { throw Failure.malformed }
            var name: String?
            var filename: String?
            var contentType: String?
            for line in headerText.components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                if key == "content-disposition" {
                    name = Self.parameter("name", in: value)
                    filename = Self.parameter("filename", in: value)
                } else if key == "content-type" {
                    contentType = value
                }
            }
            guard let name else { throw Failure.malformed }
            let content = body[contentStart..<contentEnd]
            if let filename {
                if !(filename.isEmpty && content.isEmpty) {
                    files.append(File(field: name, filename: filename, contentType: contentType, data: Data(content)))
                }
            } else {
                guard content.count <= Self.maxFieldBytes else { throw Failure.fieldTooLarge(name) }
                fields[name] = String(decoding: content, as: UTF8.self)
            }
            position = contentEnd + separator.count
        }
    }

    /// A `name="value"` parameter of a header value (quoted, with `\"` escapes, or bare).
    static func parameter(_ wanted: String, in header: String) -> String? {
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " || $0 == "\t" }
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = rest[rest.index(after: equals)...]
            var text = ""
            if value.first == "\"" {
                value = value.dropFirst()
                var escaped = false
                var end = value.endIndex
                for index in value.indices {
                    let c = value[index]
                    if escaped { text.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { end = index; break } else { text.append(c) }
                }
                rest = end < value.endIndex ? value[value.index(after: end)...] : ""
            } else {
                let end = value.firstIndex(of: ";") ?? value.endIndex
                text = value[..<end].trimmingCharacters(in: .whitespaces)
                rest = value[end...]
            }
            if key == wanted { return text }
        }
        return nil
    }

    /// Where `needle` first occurs in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count, h[i + j] == n[j] { j += 1 }
                        if j == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
