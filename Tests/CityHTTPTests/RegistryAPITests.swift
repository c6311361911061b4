import CityApp
import CityCore
import CityHTTP
import CityStore
import Registry
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

@Suite("Registry: persons over HTTP, on every engine")
struct PersonAPITests {
    static func load(_ opened: OpenedPlatform) async throws {
        let rows = [("411602198506126153", "王建国", "411602", "13800001234"), ("411603199001010025", "王建国", "411603", "13900005678")]
        let records = rows.map { id, name, division, phone in
            PersonSourceRecord(idNumber: ResidentID(id)!, source: .publicSecurity, receivedAt: Date(),
                               values: [.name: name, .divisionCode: division, .phone: phone, .address: "周口市七一路100号"])
        }
        _ = try await opened.platform.persons.load(records, origin: "test.csv", by: .commandLine(user: "test"), audit: .commandLine)
    }

    @Test("masked by default, plain only for a steward stating a purpose, refused with the exact reason, scoped, audited", arguments: TestEngine.all)
    func personReads(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            try await Self.load(opened)
            let handler = try await client.token("handler")
            let masked = try await client.get("/api/v1/registry/persons/411602198506126153", token: handler, headers: [HTTPField.Name("X-Purpose")!: "case 2026-1"])
            #expect(masked.status == .ok)
            #expect(masked.json["idNumber"] as? String == "4116**********6153" && masked.json["phone"] as? String == "138****1234"
                && masked.json["masked"] as? Bool == true && masked.json["name"] as? String == "王建国")
            #expect((masked.json["provenance"] as? [String: Any])?["phone"] != nil)
            try await client.get("/api/v1/registry/persons/411602198506126153?view=plain", token: handler, headers: [HTTPField.Name("X-Purpose")!: "x"])
                .expectProblem(.forbidden, code: "registry.no-grant-for-plain")
            let steward = try await client.token("steward")
            try await client.get("/api/v1/registry/persons/411602198506126153?view=plain", token: steward)
                .expectProblem(.badRequest, code: "registry.purpose-required", field: "X-Purpose")
            let plain = try await client.get("/api/v1/registry/persons/411602198506126153?view=plain", token: steward, headers: [HTTPField.Name("X-Purpose")!: "quality review"])
            #expect(plain.json["idNumber"] as? String == "411602198506126153" && plain.json["phone"] as? String == "13800001234")
            // A bad number is refused with the exact reason; one outside the caller's scope is as unknown as a missing one.
            let bad = try await client.get("/api/v1/registry/persons/411602198506126150", token: handler)
            bad.expectProblem(.badRequest, code: "request.invalid-field", field: "idNumber")
            #expect((bad.json["detail"] as? String ?? "").contains("check character") || (bad.json["title"] as? String ?? "").contains("校验码"))
            let county = try await client.get("/api/v1/registry/persons/411602198506126153", token: try await client.token("huaiyang.handler"))
            county.expectProblem(.notFound, code: "registry.unknown-person")
            let found = try await client.get("/api/v1/registry/persons?name=%E7%8E%8B%E5%BB%BA%E5%9B%BD", token: handler).json
            #expect(found["total"] as? Int == 2)
            let history = try await client.get("/api/v1/registry/persons/411602198506126153/history", token: handler).json
            #expect((history["versions"] as? [[String: Any]])?.count == 1)
            try await client.get("/api/v1/registry/persons/411602198506126153", token: try await client.token("auditor"))
                .expectProblem(.forbidden, code: "identity.forbidden-role")

            let reads = try await opened.platform.audit.entries(recordType: "person", recordID: "411602198506126153")
            #expect(reads.contains { $0.actor == "staff:handler" && $0.purpose == "case 2026-1" && $0.action == "registry.person.read" && $0.detail == "masked" })
            #expect(reads.contains { $0.actor == "staff:steward" && $0.purpose == "quality review" && $0.detail == "plain" })
            #expect(reads.contains { $0.actor == "staff:huaiyang.handler" && $0.outcome == "not-found" })
        }
    }
}

@Suite("Geography over HTTP, on every engine")
struct GeographyAPITests {
    static let cameras = Data("""
        {"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"code":"CAM1","name":"七一路口","kind":"ptz","owner":"411602-PSB","stream":"rtsp://10.0.0.1/1"},"geometry":{"type":"Point","coordinates":[114.6505,33.6205]}},
          {"type":"Feature","properties":{"code":"CAM2","name":"八一路口"},"geometry":{"type":"Point","coordinates":[114.6600,33.6200]}},
          {"type":"Feature","properties":{"code":"CAM3","name":"淮阳"},"geometry":{"type":"Point","coordinates":[114.886,33.732]}}
        ]}
        """.utf8)
    static let grids = Data("""
        {"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"code":"41160200010001","name":"测试网格","worker":"inspector"},
           "geometry":{"type":"Polygon","coordinates":[[[114.65,33.62],[114.651,33.62],[114.651,33.621],[114.65,33.621],[114.65,33.62]]]}}
        ]}
        """.utf8)

