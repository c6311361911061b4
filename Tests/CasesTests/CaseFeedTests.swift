@testable import Cases
import CityCore
import CityStore
import Foundation
import Identity
import TestSupport
import Testing

@Suite("Cases: the wall display's live feed from the change log, on every engine")
struct CaseFeedTests {
    /// The next signal of `stream`, skipping heartbeats, within `seconds`.
    static func next(_ iterator: inout AsyncStream<FeedItem>.Iterator, within seconds: Double = 10) async -> FeedItem? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let item = await iterator.next() else { return nil }
            if item != .heartbeat { return item }
        }
        return nil
    }

    /// A store with the case fixture, a desk and a running feed whose follower has its position;
    /// the feed stops when `body` returns.
    static func withFeed(_ engine: TestEngine, _ body: @escaping @Sendable (Store, CaseDesk, CaseFeed) async throws -> Void) async throws {
        try await TestStores.with(engine, migrations: CaseFixture.migrations) { store in
            let desk = try await CaseFixture.desk(store, clock: ManualClock(CaseFixture.start))
            let feed = CaseFeed(store: store, heartbeat: .milliseconds(200), interval: .milliseconds(50))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await feed.run() }
                // Wait until the follower has its position.
                while feed.reached == nil { try await Task.sleep(for: .milliseconds(20)) }
                try await body(store, desk, feed)
                group.cancelAll()
            }
        }
    }

    @Test("a change reaches a subscriber live; one that comes back with its last cursor first gets what it missed; another county's staff gets nothing",
          arguments: TestEngine.all)
    func live(engine: TestEngine) async throws {
        try await Self.withFeed(engine) { store, desk, feed in
            let stream = try await feed.subscribe(after: nil, by: CaseFixture.operator_)
            let huaiyang = Principal(kind: .staff, id: "hy", displayName: "淮阳", organisationCode: "411603-CMB", scope: DivisionScope(DivisionCode("411603")!),
                                     roles: [.departmentHandler])
            let elsewhere = try await feed.subscribe(after: nil, by: huaiyang)
            var live = stream.makeAsyncIterator()
            let filed = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            guard case .signal(let first)? = await Self.next(&live) else {
                Issue.record("no signal for the new case")
                return
            }
            #expect(first.number == filed.item.number && first.operation == "created" && first.state == "dispatched" && first.categoryName == "暴露垃圾")
            #expect(first.location != nil && first.summary.hasPrefix("七一路"))
            _ = try await desk.act(filed.item.number, .accept, by: CaseFixture.handler, origin: AuditOrigin())
            guard case .signal(let second)? = await Self.next(&live) else {
                Issue.record("no signal for the accepted case")
                return
            }
            #expect(second.state == "handling" && second.cursor > first.cursor)
            // A display that saw only the first change comes back and gets the second from the log.
            var back = try await feed.subscribe(after: first.cursor, by: CaseFixture.operator_).makeAsyncIterator()
            guard case .signal(let missed)? = await Self.next(&back) else {
                Issue.record("no replay")
                return
            }
            #expect(missed.cursor == second.cursor && missed.state == "handling")
            // Huaiyang's staff saw none of Chuanhui's case.
            var other = elsewhere.makeAsyncIterator()
            #expect(await Self.next(&other, within: 0.5) == nil)
        }
    }

    @Test("with no display open the follower passes changes over unread; a display that comes back gets them from the log, a new one only what follows",
          arguments: TestEngine.all)
    func passedOver(engine: TestEngine) async throws {
        try await Self.withFeed(engine) { store, desk, feed in
            let before = try await ChangeLog(store: store).head()
            let unseen = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            let head = try await ChangeLog(store: store).head()
            // Nobody subscribed: the follower moves on to the head all the same.
            let deadline = Date().addingTimeInterval(10)
            while (feed.reached ?? 0) < head, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(feed.reached == head)
            var back = try await feed.subscribe(after: before, by: CaseFixture.operator_).makeAsyncIterator()
            guard case .signal(let missed)? = await Self.next(&back) else {
                Issue.record("no replay of the change made while no display was open")
                return
            }
            #expect(missed.number == unseen.item.number && missed.operation == "created")
            var fresh = try await feed.subscribe(after: nil, by: CaseFixture.operator_).makeAsyncIterator()
            let next = try await desk.file(CaseFixture.hotlineCall(), by: CaseFixture.operator_, origin: AuditOrigin())
            guard case .signal(let live)? = await Self.next(&fresh) else {
                Issue.record("no live signal for the next case")
                return
            }
            #expect(live.number == next.item.number)
        }
    }
}
