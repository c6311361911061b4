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

@Suite("Identity: organisations, staff, API keys, on every engine")
struct IdentityAPITests {
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
}
