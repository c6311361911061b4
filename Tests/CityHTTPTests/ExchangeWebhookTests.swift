import CityApp
import CityCore
import CityHTTP
import CityStore
import Crypto
import Exchange
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport
import Testing

/// A receiver that records what it is sent and fails while told to.
actor Inbox {
    struct Post: Sendable { let id: String; let timestamp: String; let signature: String; let body: String }
    private(set) var posts: [Post] = []
    private(set) var accepted: [Post] = []
    var failing = 0
    var alwaysFail = false

    func receive(_ post: Post) -> Bool {
        posts.append(post)
        if alwaysFail { return false }
        if failing > 0 { failing -= 1; return false }
        accepted.append(post)
        return true
    }

    func setFailing(_ n: Int, always: Bool = false) { failing = n; alwaysFail = always }

    /// Waits until `done` holds (at most 15 s).
    func wait(_ done: @Sendable (Inbox) async -> Bool) async throws {
        for _ in 0..<300 {
            if await done(self) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the receiver did not get what was expected in time")
    }
}

/// A receiver on 127.0.0.1 and a random port.
struct Receiver {
    static func run(_ inbox: Inbox, delay: Duration = .zero, _ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("/hook") { request, context -> Response in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let post = Inbox.Post(id: request.headers[HTTPField.Name("webhook-id")!] ?? "", timestamp: request.headers[HTTPField.Name("webhook-timestamp")!] ?? "",
                                  signature: request.headers[HTTPField.Name("webhook-signature")!] ?? "", body: text)
            if delay > .zero { try await Task.sleep(for: delay) }
            return Response(status: await inbox.receive(post) ? .noContent : .internalServerError)
        }
        let (ports, port) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) })
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let bound = try #require(await iterator.next())
        try await body(bound)
    }
}

@Suite("Exchange webhooks and the pull feed, on every engine")
struct ExchangeWebhookTests {
    typealias API = ExchangeAPITests

