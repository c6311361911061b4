import CityApp
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import TestSupport
import Testing

/// The workbench pages, driven as a browser drives them: a session cookie, forms with their
/// token, multipart with photos, redirects after each change.
@Suite("The workbench (/desk) on every engine")
struct DeskTests {
    static let origin = "http://localhost"

    /// Signs in through the form and returns the cookie.
    static func signIn(_ client: any TestClientProtocol, _ username: String) async throws -> String {
        let response = try await client.execute(uri: "/login", method: .post, headers: WebTests.form,
                                                body: ByteBuffer(string: "username=\(username)&password=\(Harness.demoPassword)"))
        return try #require(WebTests.cookie(from: response))
    }

    /// The form token a page carries.
    static func token(in page: String) -> String? {
        guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    /// A multipart body of `fields` and PNG `photos`, and its content type.
    static func multipart(_ fields: [(String, String)], photos: [Data] = []) -> (String, ByteBuffer) {
        let boundary = "----cityhub\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for (i, photo) in photos.enumerated() {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"p\(i).png\"\r\nContent-Type: image/png\r\n\r\n".utf8))
            body.append(photo)
            body.append(Data("\r\n".utf8))
        }
        // A file input left empty is sent as a part with no name and no bytes: it is no photo.
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n".utf8))
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: body))
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, cookie: String, fields: [(String, String)], photos: [Data] = []) async throws -> TestResponse {
        let (type, body) = multipart(fields, photos: photos)
        return try await client.execute(uri: uri, method: .post, headers: [.contentType: type, .origin: origin, .cookie: cookie], body: body)
    }

    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

    @Test("an operator files a call on the intake form, the department, the inspector and the operator take it round the loop on its page; each sees only their own actions",
          arguments: TestEngine.all)
    func loop(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            #expect(try await client.get("/desk").headers[.location] == "/login")
            let operatorCookie = try await Self.signIn(client, "operator")
            let intake = try await client.get("/desk/new", headers: [.cookie: operatorCookie])
            #expect(intake.status == .ok && intake.text.contains("热线登记") && intake.text.contains("20102"))
            let csrf = try #require(Self.token(in: intake.text))

            // Without the form's token nothing is filed.
            let forged = try await Self.post(client, "/desk/new", cookie: operatorCookie,
                                             fields: [("categoryCode", "20102"), ("description", "伪造"), ("lon", "114.65"), ("lat", "33.62")])
            #expect(forged.status == .forbidden && forged.text.contains("表单已失效"))
            // A field at fault: the form again, with what was typed and the message.
            let bad = try await Self.post(client, "/desk/new", cookie: operatorCookie,
                                          fields: [("csrf", csrf), ("kind", "complaint"), ("categoryCode", "99999"), ("description", "七一路菜市场门口垃圾堆了三天"), ("lon", "114.65"), ("lat", "33.62")])
            #expect(bad.status == .unprocessableContent && bad.text.contains("99999") && bad.text.contains("七一路菜市场门口垃圾堆了三天"))
            let filed = try await Self.post(client, "/desk/new", cookie: operatorCookie,
                                            fields: [("csrf", csrf), ("kind", "complaint"), ("categoryCode", "20102"), ("description", "七一路菜市场门口垃圾堆了三天"),
                                                     ("reporterName", "陈女士"), ("reporterPhone", "13912345678"), ("lon", "114.65"), ("lat", "33.62")],
                                            photos: [Self.png])
            #expect(filed.status == .seeOther, "\(filed.text)")
            let location = try #require(filed.headers[.location])
            let number = String(try #require(location.split(separator: "/").last?.split(separator: "?").first))
            #expect(try await client.get("/api/v1/cases", headers: [.cookie: operatorCookie]).json["total"] as? Int == 1)

            let page = try await client.get("/desk/cases/\(number)", headers: [.cookie: operatorCookie])
            #expect(page.status == .ok && page.text.contains("七一路菜市场门口垃圾堆了三天") && page.text.contains("13912345678"))
            #expect(page.text.contains(#"data-state="dispatched""#) && page.text.contains("/api/v1/cases/\(number)/photos/"))
            #expect(page.text.contains(#"id="action-escalate""#) && !page.text.contains(#"id="action-accept""#))

            // The queue shows it to the department, with the deadline's colour.
            let handlerCookie = try await Self.signIn(client, "handler")
            let queue = try await client.get("/desk", headers: [.cookie: handlerCookie])
            #expect(queue.text.contains(#"data-number="\#(number)""#) && queue.text.contains("due-ok"))
            #expect(try await client.get("/desk?q=\(number)&all=1", headers: [.cookie: handlerCookie]).text.contains(#"data-number="\#(number)""#))
            #expect(!(try await client.get("/desk?state=closed", headers: [.cookie: handlerCookie]).text.contains(#"data-number="\#(number)""#)))
            #expect(try await client.get("/desk?division=411602", headers: [.cookie: handlerCookie]).text.contains(#"data-number="\#(number)""#))
            #expect(!(try await client.get("/desk?division=411603", headers: [.cookie: handlerCookie]).text.contains(#"data-number="\#(number)""#)))
            let handlerPage = try await client.get("/desk/cases/\(number)", headers: [.cookie: handlerCookie])
            #expect(handlerPage.text.contains(#"id="action-accept""#) && handlerPage.text.contains(#"id="action-return""#))
            #expect(!handlerPage.text.contains(#"id="action-escalate""#) && handlerPage.text.contains("139****5678"))
            let handlerToken = try #require(Self.token(in: handlerPage.text))
            // A step the role may not take: refused on the page, nothing changed.
            let wrong = try await Self.post(client, "/desk/cases/\(number)/escalate", cookie: handlerCookie, fields: [("csrf", handlerToken)])
            #expect(wrong.status == .forbidden && wrong.text.contains(#"data-state="dispatched""#))
            let accepted = try await Self.post(client, "/desk/cases/\(number)/accept", cookie: handlerCookie, fields: [("csrf", handlerToken)])
            #expect(accepted.status == .seeOther && accepted.headers[.location] == "/desk/cases/\(number)?done=accept")
            // The report back needs its note; then it goes with a photo.
            let noNote = try await Self.post(client, "/desk/cases/\(number)/reportBack", cookie: handlerCookie, fields: [("csrf", handlerToken)])
            #expect(noNote.status == .badRequest && noNote.text.contains(#"role="alert""#))
            let back = try await Self.post(client, "/desk/cases/\(number)/reportBack", cookie: handlerCookie,
                                           fields: [("csrf", handlerToken), ("note", "已清运")], photos: [Self.png])
            #expect(back.status == .seeOther)

            let inspectorCookie = try await Self.signIn(client, "inspector")
            let inspectorPage = try await client.get("/desk/cases/\(number)", headers: [.cookie: inspectorCookie])
            #expect(inspectorPage.text.contains(#"id="action-verify""#) && inspectorPage.text.contains("已清运"))
            let inspectorToken = try #require(Self.token(in: inspectorPage.text))
            // Another session's token is not this one's.
            #expect(try await Self.post(client, "/desk/cases/\(number)/verify", cookie: inspectorCookie, fields: [("csrf", handlerToken), ("passed", "yes")]).status == .forbidden)
            #expect(try await Self.post(client, "/desk/cases/\(number)/verify", cookie: inspectorCookie,
                                        fields: [("csrf", inspectorToken), ("passed", "yes"), ("note", "现场核查通过")]).status == .seeOther)

            let closed = try await client.get("/desk/cases/\(number)", headers: [.cookie: operatorCookie])
            #expect(closed.text.contains(#"data-state="closed""#) && closed.text.contains(#"id="action-callback""#))
            #expect(try await Self.post(client, "/desk/cases/\(number)/callback", cookie: operatorCookie,
                                        fields: [("csrf", csrf), ("solved", "yes"), ("satisfied", "yes")]).status == .seeOther)
            // One callback per closure: the form is gone, and a second one is refused.
            let done = try await client.get("/desk/cases/\(number)?done=callback", headers: [.cookie: operatorCookie])
            #expect(!done.text.contains(#"id="action-callback""#) && done.text.contains(#"id="notice""#) && done.text.contains("满意 satisfied"))
            let again = try await Self.post(client, "/desk/cases/\(number)/callback", cookie: operatorCookie,
                                            fields: [("csrf", csrf), ("solved", "no"), ("satisfied", "no")])
            #expect(again.status == .conflict && again.text.contains("不能重复回访"))
            let timeline = try await client.get("/api/v1/cases/\(number)", headers: [.cookie: operatorCookie]).json["timeline"] as? [[String: Any]] ?? []
            #expect(timeline.map { $0["action"] as? String ?? "" } == ["report", "register", "dispatch", "accept", "reportBack", "close", "callback"])
        }
    }

    @Test("a county user's queue and case pages stay within the county; an unknown case is a 404 page", arguments: TestEngine.all)
    func scope(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let operator_ = try await client.token("operator")
            let filed = try await client.post("/api/v1/cases", json: """
                {"kind":"complaint","categoryCode":"20102","description":"川汇区的垃圾","location":{"lon":114.65,"lat":33.62}}
                """, headers: [.authorization: "Bearer \(operator_)"])
            let number = try #require((filed.json["case"] as? [String: Any])?["number"] as? String)
            let county = try await Self.signIn(client, "huaiyang.handler")
            #expect(!(try await client.get("/desk?all=1", headers: [.cookie: county]).text.contains(number)))
            let page = try await client.get("/desk/cases/\(number)", headers: [.cookie: county])
            #expect(page.status == .notFound && page.text.contains("没有该编号的案件") && !page.text.contains("川汇区的垃圾"))
        }
    }

    @Test("the address search finds names within scope, names that start with the words first")
    func addressSearch() async throws {
        try await Harness.run(.sqlite) { client, opened in
            let admin = try await client.token("admin", Harness.adminPassword)
            let json = """
                {"type":"FeatureCollection","features":[
                 {"type":"Feature","properties":{"code":"T1","name":"七一路88号","kind":"address"},"geometry":{"type":"Point","coordinates":[114.65,33.62]}},
                 {"type":"Feature","properties":{"code":"T2","name":"东七一路3号","kind":"address"},"geometry":{"type":"Point","coordinates":[114.66,33.62]}},
                 {"type":"Feature","properties":{"code":"T3","name":"淮阳七一路1号","kind":"address"},"geometry":{"type":"Point","coordinates":[114.88,33.73]}}]}
                """
            let report = try await opened.platform.geography.importGeoJSON(Data(json.utf8), kind: .addresses, source: "test", by: .commandLine(), origin: .commandLine)
            #expect(report.created == 3, "\(report)")
            try await opened.platform.geography.load()
            let found = try await client.get("/api/v1/geography/addresses?q=%E4%B8%83%E4%B8%80%E8%B7%AF", token: admin).json["items"] as? [[String: Any]] ?? []
            #expect(found.map { $0["code"] as? String ?? "" } == ["T1", "T2", "T3"])
            let county = try await client.token("huaiyang.handler")
            let near = try await client.get("/api/v1/geography/addresses?q=%E4%B8%83%E4%B8%80%E8%B7%AF", token: county).json["items"] as? [[String: Any]] ?? []
            #expect(near.map { $0["code"] as? String ?? "" } == ["T3"])
            try await client.get("/api/v1/geography/addresses", token: admin).expectProblem(.badRequest, code: "request.invalid-query", field: "q")
        }
    }
}

