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
        var seconds = time_t(millis.dividedRoundingDown(by: 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let ms = Int(millis - millis.dividedRoundingDown(by: 1000) * 1000)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(ms, 3))Z"
    }
}

extension Int64 {
    /// Division that rounds towards minus infinity (for instants before 1970 too).
    func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