    @Test("locate answers division, grid and nearest address; cameras nearest first within scope; bad points named", arguments: TestEngine.all)
    func locateAndCameras(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let geography = opened.platform.geography
            _ = try await geography.importGeoJSON(Self.cameras, kind: .cameras, source: "test", by: .commandLine(user: "test"), origin: .commandLine)
            _ = try await geography.importGeoJSON(Self.grids, kind: .grids, source: "test", by: .commandLine(user: "test"), origin: .commandLine)
            try await geography.load()
            let operator_ = try await client.token("operator")
            let here = try await client.get("/api/v1/geography/locate?lon=114.6505&lat=33.6205", token: operator_).json
            #expect((here["division"] as? [String: Any])?["code"] as? String == "411602")
            #expect((here["grid"] as? [String: Any])?["code"] as? String == "41160200010001" && (here["grid"] as? [String: Any])?["worker"] as? String == "inspector")
            #expect(here["nearestAddress"] is NSNull || here["nearestAddress"] == nil)
            let near = try await client.get("/api/v1/geography/cameras?lon=114.6505&lat=33.6205&count=2", token: operator_).json
            let items = near["items"] as? [[String: Any]] ?? []
            #expect(items.compactMap { $0["code"] as? String } == ["CAM1", "CAM2"] && items.first?["metres"] as? Double == 0)
            #expect(items.first?["streamUrl"] as? String == "rtsp://10.0.0.1/1" && items.first?["kind"] as? String == "ptz")
            // 淮阳区's handler sees 淮阳区's camera only, and may not locate points in 川汇区.
            let county = try await client.token("huaiyang.handler")
            let theirs = try await client.get("/api/v1/geography/cameras?lon=114.6505&lat=33.6205&radius=50000", token: county).json
            #expect((theirs["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } == ["CAM3"])
            try await client.get("/api/v1/geography/locate?lon=114.6505&lat=33.6205", token: county).expectProblem(.forbidden, code: "identity.outside-division-scope")
            try await client.get("/api/v1/geography/grids/41160200010001", token: county).expectProblem(.notFound, code: "registry.unknown-grid")
            let grid = try await client.get("/api/v1/geography/grids/41160200010001", token: operator_).json
            #expect((grid["boundary"] as? [String: Any])?["type"] as? String == "Polygon")
            try await client.get("/api/v1/geography/locate?lon=114.65&lat=91", token: operator_).expectProblem(.badRequest, code: "request.invalid-query", field: "lat")
            try await client.get("/api/v1/geography/cameras?lon=114.65&lat=33.6&count=0", token: operator_).expectProblem(.badRequest, code: "request.invalid-query", field: "count")
            try await client.get("/api/v1/geography/cameras?lon=114.65&lat=33.6&count=2.5", token: operator_).expectProblem(.badRequest, code: "request.invalid-query", field: "count")
            try await client.get("/api/v1/geography/cameras?lon=114.65&lat=33.6&online=yes", token: operator_).expectProblem(.badRequest, code: "request.invalid-query", field: "online")
            try await client.get("/api/v1/geography/locate?lon=116.4&lat=39.9", token: operator_).expectProblem(.notFound, code: "registry.no-division-at-point")
            try await client.get("/api/v1/geography/locate?lon=114.65&lat=33.62").expectProblem(.unauthorized, code: "identity.unauthenticated")
        }
    }
}

