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

extension Date {
    /// `2026-11-25T18:00:00.123Z`: this instant to the millisecond, in UTC. Built from whole
    /// milliseconds, so no floating-point digit rounds the other way: what is hashed and what is
    /// stored or sent as text are the same millisecond on both engines.
    public var millisecondISO8601: String {
        let millis = Int64((timeIntervalSince1970 * 1000).rounded())
        // Floor division, so instants before 1970 keep a positive millisecond part.
        let (q, r) = millis.quotientAndRemainder(dividingBy: 1000)
        var seconds = time_t(r < 0 ? q - 1 : q)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(r < 0 ? r + 1000 : r))
    }
}
