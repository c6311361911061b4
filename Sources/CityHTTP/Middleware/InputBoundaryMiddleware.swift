import CityCore
import Foundation
import HTTPTypes
import Hummingbird

/// Refuses control characters (NUL and friends, also percent-encoded) in the path and the query
/// before anything reads them: they would be cut by SQLite, refused by PostgreSQL, and could make
/// a static file name end differently from what its extension claims (`home.js%00.html`).
struct InputBoundaryMiddleware<Context: CityContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Text.hasForbiddenControl(path) || (path.utf8.contains(UInt8(ascii: "%")) && Text.hasForbiddenControl(path.removingPercentEncoding ?? path)) {
            throw RequestProblem.controlCharacter("path")
        }
        for (name, value) in request.uri.queryParameters where Text.hasForbiddenControl(name) || Text.hasForbiddenControl(value) {
            throw RequestProblem.controlCharacter(Text.storable(String(name), maxCharacters: 80))
        }
        return try await next(request, context)
    }
}