extension DeskTests {
    @Test("the registry lookup masks as the API does, shows plain values only to a grant holder who asked, needs a purpose, names a bad number's fault; each read is audited with its purpose; the quality report is for stewards and auditors",
          arguments: TestEngine.all)
    func registryPages(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            try await PersonAPITests.load(opened)
            let handler = try await Self.signIn(client, "handler")
            let id = "411602198506126153"
            let masked = try await client.get("/desk/registry?kind=persons&q=\(id)&purpose=case%202026-1", headers: [.cookie: handler])
            #expect(masked.status == .ok && masked.text.contains("4116**********6153") && masked.text.contains("138****1234") && !masked.text.contains("13800001234"))
            #expect(!masked.text.contains(#"id="r-plain""#))
            let byName = try await client.get("/desk/registry?kind=persons&q=%E7%8E%8B&purpose=case", headers: [.cookie: handler])
            #expect(byName.text.contains(#"id="found">找到 2 条"#))
            let asked = try await client.get("/desk/registry?kind=persons&q=\(id)&purpose=x&plain=1", headers: [.cookie: handler])
            #expect(asked.status == .forbidden && asked.text.contains("没有查看明文个人信息的授权") && !asked.text.contains("13800001234"))
            let noPurpose = try await client.get("/desk/registry?kind=persons&q=\(id)", headers: [.cookie: handler])
            #expect(noPurpose.status == .badRequest && noPurpose.text.contains("请填写查询事由"))
            let bad = try await client.get("/desk/registry?kind=persons&q=411602198506126150&purpose=x", headers: [.cookie: handler])
            #expect(bad.status == .badRequest && bad.text.contains("校验码应为 3，实为 0"))

            let steward = try await Self.signIn(client, "steward")
            let plain = try await client.get("/desk/registry?kind=persons&q=\(id)&purpose=quality%20review&plain=1", headers: [.cookie: steward])
            #expect(plain.status == .ok && plain.text.contains(id) && plain.text.contains("13800001234") && plain.text.contains(#"id="r-plain""#))
            let reads = try await opened.platform.store.read { db in
                try await db.raw("SELECT purpose FROM audit_log WHERE action = 'registry.person.read' ORDER BY seq").all(decoding: [String: String?].self)
            }
            #expect(reads.compactMap { $0["purpose"] ?? nil } == ["case 2026-1", "quality review"])

            #expect(try await client.get("/desk/quality", headers: [.cookie: handler]).status == .forbidden)
            // Refused on a page is audited as on the API.
            let denied = try await opened.platform.store.read { db in
                try await db.raw("SELECT detail FROM audit_log WHERE action = 'http.denied' AND record_id LIKE 'GET /desk/%' ORDER BY seq").all(decoding: [String: String?].self)
            }
            #expect(denied.compactMap { $0["detail"] ?? nil } == ["registry.no-grant-for-plain", "identity.forbidden-role"])
            let report = try await client.get("/desk/quality?registry=persons", headers: [.cookie: steward])
            #expect(report.status == .ok && (report.text.contains(#"id="refreshing""#) || report.text.contains(#"id="report-total""#)))
        }
    }
}

