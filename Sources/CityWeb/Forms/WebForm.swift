import CityHTTP
import Foundation
import Hummingbird

/// A form a page posted, URL-encoded or multipart, with its files.
struct WebForm {
    var fields: [String: String]
    var files: [MultipartForm.File]

    subscript(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Reads the body (at most `limit` bytes) as the form its `Content-Type` says.
    static func read(_ request: Request, context: AppRequestContext, limit: Int) async throws -> WebForm {
        let type = request.headers[.contentType] ?? ""
        let buffer = try await request.collectBounded(upTo: limit, context: context)
        if type.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = MultipartForm.boundary(in: type) else { throw MultipartForm.Failure.noBoundary }
            let form = try MultipartForm(parsing: Array(buffer.readableBytesView), boundary: boundary)
            return WebForm(fields: form.fields, files: form.files)
        }
        return WebForm(fields: urlEncoded(String(buffer: buffer)), files: [])
    }

    /// `application/x-www-form-urlencoded` pairs (`+` is a space); a repeated name keeps its last value.
    static func urlEncoded(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
