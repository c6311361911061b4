import CityApp
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("Web sign-in with a session cookie, on every engine")
struct WebTests {
    static func cookie(from response: TestResponse) -> String? {
        response.headers[.setCookie]?.split(separator: ";").first.map(String.init)
    }

    @Test("signing in sets a Secure, HttpOnly, SameSite=Lax cookie that opens the workbench and the API", arguments: TestEngine.all)
    func signIn(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let home = try await client.get("/")
            #expect(home.status == .seeOther && home.headers[.location] == "/login")
            let page = try await client.get("/login")
            #expect(page.status == .ok && page.text.contains("登录"))
            let form = "username=huaiyang.handler&password=\(Harness.demoPassword)"
            let signedIn = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form))
            #expect(signedIn.status == .seeOther)
            let setCookie = try #require(signedIn.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Lax"))
            let cookie = try #require(Self.cookie(from: signedIn))
            let workbench = try await client.get("/", headers: [.cookie: cookie])
            #expect(workbench.status == .ok)
            #expect(workbench.text.contains("淮阳区") && workbench.text.contains("huaiyang.handler") && workbench.text.contains("数据来源：天地图"))
            #expect(workbench.headers[.contentSecurityPolicy] != nil)
            let me = try await client.get("/api/v1/me", headers: [.cookie: cookie])
            #expect(me.json["id"] as? String == "huaiyang.handler")
        }
    }

    @Test("a wrong password shows the form again with the message in Chinese and English, status 401", arguments: TestEngine.all)
    func wrongPassword(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let response = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "username=admin&password=wrong"))
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("用户名或密码错误") && response.text.contains("Wrong username or password"))
            #expect(response.headers[.setCookie] == nil)
        }
    }

    @Test("a cookie-authenticated change from another origin is refused; logging out ends the session", arguments: TestEngine.all)
    func crossOriginAndLogout(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let signedIn = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "username=admin&password=\(Harness.adminPassword)"))
            let cookie = try #require(Self.cookie(from: signedIn))
            let forged = try await client.post("/api/v1/apikeys", json: #"{"name":"evil","organisationCode":"411600-BDB"}"#,
                                               headers: [.cookie: cookie, .origin: "https://evil.example"])
            forged.expectProblem(.unauthorized, code: "identity.unauthenticated")
            let out = try await client.execute(uri: "/logout", method: .post, headers: [.cookie: cookie])
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.get("/api/v1/me", headers: [.cookie: cookie]).status == .unauthorized)
        }
    }
}

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("every route the router serves is in the document, and every documented path is routed")
    func coversRoutes() async throws {
        try await TestStores.withDatabaseURL(.sqlite) { url in
            let opened = try await openPlatform(Harness.configuration(url: url), logger: Harness.logger)
            let router = buildRouter(platform: opened.platform)
            await opened.store.close()
            let routed = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \($0.path.description)" })
            let document = try #require(try JSONSerialization.jsonObject(with: openAPIDocument()) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
            #expect(routed == documented, "undocumented: \(routed.subtracting(documented).sorted()); unrouted: \(documented.subtracting(routed).sorted())")
        }
    }
}

extension OpenAPITests {
    static let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("openapi.snapshot.json")

    @Test("every /api route documents 401, 403 and 503 where they can happen")
    func errorResponses() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: openAPIDocument()) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        for (path, operations) in paths where path.hasPrefix("/api/") && path != "/api/v1/openapi.json" {
            for (method, operation) in operations {
                let responses = try #require(operation["responses"] as? [String: Any])
                let secured = (operation["security"] as? [Any])?.isEmpty == false
                #expect(responses["503"] != nil, "\(method) \(path) lacks 503")
                if secured {
                    #expect(responses["401"] != nil, "\(method) \(path) lacks 401")
                    #expect(responses["403"] != nil, "\(method) \(path) lacks 403")
                }
            }
        }
    }

    /// A change to the API shows in review: the served document must equal the committed snapshot.
    /// After an intended change, `CITYHUB_UPDATE_SNAPSHOT=1 swift test --filter OpenAPITests` rewrites it.
    @Test("the served document equals the committed snapshot")
    func snapshotMatches() throws {
        let current = openAPIDocument()
        if ProcessInfo.processInfo.environment["CITYHUB_UPDATE_SNAPSHOT"] == "1" {
            try current.write(to: Self.snapshot)
        }
        let committed = try Data(contentsOf: Self.snapshot)
        #expect(String(decoding: current, as: UTF8.self) == String(decoding: committed, as: UTF8.self),
                "the API document changed: review it and update the snapshot (CITYHUB_UPDATE_SNAPSHOT=1)")
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
