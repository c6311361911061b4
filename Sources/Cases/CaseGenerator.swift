import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

extension CaseDesk {
    /// The demo's cases: `count` generated over the last 30 days, only into a store without cases.
    public func seedDemo(count: Int, divisions: [(code: String, organisation: String, weight: Double)], by caller: Principal) async throws -> Int {
        struct N: Decodable { let n: Int }
        let existing = try await store.read { db in try await db.raw("SELECT COUNT(*) AS n FROM cases").first(decoding: N.self)?.n ?? 0 }
        guard existing == 0 else { return 0 }
        return try await generate(count: count, divisions: divisions, days: 30, seed: 411_600, by: caller)
    }

    /// Writes `count` synthetic cases straight into the store, to try queues and indicators at the
    /// city's scale (a million cases a year): spread over `divisions` by `weights`, over the active
    /// categories and channels, reported over the `days` before now, each at the stage its age
    /// makes likely (old ones mostly closed, some parked, rejected or merged; recent ones at every
    /// step), with the times, deadlines, overdue marks, reworks and callbacks that go with it.
    /// Marked as generated (`reporter_account` `generator`, the description says so). Numbers
    /// continue each division's daily sequence, so intake after it does not collide. No timeline,
    /// audit or change-log rows: these cases did not happen. Platform administrators only.
    public func generate(count: Int, divisions: [(code: String, organisation: String, weight: Double)], days: Int = 365, seed: UInt64 = 2026,
                         by caller: Principal, progress: @Sendable (Int) -> Void = { _ in }) async throws -> Int {
        try caller.require(anyOf: .platformAdmin)
        guard count > 0, !divisions.isEmpty else { return 0 }
        var random = SplitMix64(seed: seed)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        let categories = try await CaseCatalogue(store: store).categories().map(\.code)
        guard !categories.isEmpty else { throw CasesError.unknownCategory("(none seeded)") }
        struct Counter: Decodable { let divisionCode: String; let day: String; let last: Int }
        var counters: [String: Int] = [:]
        for c in try await store.read({ db in try await db.raw("SELECT division_code, day, last FROM case_counters").all(decoding: Counter.self, keyDecodingStrategy: .convertFromSnakeCase) }) {
            counters[c.divisionCode + c.day] = c.last
        }
        let total = divisions.map(\.weight).reduce(0, +)
        let now = clock.now()
        let channels: [(CaseChannel, Double)] = [(.hotline, 0.55), (.inspector, 0.3), (.citizen, 0.1), (.system, 0.05)]
        var written = 0
        var batch: [[BulkValue]] = []
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let rows = batch
            batch.removeAll(keepingCapacity: true)
            try await store.bulkWrite { db, copier in try await copier.copy(into: "cases", columns: CaseRow.columns, rows: rows) }
            written += rows.count
            progress(written)
        }
        for i in 0..<count {
            var w = uniform() * total
            let division = divisions.first { w -= $0.weight; return w <= 0 } ?? divisions[divisions.count - 1]
            var c = uniform()
            let channel = channels.first { c -= $0.1; return c <= 0 }?.0 ?? .hotline
            let reported = now.addingTimeInterval(-uniform() * Double(days) * 86_400)
            let age = now.timeIntervalSince(reported)
            let day = String(WorkCalendar.dayKey(reported).replacingOccurrences(of: "-", with: "").dropFirst(2))
            let seq = (counters[division.code + day] ?? 0) + 1
            counters[division.code + day] = seq
            let number = division.code + day + String(repeating: "0", count: max(0, 5 - String(seq).count)) + String(seq)
            let category = pick(categories)
            var row = CaseRow(divisionCode: division.code, number: number, channel: channel.rawValue,
                              kind: channel == .hotline ? pick(HotlineKind.allCases).rawValue : nil, categoryCode: category,
                              urgency: uniform() < 0.05 ? CaseUrgency.urgent.rawValue : CaseUrgency.normal.rawValue, state: CaseState.reported.rawValue,
                              description: "【生成】第 \(i + 1) 件演示案件", lon: nil, lat: nil, address: nil, gridCode: nil, reporterAccount: "generator",
                              reportedAt: reported, escalations: 0, reworks: 0, returns: 0, extended: false, updatedAt: reported)
            if division.code == "411602" {
                row.lon = 114.60 + uniform() * 0.1
                row.lat = 33.57 + uniform() * 0.09
            }
            // How far the case got: the older, the further.
            let progressed = min(1, age / (5 * 86_400))
            let r = uniform()
            if r < 0.03 {
                row.state = CaseState.rejected.rawValue
                row.closedAt = reported.addingTimeInterval(600)
            } else if r < 0.05 {
                row.state = CaseState.merged.rawValue
            } else {
                let registered = reported.addingTimeInterval(channel == .hotline ? 0 : 60 + uniform() * 900)
                let dispatched = registered.addingTimeInterval(uniform() * 300)
                let deadline = dispatched.addingTimeInterval((8 + uniform() * 64) * 3600)
                row.registeredAt = registered
                row.dispatchedAt = dispatched
                row.organisationCode = division.organisation
                row.deadlineAt = deadline
                row.state = CaseState.dispatched.rawValue
                let step = uniform()
                if step < 0.97 * progressed || age > 3 * 86_400 {
                    let accepted = dispatched.addingTimeInterval(600 + uniform() * 3000)
                    row.acceptedAt = accepted
                    row.state = CaseState.handling.rawValue
                    if uniform() < 0.04 {
                        row.state = CaseState.parked.rawValue
                    } else if uniform() < 0.97 * progressed {
                        // Most departments report back within the limit; about one in ten runs over.
                        let back = accepted.addingTimeInterval(uniform() * 1.1 * max(3600, deadline.timeIntervalSince(accepted)))
                        if back < now {
                            row.reportedBackAt = back
                            row.state = CaseState.reportedBack.rawValue
                            if uniform() < 0.06 { row.reworks = 1 }
                            let closed = back.addingTimeInterval(1800 + uniform() * 4 * 3600)
                            if closed < now, uniform() < 0.98 {
                                row.closedAt = closed
                                row.state = CaseState.closed.rawValue
                                if uniform() < 0.7, closed.addingTimeInterval(86_400) < now {
                                    row.callbackAt = closed.addingTimeInterval(86_400)
                                    row.solved = uniform() < 0.95
                                    row.satisfied = uniform() < 0.9
                                }
                            }
                        }
                    }
                }
                // Overdue: handled after the deadline, or still open past it.
                let handledAt = row.reportedBackAt ?? (CaseState(rawValue: row.state)!.isOpen ? now : nil)
                if let handledAt, handledAt > deadline {
                    row.overdueAt = deadline
                    row.warnedAt = dispatched.addingTimeInterval(deadline.timeIntervalSince(dispatched) * 0.8)
                    row.escalations = 1
                }
            }
            row.updatedAt = row.closedAt ?? row.reportedBackAt ?? row.acceptedAt ?? row.dispatchedAt ?? reported
            batch.append(row.bulk)
            if batch.count >= 5_000 { try await flush() }
        }
        try await flush()
        // The daily sequences go on from here.
        let reached = counters
        try await store.write { db in
            for (key, last) in reached {
                try await db.raw("""
                    INSERT INTO case_counters (division_code, day, last) VALUES (\(bind: String(key.prefix(6))), \(bind: String(key.dropFirst(6))), \(bind: last))
                    ON CONFLICT (division_code, day) DO UPDATE SET last = CASE WHEN excluded.last > case_counters.last THEN excluded.last ELSE case_counters.last END
                    """).run()
            }
        }
        // A bulk load: the planner learns what is there before the first queue or indicator query.
        try await store.analyze(["cases", IndicatorRollup.table])
        return written
    }
}

