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

@Suite("System: health, readiness, metrics, and a database that is gone")
struct SystemAPITests {
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
}
