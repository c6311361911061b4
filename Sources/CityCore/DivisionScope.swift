/// The divisions a principal may see: the whole city, or one county (or any subtree of the
/// division tree), named by the division at its root.
public struct DivisionScope: Hashable, Sendable, CustomStringConvertible {
    /// The division at the top of the scope; everything within it is in scope.
    public let root: DivisionCode

    public init(_ root: DivisionCode) { self.root = root }

    /// Whether `division` lies within the scope.
    public func contains(_ division: DivisionCode) -> Bool { root.contains(division) }

    /// A SQL `LIKE` pattern matching the division codes within the scope.
    public var likePattern: String { root.significantPrefix + "%" }

    /// The root's level: a city-wide scope is `.city` (or wider).
    public var level: DivisionCode.Level { root.level }

    public var description: String { root.rawValue }

    /// The whole reference city.
    public static let city = DivisionScope(.zhoukou)
}
