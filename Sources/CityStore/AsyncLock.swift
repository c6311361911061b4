import Foundation

/// A FIFO mutual-exclusion lock for async code. An actor alone does not serialise work that
/// awaits inside (actors are re-entrant); this holds the lock across those awaits.
public final class AsyncLock: @unchecked Sendable {
    private let mutex = NSLock()
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    /// Runs `body` while holding the lock.
    public func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if tryAcquire() { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            enqueueOrResume(continuation)
        }
    }

    private func tryAcquire() -> Bool {
        mutex.withLock {
            if locked { return false }
            locked = true
            return true
        }
    }

    private func enqueueOrResume(_ continuation: CheckedContinuation<Void, Never>) {
        let acquired: Bool = mutex.withLock {
            if locked {
                waiters.append(continuation)
                return false
            }
            locked = true
            return true
        }
        if acquired { continuation.resume() }
    }

    private func release() {
        // Ownership passes straight to the next waiter: `locked` stays true.
        let next: CheckedContinuation<Void, Never>? = mutex.withLock {
            if waiters.isEmpty {
                locked = false
                return nil
            }
            return waiters.removeFirst()
        }
        next?.resume()
    }
}
