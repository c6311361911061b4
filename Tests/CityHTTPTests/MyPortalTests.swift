import CityApp
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Identity
import NIOCore
import TestSupport
import Testing

@Suite("The citizen portal (/my) on every engine")
struct MyPortalTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: "http://localhost"]

    /// Signs a phone in through the portal's forms; the code the log would show is replaced by a known one.
    static func signIn(_ client: any TestClientProtocol, _ opened: OpenedPlatform, phone: String) async throws -> String {
        let sent = try await client.execute(uri: "/my/code", method: .post, headers: form, body: ByteBuffer(string: "phone=\(phone)"))
        #expect(sent.status == .ok && sent.text.contains(#"id="code-sent""#))
        try await opened.platform.store.write { db in
            try await db.raw("UPDATE phone_codes SET code_hash = \(bind: PhoneCodes.digest(phone, "123456")) WHERE phone = \(bind: phone)").run()
        }
        let wrong = try await client.execute(uri: "/my/login", method: .post, headers: form, body: ByteBuffer(string: "phone=\(phone)&code=654321"))
        #expect(wrong.status == .unauthorized && wrong.text.contains("验证码错误或已过期"))
        let right = try await client.execute(uri: "/my/login", method: .post, headers: form, body: ByteBuffer(string: "phone=\(phone)&code=123456"))
        #expect(right.status == .seeOther && right.headers[.location] == "/my")
        return try #require(WebTests.cookie(from: right))
    }

    @Test("a phone signs in with a code, reports with a photo and a point, follows the case, rates it once when closed; nobody else sees it",
          arguments: TestEngine.all)
    func portal(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            #expect(try await client.get("/my").text.contains(#"id="code-form""#))
            // A form from another site sends no code.
            let foreign = try await client.execute(uri: "/my/code", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"],
                                                   body: ByteBuffer(string: "phone=13912340000"))
            #expect(foreign.status == .forbidden)
            let cookie = try await Self.signIn(client, opened, phone: "13912340000")
            let home = try await client.get("/my", headers: [.cookie: cookie])
            #expect(home.text.contains("市民0000") && home.text.contains(#"id="new-report""#))
            let page = try await client.get("/my/report", headers: [.cookie: cookie])
            let csrf = try #require(DeskTests.token(in: page.text))
            let noPlace = try await DeskTests.post(client, "/my/report", cookie: cookie, fields: [("csrf", csrf), ("categoryCode", "10101"), ("description", "井盖破损")])
            #expect(noPlace.status == .badRequest && noPlace.text.contains("请用定位或在地图上点选"))
            let filed = try await DeskTests.post(client, "/my/report", cookie: cookie,
                                                 fields: [("csrf", csrf), ("categoryCode", "10101"), ("description", "人行道井盖破损"), ("lon", "114.65"), ("lat", "33.62")],
                                                 photos: [DeskTests.png])
            #expect(filed.status == .seeOther, "\(filed.text)")
            let number = String(try #require(filed.headers[.location]?.split(separator: "/").last?.split(separator: "?").first))
            let mine = try await client.get("/my/cases/\(number)", headers: [.cookie: cookie])
            #expect(mine.status == .ok && mine.text.contains(#"data-state="reported""#) && mine.text.contains("/photos/") && !mine.text.contains(#"id="rate-form""#))

            // Another citizen does not see it; staff pages are not theirs.
            let other = try await Self.signIn(client, opened, phone: "13912340001")
            #expect(try await client.get("/my/cases/\(number)", headers: [.cookie: other]).status == .notFound)
            #expect(try await client.get("/desk", headers: [.cookie: other]).headers[.location] == "/login")

            // The city closes it.
            for (user, action, body) in [("operator", "register", "{}"), ("handler", "accept", "{}"), ("handler", "reportBack", #"{"note":"已更换井盖"}"#),
                                         ("inspector", "verify", #"{"passed":true}"#)] {
                let done = try await client.post("/api/v1/cases/\(number)/\(action)", json: body, headers: [.authorization: "Bearer \(try await client.token(user))"])
                #expect(done.status == .ok, "\(action): \(done.text)")
            }
            let closed = try await client.get("/my/cases/\(number)", headers: [.cookie: cookie])
            #expect(closed.text.contains(#"data-state="closed""#) && closed.text.contains(#"id="rate-form""#) && closed.text.contains("已更换井盖"))
            #expect(!closed.text.contains("staff:handler"))
            let token = try #require(DeskTests.token(in: closed.text))
            let rated = try await DeskTests.post(client, "/my/cases/\(number)/rate", cookie: cookie, fields: [("csrf", token), ("solved", "yes"), ("satisfied", "yes")])
            #expect(rated.status == .seeOther)
            let after = try await client.get("/my/cases/\(number)?done=rate", headers: [.cookie: cookie])
            #expect(after.text.contains(#"id="case-rating""#) && !after.text.contains(#"id="rate-form""#))
            let again = try await DeskTests.post(client, "/my/cases/\(number)/rate", cookie: cookie, fields: [("csrf", token), ("solved", "no"), ("satisfied", "no")])
            #expect(again.status == .conflict)
            let theirs = try await DeskTests.post(client, "/my/cases/\(number)/rate", cookie: other,
                                                  fields: [("csrf", try #require(DeskTests.token(in: try await client.get("/my/report", headers: [.cookie: other]).text))),
                                                           ("solved", "yes"), ("satisfied", "yes")])
            #expect(theirs.status == .notFound)
            let timeline = try await client.get("/api/v1/cases/\(number)", headers: [.authorization: "Bearer \(try await client.token("operator"))"]).json["timeline"] as? [[String: Any]] ?? []
            #expect(timeline.last?["action"] as? String == "callback" && (timeline.last?["actor"] as? String ?? "").hasPrefix("citizen:"))
        }
    }
}
