import CityApp
import CityCore
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Identity
import Licences
import NIOCore
import Registry
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

    @Test("a citizen binds the account to their person (ID number, name and the code-verified phone the registry holds) and sees, shows and downloads their licences; nobody else does",
          arguments: TestEngine.all)
    func licences(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let platform = opened.platform
            let id = ResidentID("411602198506126153")!
            _ = try await platform.persons.load([PersonSourceRecord(idNumber: id, source: .publicSecurity, receivedAt: Date(),
                                                                    values: [.name: "王建国", .phone: "13912345678", .divisionCode: "411602"])],
                                                origin: "test", by: .commandLine(), audit: .commandLine)
            let cookie = try await Self.signIn(client, opened, phone: "13912345678")
            let home = try await client.get("/my", headers: [.cookie: cookie])
            #expect(home.text.contains(#"id="my-licences""#))
            let page = try await client.get("/my/licences", headers: [.cookie: cookie])
            #expect(page.status == .ok && page.text.contains(#"id="bind-form""#))
            let csrf = try #require(DeskTests.token(in: page.text))
            func bind(_ cookie: String, _ csrf: String, _ idNumber: String, _ name: String) async throws -> TestResponse {
                var headers = Self.form
                headers[.cookie] = cookie
                return try await client.execute(uri: "/my/licences/bind", method: .post, headers: headers,
                                         body: ByteBuffer(string: "csrf=\(csrf)&idNumber=\(idNumber)&name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"))
            }
            // Without the form token, with a wrong name: refused, the second without saying which part differs.
            #expect(try await bind(cookie, "x", id.rawValue, "王建国").status == .forbidden)
            let wrong = try await bind(cookie, csrf, id.rawValue, "王建")
            #expect(wrong.status == .unprocessableContent && wrong.text.contains("不能对应基础库中的同一人"))
            #expect(try await bind(cookie, csrf, "411602198506126154", "王建国").status == .badRequest)
            let bound = try await bind(cookie, csrf, id.rawValue.lowercased(), "王建国")
            #expect(bound.status == .seeOther && bound.headers[.location] == "/my/licences", "\(bound.text)")
            #expect(try await client.get("/my/licences", headers: [.cookie: cookie]).text.contains(#"id="bound-person""#))

            // A licence issued to the person appears; its page shows the QR, the file is the sealed licence.
            let licence = try await platform.licences.issue(LicenceApplication(type: "real-estate", holderID: id.rawValue, holderName: "王建国",
                                                                               fields: ["location": "川汇区七一路1号", "unitNumber": "411602001001GB00001F00010001",
                                                                                        "rightType": "国有建设用地使用权/房屋所有权", "use": "住宅", "area": "98.5"],
                                                                               algorithm: .ed25519), by: .commandLine(), origin: .commandLine)
            let list = try await client.get("/my/licences", headers: [.cookie: cookie])
            #expect(list.text.contains(#"data-id="\#(licence.id)""#) && list.text.contains("不动产权证书"))
            let one = try await client.get("/my/licences/\(licence.id)", headers: [.cookie: cookie])
            #expect(one.status == .ok && one.text.contains("data:image/svg+xml;base64,") && one.text.contains(licence.number) && one.text.contains("川汇区七一路1号"))
            let file = try await client.get("/my/licences/\(licence.id)/licence.jws", headers: [.cookie: cookie])
            #expect(file.status == .ok && file.text == licence.jws + "\n" && file.headers[.contentType] == "application/jose")
            #expect(try await platform.licences.verify(file.text).ok)

            // Another citizen: not bound, sees none of it; cannot take the binding without the registry's phone.
            let other = try await Self.signIn(client, opened, phone: "13912340002")
            #expect(try await client.get("/my/licences/\(licence.id)", headers: [.cookie: other]).status == .notFound)
            #expect(try await client.get("/my/licences/\(licence.id)/licence.jws", headers: [.cookie: other]).status == .notFound)
            let otherCSRF = try #require(DeskTests.token(in: try await client.get("/my/licences", headers: [.cookie: other]).text))
            #expect(try await bind(other, otherCSRF, id.rawValue, "王建国").status == .unprocessableContent)
            // An account whose phone no code has proved may not bind.
            try await platform.store.write { try await $0.raw("UPDATE citizens SET phone_verified_at = NULL WHERE phone = '13912340002'").run() }
            #expect(try await bind(other, otherCSRF, id.rawValue, "王建国").status == .forbidden)
            let audit = try await platform.audit.entries(recordType: "person", limit: 50)
            #expect(audit.contains { $0.action == "registry.citizen.bind" && $0.outcome == "denied" } && audit.contains { $0.action == "registry.citizen.bind" && $0.outcome == "ok" })
        }
    }
}
