import CityCore
import Foundation
import HTTPTypes
import Hummingbird

/// One structured log line per request: method, path, status, duration, request id; and the
/// request id echoed in `X-Request-Id`.
struct RequestLogMiddleware<Context: CityContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let status = response.status.code
        context.logger.log(level: status >= 500 ? .error : .info, "request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(status),
            "ms": .string(String((ms * 100).rounded() / 100)),
        ])
        return response
    }
}
