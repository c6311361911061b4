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

@Suite("Registry: divisions within scope, on every engine")
struct RegistryAPITests {
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
