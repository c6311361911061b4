import CityCore
import Foundation
import Logging
import SQLKit

/// A job claimed from the queue, leased to one worker until `lockedUntil`.
public struct Job: Sendable, Equatable, Decodable {
    public let id: Int64
    public let queue: String
    public let kind: String
    public let payload: String
    /// How many times it has been claimed, this claim included.
    public let attempts: Int
    public let maxAttempts: Int

    public init(id: Int64, queue: String = "default", kind: String, payload: String, attempts: Int = 1, maxAttempts: Int = 5) {
        self.id = id
        self.queue = queue
        self.kind = kind
        self.payload = payload
        self.attempts = attempts
        self.maxAttempts = maxAttempts
    }
}

/// What to enqueue.
public struct NewJob: Sendable {
    public var queue: String
    public var kind: String
    public var payload: String
    /// When set, a second enqueue with the same key is ignored (idempotent producers).
    public var dedupeKey: String?
    public var runAt: Date?
    public var maxAttempts: Int

    public init(queue: String = "default", kind: String, payload: String = "{}", dedupeKey: String? = nil, runAt: Date? = nil, maxAttempts: Int = 5) {
        self.queue = queue
        self.kind = kind
        self.payload = payload
        self.dedupeKey = dedupeKey
        self.runAt = runAt
        self.maxAttempts = maxAttempts
    }
}

/// The durable job queue (deadlines, webhook delivery, …). Safe with several server processes on
/// one PostgreSQL: claims use `FOR UPDATE SKIP LOCKED`, and a crashed worker's lease expires so
/// another picks the job up. Delivery is at least once: handlers must be idempotent.
public struct JobQueue: Sendable {
    let store: Store
    let clock: any WallClock

