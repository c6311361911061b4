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

@Suite("Audit: reading and verifying the log, on every engine")
struct AuditAPITests {
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
}
