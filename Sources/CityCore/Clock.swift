import Foundation

/// Where "now" comes from. Injected everywhere so deadlines and sessions are tested without sleeping.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The system's clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock tests move by hand.
public final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// Starts at `start`.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = start }

    public func now() -> Date { lock.withLock { current } }

    /// Moves the clock forward.
    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}