extension DeskTests {
    @Test("the detours by page: a requested extension is offered to the command center for approval and only then; parking refused; a duplicate merged by number",
          arguments: TestEngine.all)
    func detours(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let operator_ = try await client.token("operator")
            func file(_ words: String) async throws -> String {
                let filed = try await client.post("/api/v1/cases", json: """
                    {"kind":"complaint","categoryCode":"20102","description":"\(words)","location":{"lon":114.65,"lat":33.62}}
                    """, headers: [.authorization: "Bearer \(operator_)"])
                return try #require((filed.json["case"] as? [String: Any])?["number"] as? String)
            }
            let number = try await file("绿化带垃圾堆积")
            let handler = try await Self.signIn(client, "handler")
            let operatorCookie = try await Self.signIn(client, "operator")
            func page(_ cookie: String) async throws -> String { try await client.get("/desk/cases/\(number)", headers: [.cookie: cookie]).text }
            #expect(!(try await page(operatorCookie)).contains(#"id="action-approveExtension""#))
            let handlerToken = try #require(Self.token(in: try await page(handler)))
            #expect(try await Self.post(client, "/desk/cases/\(number)/accept", cookie: handler, fields: [("csrf", handlerToken)]).status == .seeOther)
            let asked = try await Self.post(client, "/desk/cases/\(number)/requestExtension", cookie: handler,
                                            fields: [("csrf", handlerToken), ("amount", "2"), ("unit", "workingDays"), ("note", "需协调园林部门")])
            #expect(asked.status == .seeOther, "\(asked.text)")
            let handlerPage = try await page(handler)
            #expect(!handlerPage.contains(#"id="action-requestExtension""#) && !handlerPage.contains(#"id="action-requestPark""#) && handlerPage.contains("需协调园林部门"))
            let pending = try await page(operatorCookie)
            #expect(pending.contains(#"id="action-approveExtension""#) && pending.contains(#"id="action-refuseExtension""#) && !pending.contains(#"id="action-approvePark""#))
            let operatorToken = try #require(Self.token(in: pending))
            #expect(try await Self.post(client, "/desk/cases/\(number)/approveExtension", cookie: operatorCookie, fields: [("csrf", operatorToken)]).status == .seeOther)
            #expect(!(try await page(operatorCookie)).contains(#"id="case-pending""#))
            // Parking: asked, refused with a reason.
            #expect(try await Self.post(client, "/desk/cases/\(number)/requestPark", cookie: handler,
                                        fields: [("csrf", handlerToken), ("note", "待拆迁")]).status == .seeOther)
            // One request at a time: a second while the first waits is refused.
            #expect(try await Self.post(client, "/desk/cases/\(number)/requestPark", cookie: handler, fields: [("csrf", handlerToken)]).status == .conflict)
            #expect(try await Self.post(client, "/desk/cases/\(number)/refusePark", cookie: operatorCookie,
                                        fields: [("csrf", operatorToken), ("note", "可先行清理")]).status == .seeOther)
            #expect((try await page(operatorCookie)).contains(#"data-state="handling""#))
            // A second call about the same heap, merged into the first by its number.
            let second = try await file("绿化带垃圾又有人反映")
            let merged = try await Self.post(client, "/desk/cases/\(second)/merge", cookie: operatorCookie,
                                             fields: [("csrf", operatorToken), ("into", number), ("note", "同一位置")])
            #expect(merged.status == .seeOther, "\(merged.text)")
            let secondPage = try await client.get("/desk/cases/\(second)", headers: [.cookie: operatorCookie]).text
            #expect(secondPage.contains(#"data-state="merged""#) && secondPage.contains(#"href="/desk/cases/\#(number)""#))
        }
    }
}
