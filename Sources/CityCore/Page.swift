/// One page of a listing, with the total so clients can page on.
public struct Page<Item: Sendable & Codable>: Sendable, Codable {
    /// The items on this page.
    public var items: [Item]
    /// How many items match in all.
    public var total: Int
    /// Items per page requested.
    public var limit: Int
    /// Items skipped before this page.
    public var offset: Int

    public init(items: [Item], total: Int, limit: Int, offset: Int) {
        self.items = items
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}

/// Paging parameters with the bounds every listing enforces.
public struct PageRequest: Sendable, Equatable {
    public let limit: Int
    public let offset: Int
    /// The largest page any listing returns.
    public static let maxLimit = 500

    /// Clamps to 1...maxLimit and offset ≥ 0.
    public init(limit: Int?, offset: Int?) {
        self.limit = min(max(limit ?? 50, 1), Self.maxLimit)
        self.offset = max(offset ?? 0, 0)
    }
}
