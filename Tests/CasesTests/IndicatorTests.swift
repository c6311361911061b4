import Cases
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
            // Due: all four (deadlines passed); on time: A only (B and C went overdue, D parked).
            #expect(t.due == 4 && t.onTime == 1 && t.onTimeRate == 1.0 / 3.0)
            // Handled: A and B; reworked: B.
            #expect(t.handled == 2 && t.reworked == 1 && t.reworkRate == 0.5)
            #expect(t.callbacks == 2 && t.satisfied == 1 && t.satisfactionRate == 0.5)
            #expect(t.overdue == 2)
            #expect(t.averageHandlingHours == 1.0 + 50.0 / 60.0 + 10.0 / 60.0)   // A: dispatched at 10:00, closed 2 h later
            // Registered within 5 minutes: A, B, D (at once) but not C (10 minutes); dispatched within 3: all four (routed at once).
            #expect(t.registeredInTime == 3 && t.registeredInTimeRate == 0.75 && t.dispatched == 4 && t.dispatchedInTimeRate == 1)

            let byOrganisation = try await desk.indicators(by: .organisation, from: day, to: day.addingTimeInterval(86_400), by: Self.auditor)
            #expect(byOrganisation.map(\.key) == ["411602-CMB"] && byOrganisation[0].registered == 4)
            // A city that keeps parked cases in the denominators.
            let kept = try await desk.indicators(by: .total, from: day, to: day.addingTimeInterval(86_400),
                                                 rules: IndicatorRules(parkedLeaveDenominators: false), by: Self.auditor)
            #expect(kept[0].closureRate == 0.25 && kept[0].onTimeRate == 0.25)
            // The day before holds nothing; a handler may not read indicators.
            #expect(try await desk.indicators(by: .total, from: day.addingTimeInterval(-86_400), to: day, by: Self.auditor).isEmpty)
            await #expect(throws: IdentityError.missingRole([.commandOperator, .dispatcher, .auditor])) {
                try await desk.indicators(by: .total, from: day, to: day.addingTimeInterval(86_400), by: CaseFixture.handler)
            }
        }
    }
}