@Suite("Legal entities over HTTP, on every engine")
struct EntityAPITests {
    @Test("an entity reads masked, plain with a grant and a purpose, unknown outside scope; a bad code is refused with the exact reason", arguments: TestEngine.all)
    func readEntity(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let record = EntitySourceRecord(creditCode: CreditCode("91411602MA00000011")!, source: .marketRegulation, receivedAt: Date(),
                                            values: [.name: "周口华盛食品有限公司", .legalRepIdNumber: "411602198506126153", .divisionCode: "411602", .status: "active"])
            _ = try await opened.platform.entities.load([record], origin: "test.csv", by: .commandLine(user: "test"), audit: .commandLine)
            let handler = try await client.token("handler")
            let masked = try await client.get("/api/v1/registry/entities/91411602MA00000011", token: handler).json
            #expect(masked["legalRepIdNumber"] as? String == "4116**********6153" && masked["kind"] as? String == "enterprise" && masked["masked"] as? Bool == true)
            let steward = try await client.token("steward")
            let plain = try await client.get("/api/v1/registry/entities/91411602MA00000011?view=plain", token: steward, headers: [HTTPField.Name("X-Purpose")!: "企业核查"]).json
            #expect(plain["legalRepIdNumber"] as? String == "411602198506126153")
            try await client.get("/api/v1/registry/entities/91411602MA00000011?view=plain", token: handler).expectProblem(.forbidden, code: "registry.no-grant-for-plain")
            // A purpose longer than the audit log keeps is refused, not cut.
            try await client.get("/api/v1/registry/entities/91411602MA00000011?view=plain", token: steward,
                                 headers: [HTTPField.Name("X-Purpose")!: String(repeating: "查", count: 201)])
                .expectProblem(.badRequest, code: "request.invalid-header", field: "X-Purpose")
            try await client.get("/api/v1/registry/entities/91411602MA00000012", token: handler)
                .expectProblem(.badRequest, code: "request.invalid-field", field: "creditCode")
            let county = try await client.token("huaiyang.handler")
            try await client.get("/api/v1/registry/entities/91411602MA00000011", token: county).expectProblem(.notFound, code: "registry.unknown-entity")

            // Search by name, prefix and paging; the history of versions.
            let found = try await client.get("/api/v1/registry/entities?name=%E5%91%A8%E5%8F%A3&prefix=true&limit=5", token: handler).json
            let items = found["items"] as? [[String: Any]] ?? []
            #expect(found["total"] as? Int == 1 && items.first?["creditCode"] as? String == "91411602MA00000011" && items.first?["legalRepIdNumber"] as? String == "4116**********6153")
            #expect(try await client.get("/api/v1/registry/entities?name=%E5%91%A8%E5%8F%A3&prefix=true", token: county).json["total"] as? Int == 0)
            try await client.get("/api/v1/registry/entities", token: handler).expectProblem(.badRequest, code: "request.invalid-query", field: "name")
            try await client.get("/api/v1/registry/entities?name=x&division=411602", token: county).expectProblem(.forbidden, code: "identity.outside-division-scope")
            let history = try await client.get("/api/v1/registry/entities/91411602MA00000011/history", token: handler).json
            let versions = history["versions"] as? [[String: Any]] ?? []
            #expect(history["masked"] as? Bool == true && versions.count == 1 && versions[0]["origin"] as? String == "test.csv" && versions[0]["source"] as? String == "market-regulation")
            #expect((versions[0]["values"] as? [String: String])?["legal_rep_id_number"] == "4116**********6153")
            try await client.get("/api/v1/registry/entities/91411602MA00000011/history", token: county).expectProblem(.notFound, code: "registry.unknown-entity")
        }
    }
}

@Suite("Registry quality report over HTTP, on every engine")
struct QualityAPITests {
    @Test("an auditor gets the report; a handler is refused; a bad registry is named", arguments: TestEngine.all)
    func report(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            try await PersonAPITests.load(opened)
            let auditor = try await client.token("auditor")
            let pending = try await client.get("/api/v1/registry/quality?registry=persons", token: auditor)
            #expect(pending.status == .accepted && pending.headers[.retryAfter] == "30" && pending.json["status"] as? String == "building")
            _ = try await opened.platform.quality.build(.persons, scope: .city)
            _ = try await opened.platform.quality.build(.persons, scope: DivisionScope(DivisionCode("411603")!))
            let report = try await client.get("/api/v1/registry/quality?registry=persons", token: auditor).json
            #expect(report["total"] as? Int == 2 && report["division"] as? String == "411600")
            let sources = report["sources"] as? [[String: Any]] ?? []
            #expect(sources.first?["source"] as? String == "public-security" && (sources.first?["completeness"] as? [String: Any])?["phone"] as? Double == 1)
            let county = try await client.get("/api/v1/registry/quality?registry=persons&division=411603", token: auditor).json
            #expect(county["total"] as? Int == 1)
            try await client.get("/api/v1/registry/quality?registry=cars", token: auditor).expectProblem(.badRequest, code: "request.invalid-query", field: "registry")
            try await client.get("/api/v1/registry/quality?registry=persons", token: try await client.token("handler")).expectProblem(.forbidden, code: "identity.forbidden-role")
        }
    }
}
