import CityApp
import CityCore
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import TestSupport
import Testing

extension TestClientProtocol {
    func post(_ uri: String, json: String, token: String) async throws -> TestResponse {
        try await post(uri, json: json, headers: [.authorization: "Bearer \(token)"])
    }
}

@Suite("Cases over HTTP, on every engine")
struct CasesAPITests {
    /// In 川汇区, the central district (routed to the city's city management bureau).
    static let place = #"{"lon":114.65,"lat":33.62}"#
    static let pngBase64 = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).base64EncodedString()

    @Test("a hotline call runs the loop through the API: filed and routed, accepted, reported back with a photo, verified, called back; wrong steps get 409 naming the state",
          arguments: TestEngine.all)
    func loop(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let operator_ = try await client.token("operator")
            let filed = try await client.post("/api/v1/cases", json: """
                {"kind":"complaint","categoryCode":"20102","description":"七一路菜市场门口垃圾堆了三天","location":\(Self.place),
                 "reporter":{"name":"陈女士","phone":"13912345678"}}
                """, token: operator_)
            #expect(filed.status == .created, "\(filed.text)")
            let item = filed.json["case"] as? [String: Any] ?? [:]
            let number = try #require(item["number"] as? String)
            #expect(filed.headers[.location] == "/api/v1/cases/\(number)")
            #expect(item["state"] as? String == "dispatched" && item["organisationCode"] as? String == "411600-CMB" && item["stateName"] as? String == "已派遣")
            #expect((item["reporter"] as? [String: Any])?["phone"] as? String == "13912345678")
            #expect((item["allowedActions"] as? [String])?.contains("escalate") == true)
            #expect(item["deadlineAt"] is String && (filed.json["timeline"] as? [[String: Any]])?.count == 3)

            let nearby = try await client.get("/api/v1/cases/nearby?category=20102&lon=114.65002&lat=33.62", token: operator_).json
            #expect((nearby["items"] as? [[String: Any]])?.first?["number"] as? String == number)

            let handler = try await client.token("handler")
            let queue = try await client.get("/api/v1/cases", token: handler).json
            #expect(queue["total"] as? Int == 1)
            try await client.post("/api/v1/cases/\(number)/verify", json: #"{"passed":true}"#, token: handler)
                .expectProblem(.conflict, code: "cases.wrong-state")
            let accepted = try await client.post("/api/v1/cases/\(number)/accept", json: "{}", token: handler)
            #expect((accepted.json["case"] as? [String: Any])?["state"] as? String == "handling")
            #expect(((accepted.json["case"] as? [String: Any])?["reporter"] as? [String: Any])?["phone"] as? String == "139****5678")
            let reported = try await client.post("/api/v1/cases/\(number)/reportBack", json: #"{"note":"已清运","photos":["\#(Self.pngBase64)"]}"#, token: handler)
            let photos = reported.json["photos"] as? [[String: Any]] ?? []
            #expect(photos.count == 1 && photos[0]["contentType"] as? String == "image/png")
            let photo = try await client.get("/api/v1/cases/\(number)/photos/\(photos[0]["id"] as? String ?? "")", token: handler)
            #expect(photo.status == .ok && photo.headers[.contentType] == "image/png" && Data(buffer: photo.body).base64EncodedString() == Self.pngBase64)

            // A phone's photo (2 MB, beyond the 64 KB JSON body limit here) uploaded as the body; an upload over 8 MB is refused.
            let inspector = try await client.token("inspector")
            var big = Data([0xFF, 0xD8, 0xFF, 0xE0])
            big.append(Data(repeating: 0x42, count: 2 << 20))
            let uploaded = try await client.execute(uri: "/api/v1/cases/\(number)/photos", method: .post,
                                                    headers: [.contentType: "image/jpeg", .authorization: "Bearer \(inspector)"], body: ByteBuffer(data: big))
            #expect(uploaded.status == .created && uploaded.json["stage"] as? String == "verify" && uploaded.json["size"] as? Int == big.count, "\(uploaded.text)")
            let fetched = try await client.get(uploaded.headers[.location] ?? "", token: operator_)
            #expect(fetched.status == .ok && Data(buffer: fetched.body) == big)
            let tooBig = try await client.execute(uri: "/api/v1/cases/\(number)/photos", method: .post,
                                                  headers: [.contentType: "image/jpeg", .authorization: "Bearer \(inspector)"],
                                                  body: ByteBuffer(data: Data(repeating: 0xFF, count: (8 << 20) + 1)))
            tooBig.expectProblem(.contentTooLarge, code: "request.too-large")
            try await client.execute(uri: "/api/v1/cases/\(number)/photos", method: .post, headers: [.contentType: "image/jpeg", .authorization: "Bearer \(handler)"],
                                     body: ByteBuffer(data: big)).expectProblem(.conflict, code: "cases.photo-not-now")
            try await client.execute(uri: "/api/v1/cases/\(number)/photos", method: .post, headers: [.contentType: "text/plain", .authorization: "Bearer \(inspector)"],
                                     body: ByteBuffer(string: "x")).expectProblem(.unsupportedMediaType, code: "request.unsupported-media-type")
            let closed = try await client.post("/api/v1/cases/\(number)/verify", json: #"{"passed":true}"#, token: inspector)
            #expect((closed.json["case"] as? [String: Any])?["state"] as? String == "closed")
            try await client.post("/api/v1/cases/\(number)/callback", json: #"{"solved":true}"#, token: operator_)
                .expectProblem(.badRequest, code: "cases.invalid-field", field: "solved")
            let done = try await client.post("/api/v1/cases/\(number)/callback", json: #"{"solved":true,"satisfied":true}"#, token: operator_)
            #expect(((done.json["case"] as? [String: Any])?["callback"] as? [String: Any])?["satisfied"] as? Bool == true)
            let timeline = (done.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(timeline == ["report", "register", "dispatch", "accept", "reportBack", "photo", "close", "callback"])

            // Today's indicators by organisation: one case, registered, closed, called back satisfied.
            let table = try await client.get("/api/v1/cases/indicators?by=organisation", token: operator_).json
            let row = (table["rows"] as? [[String: Any]])?.first ?? [:]
            #expect(row["key"] as? String == "411600-CMB" && row["registered"] as? Int == 1 && row["closureRate"] as? Double == 1 && row["satisfactionRate"] as? Double == 1)
            try await client.get("/api/v1/cases/indicators?by=colour", token: operator_).expectProblem(.badRequest, code: "request.invalid-query", field: "by")
            try await client.get("/api/v1/cases/indicators", token: handler).expectProblem(.forbidden, code: "identity.forbidden-role")

            // Refusals: an unknown action, a case outside the caller's county, an unknown number, a bad photo.
            try await client.post("/api/v1/cases/\(number)/fly", json: "{}", token: operator_).expectProblem(.badRequest, code: "request.invalid-field", field: "action")
            let county = try await client.token("huaiyang.handler")
            try await client.get("/api/v1/cases/\(number)", token: county).expectProblem(.notFound, code: "cases.unknown-case")
            try await client.get("/api/v1/cases/41160226010100001", token: operator_).expectProblem(.notFound, code: "cases.unknown-case")
            try await client.post("/api/v1/cases", json: #"{"kind":"help","categoryCode":"20102","description":"x","location":\#(Self.place),"photos":["aGVsbG8="]}"#, token: operator_)
                .expectProblem(.badRequest, code: "cases.bad-attachment", field: "photos")
            try await client.post("/api/v1/cases", json: #"{"kind":"help","categoryCode":"20102","description":"x","location":\#(Self.place),"colour":"red"}"#, token: operator_)
                .expectProblem(.badRequest, code: "request.unknown-field")
        }
    }

    @Test("a citizen files from the portal and follows only their own cases; the reporter is masked for a department", arguments: TestEngine.all)
    func citizen(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let login = try await client.post("/api/v1/citizens/login", json: #"{"phone":"13800000000","password":"\#(Harness.demoPassword)"}"#)
            let citizen = try #require(login.json["token"] as? String)
            let filed = try await client.post("/api/v1/cases", json: """
                {"categoryCode":"20505","description":"小区门口有车长期乱停","location":\(Self.place),"reporter":{"phone":"13800000000"}}
                """, token: citizen)
            #expect(filed.status == .created, "\(filed.text)")
            let item = filed.json["case"] as? [String: Any] ?? [:]
            let number = try #require(item["number"] as? String)
            #expect(item["state"] as? String == "reported" && item["channel"] as? String == "citizen" && (item["allowedActions"] as? [String]) == [])
            let mine = try await client.get("/api/v1/cases", token: citizen).json
            #expect(mine["total"] as? Int == 1)
            let operator_ = try await client.token("operator")
            let registered = try await client.post("/api/v1/cases/\(number)/register", json: "{}", token: operator_)
            #expect((registered.json["case"] as? [String: Any])?["state"] as? String == "dispatched")
            let handler = try await client.token("handler")
            let seen = try await client.get("/api/v1/cases/\(number)", token: handler).json["case"] as? [String: Any]
            #expect((seen?["reporter"] as? [String: Any])?["phone"] as? String == "138****0000")
            // The citizen sees the progress; the hotline channel is not theirs.
            #expect((try await client.get("/api/v1/cases/\(number)", token: citizen).json["case"] as? [String: Any])?["state"] as? String == "dispatched")
            try await client.post("/api/v1/cases", json: #"{"channel":"hotline","kind":"help","categoryCode":"20505","description":"x","location":\#(Self.place)}"#, token: citizen)
                .expectProblem(.badRequest, code: "cases.invalid-field", field: "channel")
            try await client.post("/api/v1/cases/\(number)/register", json: "{}", token: citizen).expectProblem(.notFound, code: "cases.unknown-case")
        }
    }
}

@Suite("Cases reference data edited over HTTP, on every engine")
struct CaseCatalogueAPITests {
    @Test("routing and deadline rules, categories and the calendar are edited by the roles that own them, checked, and audited", arguments: TestEngine.all)
    func edit(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let operator_ = try await client.token("operator"), handler = try await client.token("handler")
            let put = { (path: String, json: String, token: String) in
                try await client.execute(uri: path, method: .put, headers: [.contentType: "application/json", .authorization: "Bearer \(token)"], body: ByteBuffer(string: json))
            }
            // Street lamps (10118) in 川汇区 go to the housing bureau from now on.
            let set = try await put("/api/v1/cases/routing-rules", #"{"rules":[{"categoryPrefix":"10118","divisionPrefix":"411602","organisationCode":"411602-HUD"}]}"#, operator_)
            #expect(set.status == .ok && set.text.contains(#""organisationCode":"411602-HUD""#))
            let filed = try await client.post("/api/v1/cases", json: #"{"kind":"help","categoryCode":"10118","description":"路灯不亮","location":{"lon":114.65,"lat":33.62}}"#, token: operator_)
            #expect((filed.json["case"] as? [String: Any])?["organisationCode"] as? String == "411602-HUD")
            try await put("/api/v1/cases/routing-rules", #"{"rules":[{"categoryPrefix":"1","divisionPrefix":"411602","organisationCode":"nobody"}]}"#, operator_)
                .expectProblem(.unprocessableContent, code: "cases.unknown-organisation")
            try await put("/api/v1/cases/routing-rules", #"{"rules":[]}"#, handler).expectProblem(.forbidden, code: "identity.forbidden-role")
            // A deadline rule: report-kind calls about events answered within 5 working days.
            let rules = try await put("/api/v1/cases/deadline-rules", #"{"rules":[{"categoryPrefix":"2","kind":"report","urgency":"","limit":{"amount":5,"unit":"workingDays"}}]}"#, operator_)
            let rule = (rules.json["rules"] as? [[String: Any]] ?? []).first { $0["categoryPrefix"] as? String == "2" && $0["kind"] as? String == "report" }
            #expect(rules.status == .ok && (rule?["limit"] as? [String: Any])?["amount"] as? Int == 5 && (rule?["limit"] as? [String: Any])?["unit"] as? String == "workingDays",
                    "\(rules.text)")
            try await put("/api/v1/cases/deadline-rules", #"{"rules":[{"categoryPrefix":"2","kind":"","urgency":"","limit":{"amount":5,"unit":"weeks"}}]}"#, operator_)
                .expectProblem(.badRequest, code: "cases.invalid-field", field: "limit.unit")
            // A category renamed; a bad code refused.
            let categories = try await put("/api/v1/cases/categories", #"{"categories":[{"code":"20102","family":"event","major":"201","name":"暴露垃圾（含绿化带）","majorName":"市容环境","active":true}]}"#, operator_)
            #expect(categories.text.contains("暴露垃圾（含绿化带）"))
            try await put("/api/v1/cases/categories", #"{"categories":[{"code":"x","family":"event","major":"201","name":"n","majorName":"m","active":true}]}"#, operator_)
                .expectProblem(.badRequest, code: "cases.invalid-field", field: "code")
            // 2027's schedule, loaded by the platform admin only.
            let admin = try await client.token("admin", Harness.adminPassword)
            #expect(try await put("/api/v1/cases/calendar/2027", #"{"holidays":[{"date":"2027-01-01","name":"元旦"}],"workdays":[]}"#, admin).status == .noContent)
            try await put("/api/v1/cases/calendar/2027", #"{"holidays":[{"date":"2026-01-01","name":"元旦"}],"workdays":[]}"#, admin)
                .expectProblem(.badRequest, code: "cases.invalid-field", field: "date")
            try await put("/api/v1/cases/calendar/2027", #"{"holidays":[],"workdays":[]}"#, operator_).expectProblem(.forbidden, code: "identity.forbidden-role")
            #expect(try await opened.platform.caseCatalogue.calendar().years.contains(2027))
            let audited = try await opened.platform.audit.entries(recordType: "case-catalogue").map(\.action)
            #expect(Set(audited).isSuperset(of: ["cases.routing.set", "cases.deadlines.set", "cases.categories.set", "cases.calendar.load"]))
        }
    }
}

@Suite("Open311 GeoReport v2, on every engine")
struct Open311Tests {
    @Test("services list in JSON and XML; a POST with an API key becomes a routed case followed by number to closure; errors are the spec's list", arguments: TestEngine.all)
    func open311(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let services = try await client.get("/open311/v2/services.json")
            let list = (try? JSONSerialization.jsonObject(with: Data(buffer: services.body))) as? [[String: Any]] ?? []
            #expect(services.status == .ok && list.contains { $0["service_code"] as? String == "20102" && $0["service_name"] as? String == "暴露垃圾" })
            let xml = try await client.get("/open311/v2/services.xml")
            #expect(xml.headers[.contentType]?.hasPrefix("text/xml") == true && xml.text.contains("<service><service_code>10101</service_code>"))
            let definition = try await client.get("/open311/v2/services/20102.json")
            #expect(definition.status == .ok && definition.text.contains(#""attributes":[]"#))

            let (_, secret) = try await opened.platform.keys.create(NewAPIKey(name: "civic app", organisationCode: "411600-BDB", roles: [.departmentHandler]),
                                                                    by: .commandLine(user: "test"), origin: .commandLine)
            let form = "api_key=\(secret)&service_code=20102&lat=33.62&long=114.65&description=%E5%9E%83%E5%9C%BE%E6%B2%A1%E4%BA%BA%E6%B8%85&first_name=%E6%9D%8E&phone=13912345678"
            let posted = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: form))
            #expect(posted.status == .created, "\(posted.text)")
            let created = (try? JSONSerialization.jsonObject(with: Data(buffer: posted.body))) as? [[String: Any]] ?? []
            let number = try #require(created.first?["service_request_id"] as? String)
            let one = try await client.get("/open311/v2/requests/\(number).json")
            let request = ((try? JSONSerialization.jsonObject(with: Data(buffer: one.body))) as? [[String: Any]])?.first ?? [:]
            #expect(request["status"] as? String == "open" && request["service_code"] as? String == "20102" && request["description"] as? String == "垃圾没人清")
            #expect(request["agency_responsible"] is NSNull && (request["requested_datetime"] as? String)?.hasSuffix("+08:00") == true)
            #expect(!one.text.contains("13912345678"))
            // The command center registers it (routed at once), the department handles it, the inspector closes it.
            let operator_ = try await client.token("operator"), handler = try await client.token("handler"), inspector = try await client.token("inspector")
            #expect(try await client.post("/api/v1/cases/\(number)/register", json: "{}", token: operator_).status == .ok)
            let routed = ((try? JSONSerialization.jsonObject(with: Data(buffer: try await client.get("/open311/v2/requests/\(number).json").body))) as? [[String: Any]])?.first
            #expect(routed?["agency_responsible"] as? String == "411600-CMB" && routed?["expected_datetime"] is String)
            _ = try await client.post("/api/v1/cases/\(number)/accept", json: "{}", token: handler)
            _ = try await client.post("/api/v1/cases/\(number)/reportBack", json: #"{"note":"已清运"}"#, token: handler)
            #expect(try await client.post("/api/v1/cases/\(number)/verify", json: #"{"passed":true}"#, token: inspector).status == .ok)
            let closed = try await client.get("/open311/v2/requests/\(number).xml")
            #expect(closed.text.contains("<status>closed</status>"), "\(closed.text)")
            let token = try await client.get("/open311/v2/tokens/\(number).xml")
            #expect(token.text.contains("<service_request_id>\(number)</service_request_id>"))
            #expect(try await client.get("/open311/v2/requests.json?status=closed&service_code=20102").text.contains(number))
            #expect(!(try await client.get("/open311/v2/requests.json?status=open")).text.contains(number))

            // Errors: the spec's list, with the status.
            let badKey = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "api_key=nope&service_code=20102&lat=33.62&long=114.65&description=x"))
            #expect(badKey.status == .forbidden && badKey.text.contains(#""code":403"#) && badKey.text.contains("api_key"))
            let noPlace = try await client.execute(uri: "/open311/v2/requests.xml", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                   body: ByteBuffer(string: "api_key=\(secret)&service_code=20102&description=x"))
            #expect(noPlace.status == .badRequest && noPlace.text.contains("<errors><error><code>400</code>"))
            let missing = try await client.get("/open311/v2/requests/41160226010100001.json")
            #expect(missing.status == .notFound && missing.text.hasPrefix(#"[{"code":404"#))
            let tooLong = try await client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
            #expect(tooLong.status == .badRequest && tooLong.text.contains("90 days"))
        }
    }
}