    public init(store: Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Adds a job; returns its id, or nil when a job with the same dedupe key exists already.
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> Int64? {
        let now = clock.now()
        return try await store.write { db in
            try await Self.enqueue(job, now: now, on: db)
        }
    }

    /// Adds a job inside a caller's transaction, so the job exists exactly when the change that
    /// caused it commits.
    @discardableResult
    public static func enqueue(_ job: NewJob, now: Date, on db: any SQLDatabase) async throws -> Int64? {
        struct Inserted: Decodable { let id: Int64 }
        let row = try await db.raw("""
            INSERT INTO jobs (queue, kind, payload, dedupe_key, state, run_at, attempts, max_attempts, created_at)
            VALUES (\(bind: job.queue), \(bind: job.kind), \(bind: job.payload), \(bind: job.dedupeKey), 'queued',
                    \(bind: job.runAt ?? now), 0, \(bind: job.maxAttempts), \(bind: now))
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """).first(decoding: Inserted.self)
        return row?.id
    }

    /// Enqueues several jobs with one statement in the caller's transaction; a job whose dedupe key
    /// is already queued is left out, as `enqueue` leaves it.
    public static func enqueue(_ jobs: [NewJob], now: Date, on db: any SQLDatabase) async throws {
        try await enqueue(dated: jobs.map { ($0, now) }, on: db)
    }

    /// Enqueues jobs, each made at its own time, with one statement in the caller's transaction.
    static func enqueue(dated jobs: [(NewJob, Date)], on db: any SQLDatabase) async throws {
        guard !jobs.isEmpty else { return }
        try await db.raw(enqueueQuery(dated: jobs)).run()
    }

    /// The insert of `enqueue(dated:on:)`.
    static func enqueueQuery(dated jobs: [(NewJob, Date)]) -> SQLQueryString {
        var query: SQLQueryString = "INSERT INTO jobs (queue, kind, payload, dedupe_key, state, run_at, attempts, max_attempts, created_at) VALUES "
        for (i, (job, now)) in jobs.enumerated() {
            if i > 0 { query += ", " }
            query += "(\(bind: job.queue), \(bind: job.kind), \(bind: job.payload), \(bind: job.dedupeKey), 'queued', \(bind: job.runAt ?? now), 0, \(bind: job.maxAttempts), \(bind: now))"
        }
        query += " ON CONFLICT (dedupe_key) DO NOTHING"
        return query
    }

    /// Claims up to `limit` due jobs of a queue for `worker`, leased for `lease` seconds. Jobs whose
    /// lease ran out (their worker died) are claimable again. A running job was due when it was
    /// claimed, so `run_at <= now` holds for it too: the condition reads as one range of the
    /// `jobs_ready` index per state, however many jobs wait for a later time (every case
    /// dispatched queues two deadline checks, most of them days ahead).
    public func claim(queue: String = "default", worker: String, limit: Int = 10, lease: TimeInterval = 60) async throws -> [Job] {
        let now = clock.now()
        let until = now.addingTimeInterval(lease)
        let skipLocked = store.dialect.skipLocked
        return try await store.write { db in
            let rows = try await db.raw("""
                UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = \(bind: worker), locked_until = \(bind: until)
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE queue = \(bind: queue) AND state IN ('queued', 'running') AND run_at <= \(bind: now)
                      AND (state = 'queued' OR locked_until < \(bind: now))
                    ORDER BY run_at, id
                    LIMIT \(bind: limit)\(skipLocked)
                )
                RETURNING id, queue, kind, payload, attempts, max_attempts
                """).all(decoding: Job.self, keyDecodingStrategy: .convertFromSnakeCase)
            return rows.sorted { $0.id < $1.id }
        }
    }

    /// Extends the worker's lease on a running job to `lease` seconds from now. Returns false when
    /// the worker no longer holds it (it ran out and another worker claimed the job).
    @discardableResult
    public func renew(_ job: Job, worker: String, lease: TimeInterval = 60) async throws -> Bool {
        let until = clock.now().addingTimeInterval(lease)
        return try await store.write { db in
            let rows = try await db.raw("""
                UPDATE jobs SET locked_until = \(bind: until)
                WHERE id = \(bind: job.id) AND locked_by = \(bind: worker) AND state = 'running'
                RETURNING id
                """).all()
            return !rows.isEmpty
        }
    }

    /// Marks a job done. Returns false when the worker no longer holds the lease.
    @discardableResult
    public func complete(_ job: Job, worker: String) async throws -> Bool {
        let now = clock.now()
        return try await store.write { db in
            let rows = try await db.raw("""
                UPDATE jobs SET state = 'done', finished_at = \(bind: now), locked_by = NULL, locked_until = NULL, last_error = NULL
                WHERE id = \(bind: job.id) AND locked_by = \(bind: worker) AND state = 'running'
                RETURNING id
                """).all()
            return !rows.isEmpty
        }
    }

    /// Records a failure: the job is retried after an exponential back-off, or marked failed
    /// once it has used its attempts.
    public func fail(_ job: Job, worker: String, error: String) async throws {
        let now = clock.now()
        let backoff = min(pow(2.0, Double(job.attempts)) * 5, 3600)
        let finalFailure = job.attempts >= job.maxAttempts
        try await store.write { db in
            if finalFailure {
                try await db.raw("""
                    UPDATE jobs SET state = 'failed', finished_at = \(bind: now), locked_by = NULL, locked_until = NULL, last_error = \(bind: error)
                    WHERE id = \(bind: job.id) AND locked_by = \(bind: worker)
                    """).run()
            } else {
                try await db.raw("""
                    UPDATE jobs SET state = 'queued', run_at = \(bind: now.addingTimeInterval(backoff)), locked_by = NULL, locked_until = NULL, last_error = \(bind: error)
                    WHERE id = \(bind: job.id) AND locked_by = \(bind: worker)
                    """).run()
            }
        }
    }

    /// Counts of jobs by state, for /metrics and the admin.
    public func counts(queue: String = "default") async throws -> [String: Int] {
        try await store.read { db in
            struct Row: Decodable { let state: String; let n: Int }
            let rows = try await db.raw("SELECT state, COUNT(*) AS n FROM jobs WHERE queue = \(bind: queue) GROUP BY state").all(decoding: Row.self)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0.state, $0.n) })
        }
    }
}
