import Foundation

/// Folds repeated anonymous refusals (bad tokens, throttled logins) from one address into one
/// audit entry a minute, so nobody can fill the audit log and the disk without signing in. The
/// first refusal of each minute is written, carrying how many were folded since the last one.
/// What it holds is a per-process write budget: no other process needs it.
final class RefusalFolder: @unchecked Sendable {
    private let mutex = NSLock()
    private var windows: [String: (start: Date, folded: Int)] = [:]
    let window: TimeInterval
    /// Distinct keys remembered; past this the memory starts afresh (and the next refusals are written).
    static let capacity = 10_000

    init(window: TimeInterval = 60) {
        self.window = window
    }

    /// nil when this refusal is folded; otherwise the number folded before it, to note in its entry.
    func admit(_ key: String, now: Date) -> Int? {
        mutex.withLock {
            if let current = windows[key], now.timeIntervalSince(current.start) < window {
                windows[key] = (current.start, current.folded + 1)
                return nil
            }
            if windows.count >= Self.capacity { windows.removeAll(keepingCapacity: true) }
            let folded = windows[key]?.folded ?? 0
            windows[key] = (now, 0)
            return folded
        }
    }
}
