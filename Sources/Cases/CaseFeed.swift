import CityCore
import CityStore
import Foundation
import Identity
import Logging
import ServiceLifecycle
import SQLKit
import Synchronization

/// A case as the wall display shows it when it changes: where, what, how far along. Nothing
/// personal (no reporter), so any staff member whose scope holds the case may see it.
public struct CaseSignal: Sendable, Equatable {
    /// The change-log cursor of the change that sent it.
    public var cursor: Int64
    public var at: Date
    public var number: String
    public var divisionCode: String
    /// `created`, `updated` or `deleted`.
    public var operation: String
    public var state: String
    public var channel: String
    public var categoryCode: String
    public var categoryName: String?
    /// The description's first words.
    public var summary: String
    public var address: String?
    public var location: GeoPoint?
    public var organisationCode: String?
    public var deadlineAt: Date?
    public var overdue: Bool
}

/// What a subscriber receives: a case that changed, a beat that keeps the connection open, or
/// word that it fell too far behind and should read the whole picture again.
public enum FeedItem: Sendable, Equatable {
    case signal(CaseSignal)
    case heartbeat
    case reset
}

/// This process's live feed of case changes for wall displays: one follower of the platform change
/// log per process (NOTIFY wakes it on PostgreSQL, whichever process made the change), which reads
/// the changed cases once and fans them out to every subscriber whose scope holds them. A
/// subscriber that comes back with the last cursor it saw first gets what it missed from the log.
/// It holds only subscribers of this process: any process serves any display.
public final class CaseFeed: Service, Sendable {
    let store: Store
    let logger: Logger
    let heartbeat: Duration
    /// How often the follower polls the log besides NOTIFY (SQLite has only the poll).
    let interval: Duration
    /// How many missed changes a returning subscriber is given before it is told to start afresh.
    public static let catchUpLimit = 500

    private final class Subscriber: Sendable {
        let id: Int
        let caller: Principal
        let continuation: AsyncStream<FeedItem>.Continuation
        /// Until its catch-up is delivered, live signals wait here (and the newest cursor it was sent).
        let state = Mutex<(ready: Bool, waiting: [CaseSignal], sent: Int64)>((false, [], 0))
        init(id: Int, caller: Principal, continuation: AsyncStream<FeedItem>.Continuation) {
            self.id = id
            self.caller = caller
            self.continuation = continuation
        }
    }

    /// The subscribers, and the cursor the follower has reached (where a new subscriber's live
    /// signals start): one lock, so a subscriber either is among those a batch is given to or
    /// finds the batch's cursor reached and reads it from the log.
    private let subscribers = Mutex<(next: Int, all: [Int: Subscriber], position: Int64?)>((0, [:], nil))

    public init(store: Store, heartbeat: Duration = .seconds(15), interval: Duration = .milliseconds(250), logger: Logger = Logger(label: "cityhub.cases.feed")) {
        self.store = store
        self.heartbeat = heartbeat
        self.interval = interval
        self.logger = logger
    }

    /// The cursor the follower has reached (nil until it has started).
    var reached: Int64? { subscribers.withLock { $0.position } }

    /// Subscribers connected to this process now.
    public var count: Int { subscribers.withLock { $0.all.count } }

