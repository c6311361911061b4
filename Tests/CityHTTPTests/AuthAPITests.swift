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

@Suite("Auth: sign-in, tokens, limits and refusals, on every engine")
struct AuthAPITests {
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

    @Test("citizens: a sign-in is audited, guessing one account's password locks it for that address, registrations are limited per address", arguments: TestEngine.all)
    func citizenLimits(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let login = try await client.post("/api/v1/citizens/login", json: #"{"phone":"13800000000","password":"\#(Harness.demoPassword)"}"#)
            #expect(login.status == .ok)
            let signIns = try await opened.platform.audit.entries(limit: 20).filter { $0.action == "identity.citizen.login" && $0.outcome == "ok" }
            #expect(signIns.count == 1 && signIns.first?.actor.hasPrefix("citizen:") == true)
            for _ in 0..<5 {
                try await client.post("/api/v1/citizens/login", json: #"{"phone":"13800000000","password":"Guessing12345"}"#)
                    .expectProblem(.unauthorized, code: "identity.invalid-credentials")
            }
            let locked = try await client.post("/api/v1/citizens/login", json: #"{"phone":"13800000000","password":"\#(Harness.demoPassword)"}"#)
            locked.expectProblem(.tooManyRequests, code: "identity.account-locked")
            #expect(locked.headers[.retryAfter] != nil)
            // Five registrations an address; the sixth waits (and costs no bcrypt hash).
            for i in 0..<5 {
                let r = try await client.post("/api/v1/citizens", json: #"{"phone":"1391234560\#(i)","displayName":"市民\#(i)","password":"Citizen2026"}"#)
                #expect(r.status == .created)
            }
            let sixth = try await client.post("/api/v1/citizens", json: #"{"phone":"13912345609","displayName":"市民","password":"Citizen2026"}"#)
            sixth.expectProblem(.tooManyRequests, code: "identity.too-many-registrations")
            #expect(sixth.headers[.retryAfter] != nil)
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

@Suite("Login throttle over a real socket")
struct ThrottleLiveTests {
    @Test("after 30 failed logins from one address, even the right password gets a 429 problem")
    func sprayIsStopped() async throws {
        try await Harness.run(.sqlite, setup: .live) { client, _ in
            let users = ["operator", "dispatcher", "handler", "inspector", "auditor", "steward", "huaiyang.handler", "admin"]
            for i in 0..<30 {
                // Four tries per account at most: no account reaches its own lock.
                let r = try await client.post("/api/v1/auth/login", json: #"{"username":"\#(users[i % users.count])","password":"Spray2026pass"}"#)
                #expect(r.status == .unauthorized)
            }
            try await client.post("/api/v1/auth/login", json: #"{"username":"admin","password":"\#(Harness.adminPassword)"}"#)
                .expectProblem(.tooManyRequests, code: "identity.too-many-attempts")
        }
    }
}
