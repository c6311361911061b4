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

/// A page of a listing or search: the items, how many there are, and the page asked for. Its
/// schema is named for its items (`PersonPage`, `LegalEntityPage`, …).
struct PageDTO<Item: Encodable & Sendable & APIShape>: ResponseEncodable, APIShape {
    let items: [Item]
    let total: Int
    let limit: Int
    let offset: Int
    enum CodingKeys: String, CodingKey, CaseIterable { case items, total, limit, offset }
    static var schemaName: String { Item.schemaName + "Page" }
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .items: Schema.array(Schema.ref(Item.self))
        case .total: ["type": "integer", "description": "how many there are (a search by name counts up to 10,000)"]
        case .limit, .offset: Schema.integer
        }
    }

    init<Value>(_ page: Page<Value>, _ transform: (Value) -> Item) {
        items = page.items.map(transform); total = page.total; limit = page.limit; offset = page.offset
    }
}
