import Logging
import NIOPosix
import SQLiteNIO
import Synchronization

/// Copies a SQLite store's write-ahead log back into the database file from a connection and a
/// thread of its own, so that no commit waits for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold (1,000 pages):
/// that commit, and every caller whose work waits on it (a group commit's whole batch), stands
/// through the copy and its two fsyncs while the other core idles. A passive checkpoint from a
/// second connection runs beside the writer instead (WAL lets one writer append while a checkpoint
/// copies what is already committed), and the writer restarts the log from its start once every
/// frame is copied. The writer keeps a far higher threshold of its own as a backstop
/// (`backstopPages`), should this fall behind. Durability is unchanged: with `synchronous=NORMAL`
/// a commit is durable across a process crash once it is in the log, and the log is synced by
/// whichever connection checkpoints.
final class WALCheckpointer: Sendable {
    /// The writer's own automatic checkpoint threshold while this runs (SQLite's default is 1,000).
    static let backstopPages = 10_000

    private let connection: SQLiteConnection
    /// A thread for the checkpoint alone, beside the store's writer and readers (`Store.SQLiteThreads`):
    /// a checkpoint in its fsync holds no thread a statement needs.
    private let threadPool: NIOThreadPool
    private let logger: Logger
    /// A checkpoint and `close` take turns: nothing runs on a closed connection.
    private let turn = AsyncLock()
    private let closed = Mutex(false)

    private init(connection: SQLiteConnection, threadPool: NIOThreadPool, logger: Logger) {
        self.connection = connection
        self.threadPool = threadPool
        self.logger = logger
    }

    static func open(path: String, logger: Logger) async throws -> WALCheckpointer {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger,
                                                             on: MultiThreadedEventLoopGroup.singleton.any())
            do {
                // A passive checkpoint never waits for readers or the writer, so it needs no busy
                // handler; sqlite-nio's own retries at once, without sleeping.
                for pragma in ["PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=0"] {
                    _ = try await connection.query(pragma)
                }
            } catch {
                try? await connection.close()
                throw error
            }
            return WALCheckpointer(connection: connection, threadPool: pool, logger: logger)
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    /// One passive checkpoint: copies what is committed and not yet copied. Returns the log's
    /// frames and how many of them are now in the database file, or nil when another connection
    /// (another process's) was checkpointing.
    @discardableResult
    func checkpoint() async throws -> (logFrames: Int, copied: Int)? {
        let rows = try await turn.withLock { () async throws -> [SQLiteRow] in
            if closed.withLock({ $0 }) { return [] }
            return try await connection.query("PRAGMA wal_checkpoint(PASSIVE)")
        }
        guard let row = rows.first, let busy = row.column("busy")?.integer, busy == 0 else { return nil }
        return (Int(row.column("log")?.integer ?? 0), Int(row.column("checkpointed")?.integer ?? 0))
    }

    /// Checkpoints every `interval` until cancelled.
    func run(every interval: Duration) async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                guard try await checkpoint() != nil || !closed.withLock({ $0 }) else { return }
                failing = false
            } catch is CancellationError {
                return
            } catch {
                // The writer's backstop checkpoints meanwhile: said once when it starts failing, not every tick.
                if !failing { logger.warning("WAL checkpoint failed; the writer's own checkpoint stands in", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }

    /// Ends the checkpoints (one under way finishes first) and closes the connection and its thread.
    func close() async {
        let wasOpen = await turn.withLock { () async -> Bool in
            guard !closed.withLock({ $0 }) else { return false }
            closed.withLock { $0 = true }
            try? await connection.close()
            return true
        }
        if wasOpen { try? await threadPool.shutdownGracefully() }
    }
}
