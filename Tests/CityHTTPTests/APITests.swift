import CityApp
import CityCore
import CityHTTP
import CityStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("HTTP API, on every engine")
struct APITests {
    @Test("health, readiness, metrics and the OpenAPI document answer without a login", arguments: TestEngine.all)
    func system(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            #expect(try await client.get("/healthz").json["status"] as? String == "ok")
            let ready = try await client.get("/readyz")
            #expect(ready.status == .ok && ready.json["database"] as? String == "ok")
            _ = try await client.get("/api/v1/me")
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == .ok && metrics.text.contains("hb_requests"))
            #expect(metrics.text.contains(#"cityhub_jobs{queue="default",state="queued"}"#))
            let doc = try await client.get("/api/v1/openapi.json")
            #expect(doc.json["openapi"] as? String == "3.1.0")
            #expect(doc.headers[.init("X-Request-Id")!] != nil)
        }
    }

    @Test("staff log in for a token; /me names roles and scope; a wrong password is a 401 problem, audited", arguments: TestEngine.all)
    func login(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let token = try await client.token("admin", Harness.adminPassword)
            let me = try await client.get("/api/v1/me", token: token).json
            #expect(me["id"] as? String == "admin")
            #expect(me["scope"] as? String == "411600")
            #expect(me["roles"] as? [String] == ["platformAdmin"])
            let bad = try await client.post("/api/v1/auth/login", json: #"{"username":"admin","password":"nope-nope-1"}"#)
            bad.expectProblem(.unauthorized, code: "identity.invalid-credentials")
            #expect(bad.headers[.wwwAuthenticate] != nil)
            let denied = try await opened.platform.audit.entries(limit: 5).first { $0.action == "identity.login" && $0.outcome == "denied" }
            #expect(denied?.recordID == "admin")
            // Logging out revokes the token at once.
            let out = try await client.execute(uri: "/api/v1/auth/logout", method: .post, headers: [.authorization: "Bearer \(token)"])
            #expect(out.status == .noContent)
            try await client.get("/api/v1/me", token: token).expectProblem(.unauthorized, code: "identity.unauthenticated")
        }
    }

    @Test("bad JSON, unknown fields, missing fields, wrong types, oversize bodies and wrong media types each get a clear problem", arguments: TestEngine.all)
    func badInput(engine: TestEngine) async throws {
        try await Harness.run(engine, maxBodySize: 4096) { client, _ in
            let login = "/api/v1/auth/login"
            try await client.post(login, json: #"{"username":"admin""#).expectProblem(.badRequest, code: "request.malformed-json")
            try await client.post(login, json: "").expectProblem(.badRequest, code: "request.malformed-json")
            try await client.post(login, json: "[1,2]").expectProblem(.badRequest, code: "request.malformed-json")
            try await client.post(login, json: #"{"username":"admin","password":"x","role":"god"}"#).expectProblem(.badRequest, code: "request.unknown-field", field: "role")
            try await client.post(login, json: #"{"username":"admin"}"#).expectProblem(.badRequest, code: "request.missing-field", field: "password")
            try await client.post(login, json: #"{"username":42,"password":"x"}"#).expectProblem(.badRequest, code: "request.invalid-field", field: "username")
            let big = #"{"username":"\#(String(repeating: "x", count: 5000))","password":"x"}"#
            try await client.post(login, json: big).expectProblem(.contentTooLarge, code: "request.too-large")
            let form = try await client.execute(uri: login, method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "username=admin"))
            form.expectProblem(.unsupportedMediaType, code: "request.unsupported-media-type")
            try await client.get("/api/v1/nothing-here").expectProblem(.notFound, code: "request.route-not-found")
            let patch = try await client.execute(uri: "/api/v1/divisions/411602", method: .patch)
            patch.expectProblem(.methodNotAllowed, code: "request.method-not-allowed")
            #expect(patch.headers[.allow] == "GET")
            let token = try await client.token("admin", Harness.adminPassword)
            try await client.get("/api/v1/organisations?limit=abc", token: token).expectProblem(.badRequest, code: "request.invalid-query", field: "limit")
            let staff = #"{"username":"new.user","displayName":"新用户","organisationCode":"411600-BDB","roles":["wizard"]}"#
            try await client.post("/api/v1/staff", json: staff, headers: [.authorization: "Bearer \(token)"])
                .expectProblem(.badRequest, code: "request.invalid-field", field: "roles[0]")
        }
    }

    @Test("a county staff member sees its own county and is refused another's with a 403 that is audited", arguments: TestEngine.all)
    func divisionScope(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let token = try await client.token("huaiyang.handler")
            let own = try await client.get("/api/v1/divisions/411603", token: token)
            #expect(own.status == .ok)
            #expect(own.json["name"] as? String == "淮阳区")
            #expect((own.json["boundary"] as? [String: Any])?["type"] as? String == "Polygon")
            let other = try await client.get("/api/v1/divisions/411602", token: token)
            other.expectProblem(.forbidden, code: "identity.outside-division-scope")
            // Another county's organisation is as unknown as one that does not exist: codes cannot be probed.
            try await client.get("/api/v1/organisations/411602-CMB", token: token).expectProblem(.notFound, code: "identity.organisation-not-found")
            try await client.get("/api/v1/organisations/NOPE", token: token).expectProblem(.notFound, code: "identity.organisation-not-found")
            // A division within the scope that is not stored is a 404, not a 403.
            try await client.get("/api/v1/divisions/411603001", token: token).expectProblem(.notFound, code: "registry.unknown-division")
            try await client.get("/api/v1/organisations?division=411600", token: token).expectProblem(.forbidden, code: "identity.outside-division-scope")

            let organisations = try await client.get("/api/v1/organisations?limit=500", token: token).json
            let codes = (organisations["items"] as? [[String: Any]] ?? []).compactMap { $0["divisionCode"] as? String }
            #expect(!codes.isEmpty && codes.allSatisfy { $0 == "411603" })
            let divisions = (try await client.get("/api/v1/divisions", token: token).json["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(divisions == ["411603"])

            let denials = try await opened.platform.audit.entries(limit: 20).filter { $0.outcome == "denied" && $0.actor == "staff:huaiyang.handler" }
            #expect(denials.count == 2)
            #expect(denials.contains { $0.recordID == "GET /api/v1/divisions/411602" && $0.detail == "identity.outside-division-scope" })
            #expect(try await opened.platform.audit.verify().isIntact)

            // The city sees every county.
            let admin = try await client.token("admin", Harness.adminPassword)
            let all = (try await client.get("/api/v1/divisions", token: admin).json["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(all.count == 11 && all.contains("411602") && all.contains("411681"))
            #expect(try await client.get("/api/v1/divisions/411602", token: admin).status == .ok)
        }
    }

    @Test("roles gate routes: a handler cannot read the audit log, an auditor can and finds the chain intact", arguments: TestEngine.all)
    func roles(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let handler = try await client.token("handler")
            try await client.get("/api/v1/audit", token: handler).expectProblem(.forbidden, code: "identity.forbidden-role")
            let post = try await client.post("/api/v1/staff", json: #"{"username":"x.y","displayName":"某","organisationCode":"411600-CMB","roles":[]}"#,
                                             headers: [.authorization: "Bearer \(handler)"])
            post.expectProblem(.forbidden, code: "identity.forbidden-role")
            let auditor = try await client.token("auditor")
            let entries = try await client.get("/api/v1/audit?limit=100", token: auditor).json["items"] as? [[String: Any]] ?? []
            #expect(entries.contains { $0["action"] as? String == "http.denied" && $0["actor"] as? String == "staff:handler" })
            let verify = try await client.get("/api/v1/audit/verify", token: auditor).json
            #expect(verify["intact"] as? Bool == true)
            #expect((verify["checked"] as? Int ?? 0) >= 4)
        }
    }

    @Test("a county auditor reviews only the county's audit entries and cannot check the city's chain", arguments: TestEngine.all)
    func countyAuditor(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let admin = try await client.token("admin", Harness.adminPassword)
            let created = try await client.post("/api/v1/staff", json: #"{"username":"huaiyang.auditor","displayName":"审计","organisationCode":"411603-BDB","roles":["auditor"],"password":"Auditor2026x"}"#,
                                                headers: [.authorization: "Bearer \(admin)"])
            #expect(created.status == .created)
            let county = try await client.token("huaiyang.handler")
            _ = try await client.get("/api/v1/divisions/411602", token: county)      // a refusal in 411603's name
            let auditor = try await client.token("huaiyang.auditor", "Auditor2026x")
            let entries = try await client.get("/api/v1/audit?limit=500", token: auditor).json["items"] as? [[String: Any]] ?? []
            #expect(!entries.isEmpty)
            #expect(entries.allSatisfy { ($0["divisionCode"] as? String)?.hasPrefix("411603") == true })
            #expect(entries.contains { $0["actor"] as? String == "staff:huaiyang.handler" && $0["outcome"] as? String == "denied" })
            try await client.get("/api/v1/audit/verify", token: auditor).expectProblem(.forbidden, code: "identity.outside-division-scope")
            let cityAuditor = try await client.token("auditor")
            let all = try await client.get("/api/v1/audit?limit=500", token: cityAuditor).json["items"] as? [[String: Any]] ?? []
            #expect(all.count > entries.count)
        }
    }

    @Test("staff names are masked except for administrators, and every listing is audited", arguments: TestEngine.all)
    func staffMasking(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let auditor = try await client.token("auditor")
            let masked = try await client.get("/api/v1/staff?organisation=411600-CMD", token: auditor, headers: [.init("X-Purpose")!: "年度审计 annual audit"]).json
            let names = (masked["items"] as? [[String: Any]] ?? []).compactMap { $0["displayName"] as? String }
            #expect(masked["masked"] as? Bool == true)
            #expect(names.sorted() == ["李*", "王*"])
            let admin = try await client.token("admin", Harness.adminPassword)
            // Even an administrator sees names only for a stated purpose, and the purpose is audited.
            let unstated = try await client.get("/api/v1/staff?organisation=411600-CMD", token: admin).json
            #expect(unstated["masked"] as? Bool == true)
            #expect((unstated["items"] as? [[String: Any]] ?? []).compactMap { $0["displayName"] as? String }.sorted() == ["李*", "王*"])
            let clear = try await client.get("/api/v1/staff?organisation=411600-CMD", token: admin, headers: [.init("X-Purpose")!: "账号核对 account check"]).json
            #expect(clear["masked"] as? Bool == false)
            #expect((clear["items"] as? [[String: Any]] ?? []).compactMap { $0["displayName"] as? String }.sorted() == ["李强", "王丽"])
            let reads = try await opened.platform.audit.entries(limit: 50).filter { $0.action == "identity.staff.list" }
            #expect(reads.count == 3)
            #expect(reads.contains { $0.actor == "staff:auditor" && $0.purpose == "年度审计 annual audit" })
            #expect(reads.contains { $0.actor == "staff:admin" && $0.purpose == "账号核对 account check" && $0.detail?.hasSuffix("unmasked") == true })
        }
    }

    @Test("an administrator creates staff and API keys; the key works as bearer and X-API-Key until revoked", arguments: TestEngine.all)
    func adminFlows(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let admin = try await client.token("admin", Harness.adminPassword)
            let auth: HTTPFields = [.authorization: "Bearer \(admin)"]
            let created = try await client.post("/api/v1/staff", json: #"{"username":"grid.01","displayName":"周网格","organisationCode":"411602-CMB","roles":["inspector"],"password":"GridWorker2026"}"#, headers: auth)
            #expect(created.status == .created)
            #expect(created.json["divisionCode"] as? String == "411602")
            try await client.post("/api/v1/staff", json: #"{"username":"grid.01","displayName":"重复","organisationCode":"411602-CMB","roles":[]}"#, headers: auth)
                .expectProblem(.conflict, code: "identity.username-taken", field: "username")
            try await client.post("/api/v1/staff", json: #"{"username":"grid.02","displayName":"x","organisationCode":"411602-CMB","roles":[],"password":"short"}"#, headers: auth)
                .expectProblem(.badRequest, code: "identity.weak-password", field: "password")
            let grid = try await client.token("grid.01", "GridWorker2026")
            #expect(try await client.get("/api/v1/me", token: grid).json["scope"] as? String == "411602")

            let key = try await client.post("/api/v1/apikeys", json: #"{"name":"川汇区数字城管系统","organisationCode":"411602-CMB","roles":["inspector"]}"#, headers: auth)
            #expect(key.status == .created)
            let secret = try #require(key.json["secret"] as? String)
            let id = try #require(key.json["id"] as? String)
            #expect(try await client.get("/api/v1/me", token: secret).json["kind"] as? String == "apiKey")
            #expect(try await client.get("/api/v1/me", headers: [.init("X-API-Key")!: secret]).json["scope"] as? String == "411602")
            let listed = try await client.get("/api/v1/apikeys", token: admin).text
            #expect(listed.contains(id) && !listed.contains(secret))
            // Another county's administrator neither sees nor revokes it.
            let countyCreated = try await client.post("/api/v1/staff", json: #"{"username":"huaiyang.admin","displayName":"管理","organisationCode":"411603-BDB","roles":["platformAdmin"],"password":"CountyAdmin2026"}"#, headers: auth)
            #expect(countyCreated.status == .created)
            let countyAdmin = try await client.token("huaiyang.admin", "CountyAdmin2026")
            #expect(!(try await client.get("/api/v1/apikeys", token: countyAdmin).text.contains(id)))
            try await client.execute(uri: "/api/v1/apikeys/\(id)", method: .delete, headers: [.authorization: "Bearer \(countyAdmin)"])
                .expectProblem(.notFound, code: "identity.unknown-api-key")
            #expect(try await client.execute(uri: "/api/v1/apikeys/\(id)", method: .delete, headers: auth).status == .noContent)
            try await client.get("/api/v1/me", token: secret).expectProblem(.unauthorized, code: "identity.unauthenticated")
        }
    }

    @Test("citizens register, log in and read their own account; they see no division data", arguments: TestEngine.all)
    func citizens(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let created = try await client.post("/api/v1/citizens", json: #"{"phone":"13912345678","displayName":"周口市民","password":"Citizen2026"}"#)
            #expect(created.status == .created)
            #expect(created.json["phone"] as? String == "139****5678")
            try await client.post("/api/v1/citizens", json: #"{"phone":"13912345678","displayName":"x","password":"Citizen2026"}"#)
                .expectProblem(.conflict, code: "identity.phone-taken", field: "phone")
            let login = try await client.post("/api/v1/citizens/login", json: #"{"phone":"13912345678","password":"Citizen2026"}"#)
            let token = try #require(login.json["token"] as? String)
            #expect(try await client.get("/api/v1/citizens/me", token: token).json["phone"] as? String == "13912345678")
            try await client.get("/api/v1/divisions/411602", token: token).expectProblem(.forbidden, code: "identity.staff-only")
        }
    }

    @Test("a point in Chuanhui locates to 411602", arguments: TestEngine.all)
    func locate(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let token = try await client.token("operator")
            let found = try await client.get("/api/v1/divisions/locate?lon=114.713&lat=33.614", token: token).json
            #expect(found["code"] as? String == "411602")
            try await client.get("/api/v1/divisions/locate?lon=200&lat=33", token: token).expectProblem(.badRequest, code: "request.invalid-query", field: "lon")
            try await client.get("/api/v1/divisions/locate?lon=116.4&lat=39.9", token: token).expectProblem(.notFound, code: "registry.no-division-at-point")
            // The value sent and wrong is named, not the one left out.
            try await client.get("/api/v1/divisions/locate?lat=abc", token: token).expectProblem(.badRequest, code: "request.invalid-query", field: "lat")
            try await client.get("/api/v1/divisions/locate?lat=33", token: token).expectProblem(.badRequest, code: "request.invalid-query", field: "lon")
        }
    }
}

@Suite("When the database is gone")
struct StoreDownTests {
    @Test("/readyz answers 503, /healthz still 200, and an API call gets problem+json rather than a dropped connection", arguments: TestEngine.all)
    func storeDown(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let token = try await client.token("operator")
            await opened.store.close()
            let ready = try await client.get("/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(try await client.get("/healthz").status == .ok)
            let me = try await client.get("/api/v1/me", token: token)
            me.expectProblem(.serviceUnavailable, code: "unavailable")
            #expect(me.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect((me.json["messageZh"] as? String)?.isEmpty == false)
        }
    }

    @Test("a NUL byte in a login, a query or a citizen's name is a 400 naming the field; the audit chain stays intact", arguments: TestEngine.all)
    func controlCharacters(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            try await client.post("/api/v1/auth/login", json: #"{"username":"x\u0000y","password":"p"}"#)
                .expectProblem(.badRequest, code: "request.control-character", field: "username")
            try await client.post("/api/v1/citizens", json: #"{"phone":"13900000001","displayName":"张\u0000三","password":"Citizen2026x"}"#)
                .expectProblem(.badRequest, code: "request.control-character", field: "displayName")
            let token = try await client.token("auditor")
            try await client.get("/api/v1/audit?recordType=a%00b", token: token).expectProblem(.badRequest, code: "request.control-character", field: "recordType")
            try await client.get("/static/home.js%00.html").expectProblem(.badRequest, code: "request.control-character", field: "path")
            let verification = try await opened.platform.audit.verify()
            #expect(verification.isIntact, "\(verification.problems)")
        }
    }

    @Test("a megabyte username is refused like any wrong login and audited in bounded form", arguments: TestEngine.all)
    func hugeUsername(engine: TestEngine) async throws {
        try await Harness.run(engine, maxBodySize: 2 << 20) { client, opened in
            let name = String(repeating: "u", count: 1 << 20)
            try await client.post("/api/v1/auth/login", json: #"{"username":"\#(name)","password":"Whatever123"}"#)
                .expectProblem(.unauthorized, code: "identity.invalid-credentials")
            let entry = try #require(try await opened.platform.audit.entries(limit: 1).first)
            #expect(entry.action == "identity.login" && entry.outcome == "denied")
            #expect(entry.recordID!.count == AuditEntry.limits.recordID)
        }
    }

    @Test("repeated bad tokens from one address are audited once a minute, with a count, not once each", arguments: TestEngine.all)
    func refusalsFolded(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            for _ in 0..<50 {
                try await client.get("/api/v1/me", token: "chs_forged").expectProblem(.unauthorized, code: "identity.unauthenticated")
            }
            let entries = try await opened.platform.audit.entries(limit: 100).filter { $0.action == "identity.credential" }
            #expect(entries.count == 1)
            #expect(entries.first?.outcome == "denied")
        }
    }

    @Test("the login limits answer 429 with Retry-After, and a refused login is audited", arguments: TestEngine.all)
    func retryAfter(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            for _ in 0..<5 {
                try await client.post("/api/v1/auth/login", json: #"{"username":"handler","password":"WrongPass123"}"#)
                    .expectProblem(.unauthorized, code: "identity.invalid-credentials")
            }
            let locked = try await client.post("/api/v1/auth/login", json: #"{"username":"handler","password":"\#(Harness.demoPassword)"}"#)
            locked.expectProblem(.tooManyRequests, code: "identity.account-locked")
            let seconds = Int(locked.headers[.retryAfter] ?? "") ?? 0
            #expect((1...900).contains(seconds))
            // Another account from the same address is not locked.
            _ = try await client.token("operator")
            let denials = try await opened.platform.audit.entries(limit: 20).filter { $0.action == "identity.login" && $0.outcome == "denied" }
            #expect(denials.count == 6)
        }
    }

    @Test("a signed-in caller is served from the cache until logout, which holds at once", arguments: TestEngine.all)
    func cachedSessionEndsAtLogout(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let token = try await client.token("dispatcher")
            #expect(try await client.get("/api/v1/me", token: token).status == .ok)
            #expect(opened.platform.principals.count >= 1)
            let out = try await client.execute(uri: "/api/v1/auth/logout", method: .post, headers: [.authorization: "Bearer \(token)"])
            #expect(out.status == .noContent)
            try await client.get("/api/v1/me", token: token).expectProblem(.unauthorized, code: "identity.unauthenticated")
            // A password change ends the account's cached sessions too.
            let again = try await client.token("dispatcher")
            #expect(try await client.get("/api/v1/me", token: again).status == .ok)
            try await opened.platform.staff.changePassword(of: "dispatcher", to: "Changed2026pass", current: nil, by: .commandLine(user: "test"), origin: .commandLine)
            try await client.get("/api/v1/me", token: again).expectProblem(.unauthorized, code: "identity.unauthenticated")
        }
    }

    @Test("changing one's own password needs the current one, and guessing it is limited like a login", arguments: TestEngine.all)
    func ownPassword(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let token = try await client.token("steward")
            let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            func put(_ json: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/staff/steward/password", method: .put, headers: auth, body: ByteBuffer(string: json))
            }
            try await put(#"{"password":"NewSteward2026"}"#).expectProblem(.badRequest, code: "identity.invalid-field", field: "currentPassword")
            for _ in 0..<5 {
                try await put(#"{"password":"NewSteward2026","currentPassword":"Guess12345678"}"#)
                    .expectProblem(.badRequest, code: "identity.wrong-current-password", field: "currentPassword")
            }
            try await put(#"{"password":"NewSteward2026","currentPassword":"\#(Harness.demoPassword)"}"#)
                .expectProblem(.tooManyRequests, code: "identity.account-locked")
            // A wrong login that happens to carry a stale bearer token is audited once, as a login.
            try await client.post("/api/v1/auth/login", json: #"{"username":"auditor","password":"WrongPass123"}"#, headers: [.authorization: "Bearer chs_stale"])
                .expectProblem(.unauthorized, code: "identity.invalid-credentials")
            let entries = try await opened.platform.audit.entries(limit: 5)
            #expect(entries.first?.action == "identity.login" && entries.first?.recordID == "auditor")
            #expect(!entries.contains { $0.action == "identity.credential" })
        }
    }
}
