import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

extension CaseDesk {
    /// Runs one deadline check (a `cases.deadline` job): at 80% of the time the case is marked
    /// warned, at the deadline overdue and escalated (督办) by the scheduler. A check for a deadline
    /// the case no longer has (extended, handled, returned) does nothing, and a mark already made
    /// is not made again: the queue delivers at least once, on any server process.
    public func runDeadline(_ job: Job) async throws {
        let check = try JSONDecoder().decode(DeadlineCheck.self, from: Data(job.payload.utf8))
        let now = clock.now()
        let dialect = store.dialect
        let scheduler = "system:deadlines"
        try await store.write(deferring: { db, deferred in
            guard var row = try await CaseRow.load(check.number, forUpdate: true, dialect: dialect, on: db),
                  row.deadlineAt?.millisecondISO8601 == check.deadline,
                  row.caseState == .dispatched || row.caseState == .handling else { return }
            let event: Event
            switch check.stage {
            case "warn":
                guard row.warnedAt == nil else { return }
                row.warnedAt = now
                event = Event(action: "warn", from: row.caseState, to: row.caseState, actor: scheduler, organisation: row.organisationCode,
                              note: "处置时限已过 80%，截止 \(check.deadline)")
            case "overdue":
                guard row.overdueAt == nil else { return }
                row.overdueAt = now
                row.escalations += 1
                event = Event(action: "overdue", from: row.caseState, to: row.caseState, actor: scheduler, organisation: row.organisationCode,
                              note: "已超期，自动督办")
            default:
                return
            }
            row.updatedAt = now
            try await row.update(on: db)
            let system = Principal(kind: .commandLine, id: "deadlines", displayName: "deadline scheduler", organisationCode: nil, scope: .city, roles: [.platformAdmin])
            try await finish(row, events: [event], operation: .updated, action: "cases.\(event.action)", by: system,
                             origin: AuditOrigin(source: "scheduler"), at: now, on: db, deferred)
        })
    }
}