extension CaseRow {
    /// The row's values for a bulk load, in `columns` order.
    var bulk: [BulkValue] {
        func text(_ s: String?) -> BulkValue { s.map { .text($0) } ?? .null }
        func date(_ d: Date?) -> BulkValue { d.map { .date($0) } ?? .null }
        func double(_ x: Double?) -> BulkValue { x.map { .double($0) } ?? .null }
        func bool(_ b: Bool?) -> BulkValue { b.map { .bool($0) } ?? .null }
        func int(_ n: Int?) -> BulkValue { n.map { .int(Int64($0)) } ?? .null }
        return [.text(divisionCode), .text(number), .text(channel), text(kind), .text(categoryCode), .text(urgency), .text(state), .text(description),
                double(lon), double(lat), text(address), text(gridCode), text(reporterName), text(reporterPhone), text(reporterIdNumber), text(reporterAccount),
                text(organisationCode), .date(reportedAt), date(registeredAt), date(dispatchedAt), date(acceptedAt), date(reportedBackAt), date(closedAt),
                date(deadlineAt), date(warnedAt), date(overdueAt), .int(Int64(escalations)), .int(Int64(reworks)), .int(Int64(returns)), .bool(extended),
                text(pendingRequest), int(pendingAmount), text(pendingUnit), text(pendingReason), text(mergedInto), text(handedOffTo), date(callbackAt),
                bool(solved), bool(satisfied), .date(updatedAt), bool(reporterRegistered)]
    }
}
