import CityCore
import Hummingbird

extension PageRequest {
    /// Paging from `limit` and `offset` in the query, within the bounds the API document states
    /// (a limit over 500 is then clamped).
    init(_ request: Request) throws {
        func int(_ name: String, max: Int) throws -> Int? {
            guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
            guard let value = Int(String(text)), (0...max).contains(value) else {
                throw RequestProblem.badQuery(name, zh: "\(name) 应为 0 到 \(max) 之间的整数", en: "\(name) must be an integer from 0 to \(max)")
            }
            return value
        }
        self.init(limit: try int("limit", max: 1_000_000), offset: try int("offset", max: 1_000_000_000))
    }
}