    /// Follows the change log until cancelled, and beats the heart of every subscriber; then ends
    /// every subscriber's stream (a shutting-down server closes its displays' connections, which
    /// reconnect to another process).
    public func run() async throws {
        defer {
            for subscriber in subscribers.withLock({ Array($0.all.values) }) { subscriber.continuation.finish() }
        }
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    while !Task.isCancelled {
                        do {
                            let head = try await ChangeLog(store: store).head()
                            subscribers.withLock { $0.position = head }
                            // With no subscriber, the changes are passed over unread: the position moves
                            // to the head under the subscribers' lock, so a subscriber that comes
                            // in after reads them from the log as its catch-up.
                            let passOver: @Sendable (Int64) -> Bool = { [self] head in
                                subscribers.withLock { state in
                                    guard state.all.isEmpty else { return false }
                                    state.position = head
                                    return true
                                }
                            }
                            try await ChangeLog(store: store).follow(after: head, recordTypes: ["case"], interval: interval, passOver: passOver) { [self] changes in
                                await broadcast(changes)
                            }
                        } catch is CancellationError {
                            return
                        } catch {
                            logger.warning("case feed: following the change log failed; again in a second", metadata: ["error": "\(error)"])
                            try? await Task.sleep(for: .seconds(1))
                        }
                    }
                }
                group.addTask { [self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: heartbeat)
                        for subscriber in subscribers.withLock({ Array($0.all.values) }) { subscriber.continuation.yield(.heartbeat) }
                    }
                }
                // Both run until cancelled (at shutdown), and then return: a shutdown is not an error.
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// The feed for `caller` (staff): what changed after `cursor` first (at most `catchUpLimit`,
    /// otherwise `.reset`), then every change as it commits. Ends when the caller stops iterating.
    public func subscribe(after cursor: Int64?, by caller: Principal) async throws -> AsyncStream<FeedItem> {
        _ = try caller.staffScope()
        let (stream, continuation) = AsyncStream<FeedItem>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        let (subscriber, reached) = subscribers.withLock { state in
            state.next += 1
            let s = Subscriber(id: state.next, caller: caller, continuation: continuation)
            state.all[s.id] = s
            return (s, state.position)
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.all.removeValue(forKey: subscriber.id) }
        }
        var sent = cursor ?? 0
        if let cursor, let reached, reached > cursor {
            // What it missed, up to where live signals begin.
            let missed = try await ChangeLog(store: store).changes(after: cursor, through: reached, limit: Self.catchUpLimit + 1, recordTypes: ["case"])
            if missed.count > Self.catchUpLimit {
                continuation.yield(.reset)
            } else {
                for signal in try await signals(for: missed) where Self.sees(caller, signal) { continuation.yield(.signal(signal)) }
            }
            sent = reached
        }
        let waiting: [CaseSignal] = subscriber.state.withLock { state in
            state.ready = true
            state.sent = sent
            defer { state.waiting = [] }
            return state.waiting
        }
        for signal in waiting where signal.cursor > sent { continuation.yield(.signal(signal)) }
        return stream
    }

    static func sees(_ caller: Principal, _ signal: CaseSignal) -> Bool {
        DivisionCode(signal.divisionCode).map(caller.canSee) ?? false
    }

    private func broadcast(_ changes: [Change]) async {
        guard let last = changes.last else { return }
        let nobody: Bool = subscribers.withLock { state in
            if state.all.isEmpty { state.position = last.cursor }
            return state.all.isEmpty
        }
        if nobody { return }
        var signals: [CaseSignal] = []
        var failed = false
        do {
            signals = try await self.signals(for: changes)
        } catch {
            failed = true
            logger.warning("case feed: could not read changed cases; subscribers are told to start afresh", metadata: ["error": "\(error)"])
        }
        let current = subscribers.withLock { state in
            state.position = last.cursor
            return Array(state.all.values)
        }
        for subscriber in current {
            if failed {
                subscriber.continuation.yield(.reset)
                continue
            }
            let visible = signals.filter { Self.sees(subscriber.caller, $0) }
            let direct: Bool = subscriber.state.withLock { state in
                if state.ready { return true }
                state.waiting += visible
                return false
            }
            if direct { for signal in visible { subscriber.continuation.yield(.signal(signal)) } }
        }
    }

    /// The changed cases as signals, read in one query (a deleted case: what the change says).
    func signals(for changes: [Change]) async throws -> [CaseSignal] {
        let cases = changes.filter { $0.recordType == "case" }
        guard !cases.isEmpty else { return [] }
        let keys = Array(Set(cases.map(\.recordKey)))
        var condition: SQLQueryString = "(division_code, number) IN ("
        for (i, key) in keys.enumerated() {
            condition += i == 0 ? "" : ", "
            condition += "(\(bind: CaseNumber.division(of: key) ?? ""), \(bind: key))"
        }
        condition += ")"
        let built = condition
        let rows = try await store.read { db in try await CaseDesk.signalRows(db, built, limit: keys.count) }
        let byNumber = Dictionary(rows.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        return cases.map { change in
            guard var signal = byNumber[change.recordKey] else {
                return CaseSignal(cursor: change.cursor, at: change.at, number: change.recordKey, divisionCode: change.divisionCode ?? "", operation: "deleted",
                                  state: "deleted", channel: "", categoryCode: "", categoryName: nil, summary: "", address: nil, location: nil,
                                  organisationCode: nil, deadlineAt: nil, overdue: false)
            }
            signal.cursor = change.cursor
            signal.at = change.at
            signal.operation = change.operation.rawValue
            return signal
        }
    }
}
