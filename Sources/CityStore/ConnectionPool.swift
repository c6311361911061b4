import Foundation

/// A fixed set of connections leased one task at a time, FIFO: a transaction on a connection is
/// never interleaved with another task's queries.
final class ConnectionPool<Connection: Sendable>: @unchecked Sendable {
    private let mutex = NSLock()
    private var idle: [Connection]
    private var waiters: [CheckedContinuation<Connection, Never>] = []
    private let size: Int

    init(_ connections: [Connection]) {
        self.idle = connections
        self.size = connections.count
    }

    /// Runs `body` with a connection of its own, waiting for one when all are leased.
    func withConnection<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        let connection = await lease()
        defer { giveBack(connection) }
        return try await body(connection)
    }

    private func lease() async -> Connection {
        if let connection: Connection = mutex.withLock({ idle.popLast() }) { return connection }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Connection, Never>) in
            let ready: Connection? = mutex.withLock {
                if let connection = idle.popLast() { return connection }
                waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func giveBack(_ connection: Connection) {
        let waiter: CheckedContinuation<Connection, Never>? = mutex.withLock {
            if waiters.isEmpty {
                idle.append(connection)
                return nil
            }
            return waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    /// Every connection, once all are given back (to close them).
    func drain() async -> [Connection] {
        var all: [Connection] = []
        for _ in 0..<size { all.append(await lease()) }
        return all
    }
}
