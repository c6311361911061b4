import Foundation
import Logging
import ServiceLifecycle

/// Runs queued jobs in the background: claims a batch, runs each through the handler for its kind,
/// completes or fails it. While a handler runs, the runner renews the job's lease (every third of
/// it), so a job that takes longer than the lease (a registry report of minutes) is not claimed
/// again by another process; a job of the batch whose lease ran out before its turn, and that
/// another worker claimed meanwhile, is skipped. On graceful shutdown it finishes the job in hand
/// and stops claiming.
public struct JobRunner: Service {
    /// A handler for one job kind. Throwing schedules a retry.
    public typealias Handler = @Sendable (Job) async throws -> Void

    let queue: JobQueue
    let name: String
    let worker: String
    let handlers: [String: Handler]
    let pollInterval: Duration
    /// Seconds a claim holds a job before another worker may take it over.
    let lease: TimeInterval
    let logger: Logger

    public init(queue: JobQueue, name: String = "default", handlers: [String: Handler], pollInterval: Duration = .seconds(1), lease: TimeInterval = 60,
                logger: Logger) {
        self.lease = lease
        self.queue = queue
        self.name = name
        self.worker = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        self.handlers = handlers
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let ran = (try? await runOnce()) ?? 0
            if ran == 0 {
                try? await gracefulShutdownAwareSleep(pollInterval)
            }
        }
    }

    /// Claims and runs one batch; returns how many jobs it ran.
    @discardableResult
    public func runOnce(limit: Int = 10) async throws -> Int {
        let jobs = try await queue.claim(queue: name, worker: worker, limit: limit, lease: lease)
        for job in jobs {
            guard let handler = handlers[job.kind] else {
                try await queue.fail(job, worker: worker, error: "no handler for kind \(job.kind)")
                continue
            }
            // The jobs before this one may have taken longer than its lease.
            guard try await queue.renew(job, worker: worker, lease: lease) else { continue }
            let (queue, worker, lease) = (queue, worker, lease)
            let logger = logger
            let keeper = Task {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: .seconds(lease / 3))
                        guard try await queue.renew(job, worker: worker, lease: lease) else { return }
                    } catch is CancellationError {
                        return
                    } catch {
                        // A failed renewal (the database busy for a moment) is tried again at the
                        // next third; the lease still has two thirds to run.
                        logger.warning("job lease renewal failed", metadata: ["job": "\(job.id)", "error": "\(error)"])
                    }
                }
            }
            defer { keeper.cancel() }
            do {
                try await handler(job)
                try await queue.complete(job, worker: worker)
            } catch {
                logger.warning("job failed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
                try await queue.fail(job, worker: worker, error: String(describing: error))
            }
        }
        return jobs.count
    }

    private func gracefulShutdownAwareSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: duration)
        }
    }
}