    /// Checks a post the Standard Webhooks way: HMAC-SHA256 keyed by the secret's bytes over id.timestamp.body.
    static func verify(_ post: Inbox.Post, secret: String) -> Bool {
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst(6)))!)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(post.id).\(post.timestamp).\(post.body)".utf8), using: key)
        return post.signature.split(separator: " ").contains { $0 == "v1," + Data(mac).base64EncodedString() }
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test("a subscriber gets signed events in order, retried after failures, dead-lettered after the last try, replayed on demand; the pull feed gives the same events",
          arguments: TestEngine.all)
    func deliveries(engine: TestEngine) async throws {
        try await Harness.run(engine, allowPrivateReceivers: true) { client, opened in
            let inbox = Inbox()
            try await Receiver.run(inbox) { port in
                let admin = try await client.token("admin", Harness.adminPassword)
                _ = try await API.send(client, .post, "/api/v1/staff", token: admin, body: """
                    {"username":"health.steward","displayName":"钱芳","organisationCode":"411600-HEALTH","roles":["dataSteward"],"password":"\(Harness.demoPassword)"}
                    """)
                let provider = try await client.token("health.steward")
                let consumer = try await client.token("steward")
                _ = try await API.send(client, .post, "/api/v1/exchange/resources", token: provider, body: """
                    {"shortCode":"clinics","name":"医疗机构","summary":"","keyField":"licenceNo","divisionField":"divisionCode","sharing":"unconditional",
                     "fields":[{"name":"licenceNo","title":"许可证号","type":"string","sensitivity":"public","required":true},
                               {"name":"divisionCode","title":"区划","type":"divisionCode","sensitivity":"public","required":true},
                               {"name":"doctorPhone","title":"负责人电话","type":"phone","sensitivity":"personal"},
                               {"name":"note","title":"备注","type":"string","sensitivity":"secret"}]}
                    """)
                let upload = { (csv: String) in
                    let r = try await API.send(client, .post, "/api/v1/exchange/resources/clinics/rows", token: provider, body: csv, type: "text/csv")
                    #expect(r.status == .ok, "\(r.text)")
                }
                try await upload("licenceNo,divisionCode,doctorPhone,note\nA-1,411602,13800001234,x\n")
                let granted = try await API.send(client, .post, "/api/v1/exchange/requests", token: consumer, body: #"{"resource":"clinics","purpose":"核对辖区医疗机构","days":30}"#)
                #expect(granted.json["state"] as? String == "granted")
                try await API.send(client, .post, "/api/v1/exchange/subscriptions", token: consumer, body: #"{"resource":"clinics","url":"ftp://example.org/x"}"#)
                    .expectProblem(.unprocessableContent, code: "exchange.receiver-refused", field: "url")
                let created = try await API.send(client, .post, "/api/v1/exchange/subscriptions", token: consumer,
                                                 body: #"{"resource":"clinics","url":"http://127.0.0.1:\#(port)/hook"}"#)
                #expect(created.status == .created, "\(created.text)")
                let secret = try #require(created.json["secret"] as? String)
                let id = try #require(created.json["id"] as? String)
                #expect(secret.hasPrefix("whsec_"))

                let deliverer = WebhookDeliverer(book: opened.platform.subscriptions, logger: Harness.logger, interval: .milliseconds(100), maxAttempts: 3, firstBackoff: 0.1)
                let running = Task { try await deliverer.run() }
                defer { running.cancel() }

                // Two failures, then success: the first event arrives on the third try; the second after it.
                await inbox.setFailing(2)
                try await upload("licenceNo,divisionCode,doctorPhone,note\nA-1,411602,13900005678,x\nA-2,411602,,y\n")
                try await inbox.wait { await $0.accepted.count >= 2 }
                let accepted = await inbox.accepted
                let posts = await inbox.posts
                #expect(posts.count == 4 && posts[0].id == posts[2].id)
                #expect(accepted.allSatisfy { Self.verify($0, secret: secret) })
                #expect(!Self.verify(Inbox.Post(id: accepted[0].id, timestamp: accepted[0].timestamp, signature: accepted[0].signature, body: accepted[0].body + " "), secret: secret))
                let first = Self.json(accepted[0].body), second = Self.json(accepted[1].body)
                let firstData = first["data"] as? [String: Any] ?? [:], secondData = second["data"] as? [String: Any] ?? [:]
                #expect(first["type"] as? String == "record.updated" && firstData["key"] as? String == "A-1" && firstData["changedFields"] as? [String] == ["doctorPhone"])
                #expect((firstData["record"] as? [String: Any])?["doctorPhone"] as? String == "139****5678")
                #expect((firstData["record"] as? [String: Any])?["note"] == nil)
                #expect(second["type"] as? String == "record.created" && secondData["key"] as? String == "A-2")
                #expect((firstData["cursor"] as? Int ?? 0) < (secondData["cursor"] as? Int ?? 0))
                // The message log holds what the receiver took: the subscription, the cursors and the hash of the bodies sent.
                var bodies = SHA256()
                for post in accepted { bodies.update(data: Data(post.body.utf8)) }
                let digest = bodies.finalize().map { String(format: "%02x", $0) }.joined()
                // (Written with the cursor, just after the receiver answered: waited for.)
                var logged: [AuditRecord] = []
                for _ in 0..<100 {
                    logged = try await opened.platform.audit.entries(recordType: "subscription", recordID: id, limit: 10).filter { $0.action == "exchange.webhook.deliver" }
                    if !logged.isEmpty { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(logged.contains { $0.detail?.contains("2 events, sha256 \(digest)") == true }, "\(logged.compactMap(\.detail))")

                // A receiver that keeps failing: the event goes to the dead-letter list and the cursor moves on.
                await inbox.setFailing(0, always: true)
                try await upload("licenceNo,divisionCode,doctorPhone,note\nA-3,411602,,z\n")
                for _ in 0..<100 {
                    if (try await client.get("/api/v1/exchange/subscriptions/\(id)/dead-letters", token: consumer).json["items"] as? [Any])?.count == 1 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let dead = try await client.get("/api/v1/exchange/subscriptions/\(id)/dead-letters", token: consumer).json["items"] as? [[String: Any]] ?? []
                #expect(dead.count == 1 && dead.first?["attempts"] as? Int == 3 && (dead.first?["body"] as? String)?.contains("A-3") == true)

                // Replay from the start: every event again, with the same webhook ids.
                await inbox.setFailing(0)
                let replayed = try await API.send(client, .post, "/api/v1/exchange/subscriptions/\(id)/replay", token: consumer, body: #"{"after":0}"#)
                #expect(replayed.status == .ok, "\(replayed.text)")
                try await inbox.wait { await $0.accepted.count >= 6 }
                let again = await inbox.accepted
                // Accepted so far: the update of A-1 and A-2's creation, then the replay: A-1's creation, its update, A-2, A-3 (dead-lettered before).
                #expect(again.count == 6 && Array(again[3...4].map(\.id)) == accepted.map(\.id) && Self.json(again[5].body).description.contains("A-3"))
                var state: [String: Any] = [:]
                for _ in 0..<100 {
                    state = try await client.get("/api/v1/exchange/subscriptions/\(id)", token: consumer).json
                    if (state["delivered"] as? Int ?? 0) >= 6 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                // Two before the replay, four with it (the dead letter is not counted as delivered).
                #expect(state["delivered"] as? Int == 6, "\(state)")

                // The pull feed gives the same events after the same cursors.
                let feed = try await client.get("/api/v1/exchange/resources/clinics/changes?cursor=0", token: consumer)
                #expect(feed.status == .ok, "\(feed.text)")
                let events = feed.json["events"] as? [[String: Any]] ?? []
                #expect(events.count == 4 && (events.last?["data"] as? [String: Any])?["key"] as? String == "A-3")
                #expect((feed.json["next"] as? Int ?? 0) >= ((events.last?["data"] as? [String: Any])?["cursor"] as? Int ?? .max))
                #expect(try await opened.platform.audit.verify().isIntact)
            }
        }
    }

    @Test("receivers on loopback, private and reserved addresses are refused unless configuration allows them", arguments: [TestEngine.sqlite])
    func privateReceiversRefused(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let consumer = try await client.token("steward")
            _ = try await API.send(client, .post, "/api/v1/exchange/requests", token: consumer, body: #"{"resource":"entities","purpose":"核对法人信息","days":30}"#)
            for url in ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "http://169.254.169.254/latest", "http://localhost/hook",
                        "https://user:pw@example.org/"] {
                try await API.send(client, .post, "/api/v1/exchange/subscriptions", token: consumer, body: #"{"resource":"entities","url":"\#(url)"}"#)
                    .expectProblem(.unprocessableContent, code: "exchange.receiver-refused", field: "url")
            }
        }
    }

    @Test("a receiver that takes seconds to answer delays only its own subscription", arguments: [TestEngine.sqlite])
    func slowReceiverDelaysOnlyItself(engine: TestEngine) async throws {
        try await Harness.run(engine, allowPrivateReceivers: true) { client, opened in
            let fast = Inbox()
            let slow = Inbox()
            try await Receiver.run(fast) { fastPort in
                try await Receiver.run(slow, delay: .seconds(3)) { slowPort in
                    let consumer = try await client.token("steward")
                    // The bureau's own steward: granted at once on its own registry.
                    _ = try await API.send(client, .post, "/api/v1/exchange/requests", token: consumer, body: #"{"resource":"persons","purpose":"核对居民信息","days":30}"#)
                    for port in [slowPort, fastPort] {
                        let created = try await API.send(client, .post, "/api/v1/exchange/subscriptions", token: consumer,
                                                         body: #"{"resource":"persons","url":"http://127.0.0.1:\#(port)/hook"}"#)
                        #expect(created.status == .created, "\(created.text)")
                    }
                    let deliverer = WebhookDeliverer(book: opened.platform.subscriptions, logger: Harness.logger, interval: .milliseconds(100))
                    let running = Task { try await deliverer.run() }
                    defer { running.cancel() }
                    try await PersonAPITests.load(opened)
                    let started = ContinuousClock.now
                    try await fast.wait { await $0.accepted.count >= 2 }
                    let took = ContinuousClock.now - started
                    #expect(took < .milliseconds(2_500), "the fast receiver waited \(took)")
                    #expect(await slow.accepted.count < 2)
                }
            }
        }
    }
}
