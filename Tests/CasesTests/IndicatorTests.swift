@testable import Cases
import CityCore
import CityStore
import Foundation
import Identity
import TestSupport
import Testing

@Suite("Cases: indicators match hand-computed values, on every engine")
struct IndicatorTests {
    static let auditor = Principal(kind: .staff, id: "auditor", displayName: "陈静", organisationCode: "411600-BDB", scope: .city, roles: [.auditor])

    /// Five cases, each taken somewhere else in the loop (see the expectations for the arithmetic).
    @Test("closure, on-time, rework and satisfaction rates, handling time, overdue count and service levels", arguments: TestEngine.all)
    func handComputed(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            let origin = AuditOrigin()
            // A: a hotline call handled, verified after 2 h and called back satisfied.
            let a = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: origin).item.number
            // B: reworked once, then called back unsatisfied (reopened: handling again).
            let b = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: origin).item.number
            // C: an inspector's report registered 10 minutes later (late for the 5-minute level), left undone.
            let c = try await desk.file(NewCase(channel: .inspector, categoryCode: "20102", description: "垃圾", location: CaseFixture.inChuanhui),
                                        by: CaseFixture.inspector, origin: origin).item.number
            // D: parked with approval. E: rejected at registration (not a case of the loop).
            let d = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: origin).item.number
            let e = try await desk.file(NewCase(channel: .inspector, categoryCode: "20102", description: "重复上报", location: CaseFixture.inChuanhui),
                                        by: CaseFixture.inspector, origin: origin).item.number
            _ = try await desk.act(e, .reject, CaseActionInput(note: "重复"), by: CaseFixture.operator_, origin: origin)
            for n in [a, b, d] { _ = try await desk.act(n, .accept, by: CaseFixture.handler, origin: origin) }
            _ = try await desk.act(d, .requestPark, CaseActionInput(note: "待市政规划"), by: CaseFixture.handler, origin: origin)
            _ = try await desk.act(d, .approvePark, by: CaseFixture.operator_, origin: origin)
            clock.advance(by: 600)
            _ = try await desk.act(c, .register, by: CaseFixture.operator_, origin: origin)
            clock.advance(by: 3000)
            for n in [a, b] { _ = try await desk.act(n, .reportBack, CaseActionInput(note: "已处理"), by: CaseFixture.handler, origin: origin) }
            _ = try await desk.act(b, .verify, CaseActionInput(note: "未清理干净", passed: false), by: CaseFixture.inspector, origin: origin)
            clock.advance(by: 3600)
            _ = try await desk.act(a, .verify, CaseActionInput(passed: true), by: CaseFixture.inspector, origin: origin)  // 2 h after dispatch
            _ = try await desk.act(b, .reportBack, CaseActionInput(note: "再次清理"), by: CaseFixture.handler, origin: origin)
            _ = try await desk.act(b, .verify, CaseActionInput(passed: true), by: CaseFixture.inspector, origin: origin)
            _ = try await desk.act(a, .callback, CaseActionInput(solved: true, satisfied: true), by: CaseFixture.operator_, origin: origin)
            _ = try await desk.act(b, .callback, CaseActionInput(solved: true, satisfied: false), by: CaseFixture.operator_, origin: origin)
            // A month on: every deadline has passed; the scheduler marks what is still being handled (B, C) overdue.
            clock.advance(by: 30 * 86_400)
            let jobs = JobQueue(store: store, clock: clock)
            for job in try await jobs.claim(worker: "t", limit: 100) {
                try await desk.runDeadline(job)
                try await jobs.complete(job, worker: "t")
            }

            let day = CaseFixture.start.addingTimeInterval(-3600)
            let rows = try await desk.indicators(by: .total, from: day, to: day.addingTimeInterval(86_400), by: Self.auditor)
            #expect(rows.count == 1)
            let t = try #require(rows.first)
            // Cohort A, B, C, D (E rejected). Closed: A. Parked: D.
            #expect(t.registered == 4 && t.closed == 1 && t.parked == 1)
            #expect(t.closureRate == 1.0 / 3.0)                   // 1 / (4 − 1)
            // Due: A and B (handled), C (marked overdue); D's clock stood still when it was parked. On time: A only (B and C went overdue).
            #expect(t.due == 3 && t.dueParked == 0 && t.onTime == 1 && t.onTimeRate == 1.0 / 3.0)
            // Handled: A and B; reworked: B.
            #expect(t.handled == 2 && t.reworked == 1 && t.reworkRate == 0.5)
            #expect(t.callbacks == 2 && t.satisfied == 1 && t.satisfactionRate == 0.5)
            #expect(t.overdue == 2)
            #expect(t.averageHandlingHours == 1.0 + 50.0 / 60.0 + 10.0 / 60.0)   // A: dispatched at 10:00, closed 2 h later
            // Registered within 5 minutes: A, B, D (at once) but not C (10 minutes); dispatched within 3: all four (routed at once).
            #expect(t.registeredInTime == 3 && t.registeredInTimeRate == 0.75 && t.dispatched == 4 && t.dispatchedInTimeRate == 1)

            // The same day counted from the kept table (whole days in China) gives the same table.
            let midnight = try Date("2026-11-25T00:00:00+08:00", strategy: .iso8601)
            for grouping in IndicatorGrouping.allCases {
                let kept = try await desk.indicators(by: grouping, from: midnight, to: midnight.addingTimeInterval(86_400), division: nil, rules: IndicatorRules(),
                                                     by: Self.auditor, useRollup: true)
                let counted = try await desk.indicators(by: grouping, from: midnight, to: midnight.addingTimeInterval(86_400), division: nil, rules: IndicatorRules(),
                                                        by: Self.auditor, useRollup: false)
                #expect(kept == counted, "\(grouping)")
            }
            #expect(try await desk.indicators(by: .total, from: midnight, to: midnight.addingTimeInterval(86_400), division: nil, rules: IndicatorRules(),
                                              by: Self.auditor, useRollup: true) == rows)

            let byOrganisation = try await desk.indicators(by: .organisation, from: day, to: day.addingTimeInterval(86_400), by: Self.auditor)
            #expect(byOrganisation.map(\.key) == ["411602-CMB"] && byOrganisation[0].registered == 4)
            // A city that keeps parked cases in the denominators.
            let kept = try await desk.indicators(by: .total, from: day, to: day.addingTimeInterval(86_400),
                                                 rules: IndicatorRules(parkedLeaveDenominators: false), by: Self.auditor)
            #expect(kept[0].closureRate == 0.25 && kept[0].onTimeRate == 1.0 / 3.0)
            // The day before holds nothing; a handler may not read indicators.
            #expect(try await desk.indicators(by: .total, from: day.addingTimeInterval(-86_400), to: day, by: Self.auditor).isEmpty)
            await #expect(throws: IdentityError.missingRole([.commandOperator, .dispatcher, .auditor])) {
                try await desk.indicators(by: .total, from: day, to: day.addingTimeInterval(86_400), by: CaseFixture.handler)
            }
        }
    }

    @Test("the indicator table kept by triggers equals a count over the cases: generated cases, every grouping, whole periods and single days, after changes and a deletion",
          arguments: TestEngine.all)
    func keptEqualsCounted(engine: TestEngine) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let clock = ManualClock(CaseFixture.start)
            let desk = try await CaseFixture.desk(store, clock: clock)
            _ = try await desk.generate(count: 3_000, divisions: [("411602", "411602-CMB", 2), ("411603", "411603-CMB", 1)], days: 40, by: CaseFixture.admin)
            let origin = AuditOrigin()
            let a = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: origin).item.number
            _ = try await desk.act(a, .accept, by: CaseFixture.handler, origin: origin)
            clock.advance(by: 30 * 86_400)
            let jobs = JobQueue(store: store, clock: clock)
            for job in try await jobs.claim(worker: "t", limit: 100) { try await desk.runDeadline(job) }
            let end = try Date("2026-11-26T00:00:00+08:00", strategy: .iso8601)
            func compare(_ label: String) async throws {
                for grouping in IndicatorGrouping.allCases {
                    for (from, to) in [(end.addingTimeInterval(-45 * 86_400), end), (end.addingTimeInterval(-86_400), end),
                                       (end.addingTimeInterval(-10 * 86_400), end.addingTimeInterval(-9 * 86_400))] {
                        for division in [nil, DivisionCode("411603")] {
                            let kept = try await desk.indicators(by: grouping, from: from, to: to, division: division, rules: IndicatorRules(), by: IndicatorTests.auditor,
                                                                 useRollup: true)
                            let counted = try await desk.indicators(by: grouping, from: from, to: to, division: division, rules: IndicatorRules(), by: IndicatorTests.auditor,
                                                                    useRollup: false)
                            #expect(kept.count == counted.count, "\(label) \(grouping) \(from)")
                            for (k, c) in zip(kept, counted) {
                                // Seconds summed in a different order may differ in the last bits.
                                var k2 = k, c2 = c
                                k2.handlingSeconds = 0; c2.handlingSeconds = 0; k2.averageHandlingHours = nil; c2.averageHandlingHours = nil
                                #expect(k2 == c2, "\(label) \(grouping) \(from) \(division?.rawValue ?? "city")")
                                #expect(abs(k.handlingSeconds - c.handlingSeconds) < 1e-3 * max(1, c.handlingSeconds))
                            }
                        }
                    }
                }
            }
            try await compare("generated")
            let total = try await desk.indicators(by: .total, from: end.addingTimeInterval(-45 * 86_400), to: end, division: nil, rules: IndicatorRules(),
                                                  by: IndicatorTests.auditor, useRollup: true)
            #expect(total.first.map { $0.registered > 2_000 && $0.closed > 0 && $0.due > 0 && $0.handled > 0 } == true)
            // A row changed and one deleted by hand: the triggers follow.
            try await store.write { db in
                try await db.raw("UPDATE cases SET state = 'parked' WHERE number IN (SELECT number FROM cases WHERE state = 'handling' LIMIT 20)").run()
                try await db.raw("DELETE FROM cases WHERE number IN (SELECT number FROM cases WHERE state = 'closed' LIMIT 15)").run()
            }
            try await compare("edited")
        }
    }
}
