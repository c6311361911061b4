import CityCore
import Foundation
import HTTPTypes
import Hummingbird

/// Refuses control characters (NUL and friends, also percent-encoded) in the path and the query
/// before anything reads them: they would be cut by SQLite, refused by PostgreSQL, and could make
/// a static file name end differently from what its extension claims (`home.js%00.html`).
struct InputBoundaryMiddleware<Context: CityContext>: RouterMiddleware {
    /// The most characters a stated purpose (`X-Purpose`) may hold.
    static var purposeLimit: Int { 200 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Text.hasForbiddenControl(path) || (path.utf8.contains(UInt8(ascii: "%")) && Text.hasForbiddenControl(path.removingPercentEncoding ?? path)) {
            throw RequestProblem.controlCharacter("path")
        }
        for (name, value) in request.uri.queryParameters where Text.hasForbiddenControl(name) || Text.hasForbiddenControl(value) {
            throw RequestProblem.controlCharacter(Text.storable(String(name), maxCharacters: 80))
        }
        // A stated purpose goes into the audit log with every read it covers: bounded, as documented.
        if let purpose = request.headers[.cityPurpose], purpose.count > Self.purposeLimit {
            throw RequestProblem.badHeader("X-Purpose", zh: "X-Purpose 不能超过 \(Self.purposeLimit) 个字符", en: "X-Purpose may hold at most \(Self.purposeLimit) characters")
        }
        return try await next(request, context)
    }
}
