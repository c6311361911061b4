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
    /// A form posted by our own page: browsers send `Origin` with every POST.
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: "http://localhost"]

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
            let signedIn = try await client.execute(uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: form))
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
            let response = try await client.execute(uri: "/login", method: .post, headers: Self.form,
                                                    body: ByteBuffer(string: "username=admin&password=wrong"))
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("用户名或密码错误") && response.text.contains("Wrong username or password"))
            #expect(response.headers[.setCookie] == nil)
        }
    }

    @Test("a cookie-authenticated change from another origin is refused; logging out ends the session", arguments: TestEngine.all)
    func crossOriginAndLogout(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let signedIn = try await client.execute(uri: "/login", method: .post, headers: Self.form,
                                                    body: ByteBuffer(string: "username=admin&password=\(Harness.adminPassword)"))
            let cookie = try #require(Self.cookie(from: signedIn))
            let forged = try await client.post("/api/v1/apikeys", json: #"{"name":"evil","organisationCode":"411600-BDB"}"#,
                                               headers: [.cookie: cookie, .origin: "https://evil.example"])
            forged.expectProblem(.unauthorized, code: "identity.unauthenticated")
            // A change carrying the cookie but naming no origin at all is not taken as ours either.
            try await client.post("/api/v1/apikeys", json: #"{"name":"quiet","organisationCode":"411600-BDB"}"#, headers: [.cookie: cookie])
                .expectProblem(.unauthorized, code: "identity.unauthenticated")
            var headers = Self.form
            headers[.cookie] = cookie
            let out = try await client.execute(uri: "/logout", method: .post, headers: headers)
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.get("/api/v1/me", headers: [.cookie: cookie]).status == .unauthorized)
        }
    }
}

extension WebTests {
    @Test("login CSRF: a sign-in form posted from another site, or naming no origin, signs nobody in", arguments: TestEngine.all)
    func loginCSRF(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let form = ByteBuffer(string: "username=admin&password=\(Harness.adminPassword)")
            let foreign = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"], body: form)
            #expect(foreign.status == .forbidden && foreign.headers[.setCookie] == nil)
            let unnamed = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: form)
            #expect(unnamed.status == .forbidden && unnamed.headers[.setCookie] == nil)
            // A page of ours that sends only Referer (an old browser) still signs in.
            let referred = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .referer: "http://localhost/login"], body: form)
            #expect(referred.status == .seeOther && referred.headers[.setCookie] != nil)
        }
    }

    @Test("a citizen's phone number at the staff sign-in is told where citizens sign in", arguments: TestEngine.all)
    func citizenAtStaffSignIn(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let page = try await client.execute(uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "username=13800000000&password=x"))
            #expect(page.status == .unauthorized)
            #expect(page.text.contains("市民") && page.text.contains("/api/v1/citizens/login"))
        }
    }

    @Test("a browser asking for a page that does not exist gets an HTML 404; API clients get problem+json; HEAD works where GET does", arguments: [TestEngine.sqlite])
    func notFoundAndHead(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let page = try await client.get("/no/such/page", headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(page.status == .notFound && page.headers[.contentType]?.hasPrefix("text/html") == true && page.text.contains("页面不存在"))
            try await client.get("/no/such/page").expectProblem(.notFound, code: "request.route-not-found")
            let icon = try await client.get("/favicon.ico")
            #expect(icon.status == .ok && icon.headers[.contentType] == "image/svg+xml" && icon.text.hasPrefix("<svg"))
            let head = try await client.execute(uri: "/healthz", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            let token = try await client.token("operator")
            let headMe = try await client.execute(uri: "/api/v1/me", method: .head, headers: [.authorization: "Bearer \(token)"])
            #expect(headMe.status == .ok && headMe.body.readableBytes == 0 && headMe.headers[.contentType]?.hasPrefix("application/json") == true)
            let refused = try await client.execute(uri: "/api/v1/me", method: .head)
            #expect(refused.status == .unauthorized && refused.body.readableBytes == 0)
        }
    }
}
