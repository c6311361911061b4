import CityApp
import CityCore
import CityHTTP
import CityStore
import Crypto
import Registry
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("Exchange over HTTP, on every engine")
struct ExchangeAPITests {
    static func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, body: String, type: String = "application/json") async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: type], body: ByteBuffer(string: body))
    }

    @Test("a department publishes and loads a dataset, another asks and is approved, reads masked rows whose hash the message log holds; refusals are 403s in the audit log, a used-up grant is a 429 with Retry-After",
          arguments: TestEngine.all)
    func datasetLoop(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let admin = try await client.token("admin", Harness.adminPassword)
            let created = try await Self.send(client, .post, "/api/v1/staff", token: admin, body: """
                {"username":"health.steward","displayName":"钱芳","organisationCode":"411600-HEALTH","roles":["dataSteward"],"password":"\(Harness.demoPassword)"}
                """)
            #expect(created.status == .created, "\(created.text)")
            let provider = try await client.token("health.steward")
            let consumer = try await client.token("steward")

            // The registries, the licence library and the cases are in the catalogue by themselves.
            let builtIn = try await client.get("/api/v1/exchange/resources?kind=registry", token: consumer).json["items"] as? [[String: Any]] ?? []
            #expect(Set(builtIn.compactMap { $0["shortCode"] as? String }) == ["persons", "entities", "geography", "licences"])
            #expect(try await client.get("/api/v1/exchange/resources/cases", token: consumer).json["code"] as? String == "411600-CMD.C001")

            let published = try await Self.send(client, .post, "/api/v1/exchange/resources", token: provider, body: """
                {"shortCode":"clinics","name":"医疗机构执业登记","summary":"全市医疗机构","keyField":"licenceNo","divisionField":"divisionCode",
                 "sharing":"conditional","sharingBasis":"《医疗机构管理条例》第四十条",
                 "fields":[{"name":"licenceNo","title":"许可证号","type":"string","sensitivity":"public","required":true},
                           {"name":"name","title":"名称","type":"string","sensitivity":"public","required":true},
                           {"name":"divisionCode","title":"区划","type":"divisionCode","sensitivity":"public","required":true},
                           {"name":"doctorPhone","title":"负责人电话","type":"phone","sensitivity":"personal"}]}
                """)
            #expect(published.status == .created, "\(published.text)")
            #expect(published.json["code"] as? String == "411600-HEALTH.0001")
            let csv = "licenceNo,name,divisionCode,doctorPhone\nA-1,川汇区人民医院,411602,13800001234\nA-2,淮阳区中医院,411603,13900005678\nA-3,,411602,\n"
            let loaded = try await Self.send(client, .post, "/api/v1/exchange/resources/clinics/rows", token: provider, body: csv, type: "text/csv")
            #expect(loaded.status == .ok && loaded.json["created"] as? Int == 2, "\(loaded.text)")
            #expect((loaded.json["rejected"] as? [[String: Any]])?.first?["line"] as? Int == 4)
            try await Self.send(client, .post, "/api/v1/exchange/resources/clinics/rows", token: consumer, body: csv, type: "text/csv")
                .expectProblem(.forbidden, code: "exchange.not-provider")
            try await Self.send(client, .post, "/api/v1/exchange/resources/clinics/rows", token: provider, body: csv, type: "text/plain")
                .expectProblem(.unsupportedMediaType, code: "request.unsupported-media-type")

            let asked = try await Self.send(client, .post, "/api/v1/exchange/requests", token: consumer, body: #"{"resource":"clinics","purpose":"核对辖区医疗机构","days":30}"#)
            #expect(asked.status == .created && asked.json["state"] as? String == "pending", "\(asked.text)")
            let requestID = try #require(asked.json["id"] as? Int)
            try await client.get("/api/v1/exchange/resources/clinics/rows", token: consumer).expectProblem(.forbidden, code: "exchange.no-grant")
            let refusals = try await opened.platform.audit.entries(limit: 10).filter { $0.outcome == "denied" && $0.actor == "staff:steward" }
            #expect(refusals.contains { $0.detail == "exchange.no-grant" })

            let pending = try await client.get("/api/v1/exchange/requests?pending=true", token: provider).json["items"] as? [[String: Any]] ?? []
            #expect(pending.compactMap { $0["id"] as? Int } == [requestID])
            let approved = try await Self.send(client, .post, "/api/v1/exchange/requests/\(requestID)/decision", token: provider, body: #"{"approve":true,"ratePerMinute":2}"#)
            #expect(approved.status == .ok && approved.json["state"] as? String == "granted", "\(approved.text)")

            let rows = try await client.get("/api/v1/exchange/resources/clinics/rows?fields=licenceNo,doctorPhone&filter=divisionCode:411602", token: consumer)
            #expect(rows.status == .ok, "\(rows.text)")
            let digest = SHA256.hash(data: Data(buffer: rows.body)).map { String(format: "%02x", $0) }.joined()
            #expect(rows.headers[.init("X-Message-SHA256")!] == digest)
            let items = rows.json["rows"] as? [[String: Any]] ?? []
            #expect(items.count == 1 && items.first?["doctorPhone"] as? String == "138****1234" && rows.json["masked"] as? Bool == true)
            let logged = try await opened.platform.audit.entries(recordType: "grant", limit: 5).first { $0.action == "exchange.query" }
            #expect(logged?.detail?.contains(digest) == true && logged?.actor == "staff:steward")

            _ = try await client.get("/api/v1/exchange/resources/clinics/rows", token: consumer)
            let limited = try await client.get("/api/v1/exchange/resources/clinics/rows", token: consumer)
            limited.expectProblem(.tooManyRequests, code: "exchange.rate-limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)

            let stats = try await client.get("/api/v1/exchange/resources/clinics", token: provider).json["statistics"] as? [String: Any]
            #expect(stats?["calls"] as? Int == 2 && stats?["consumers"] as? Int == 1)
            let grantID = try #require(approved.json["grantId"] as? Int)
            let revoked = try await Self.send(client, .post, "/api/v1/exchange/grants/\(grantID)/revoke", token: provider, body: #"{"reason":"核对结束"}"#)
            #expect(revoked.status == .ok && revoked.json["revokedAt"] != nil)
            try await client.get("/api/v1/exchange/resources/clinics/rows", token: consumer).expectProblem(.forbidden, code: "exchange.no-grant")
            #expect(try await opened.platform.audit.verify().isIntact)
        }
    }

    @Test("the registries are ordinary resources: the bureau's own steward is granted at once and reads persons masked; secret fields are never asked for", arguments: TestEngine.all)
    func registryResource(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            try await PersonAPITests.load(opened)
            let consumer = try await client.token("steward")
            let asked = try await Self.send(client, .post, "/api/v1/exchange/requests", token: consumer,
                                         body: #"{"resource":"persons","purpose":"核对居民信息","fields":["idNumber","name","divisionCode"],"days":7}"#)
            // The big-data bureau runs the registry: its own steward's request is granted at once, as an ordinary grant.
            #expect(asked.json["state"] as? String == "granted")
            try await Self.send(client, .post, "/api/v1/exchange/requests", token: consumer, body: #"{"resource":"geography","purpose":"查看视频点位","fields":["streamUrl"],"days":7}"#)
                .expectProblem(.badRequest, code: "exchange.secret-field", field: "fields")
            let all = try await client.get("/api/v1/exchange/grants?resource=411600-BDB.R001", token: consumer).json["items"] as? [[String: Any]] ?? []
            // The bureau provides persons: it sees the grants it gave the county bureaus too.
            #expect(all.filter { $0["consumerCode"] as? String != "411600-BDB" }.count == 10)
            let grants = all.filter { $0["consumerCode"] as? String == "411600-BDB" }
            // Its standing grant (plain, written by the seed) and the one just asked for (masked, granted by the platform at once).
            #expect(grants.count == 2 && grants.contains { $0["grantedBy"] as? String == "system" && $0["plain"] as? Bool == false }
                    && grants.contains { ($0["grantedBy"] as? String)?.hasPrefix("cli:") == true && $0["plain"] as? Bool == true })
            // The standing grant is what plain reads through the registry's own API rest on: revoked, they end.
            let plainRead = "/api/v1/registry/persons/411602198506126153?view=plain"
            #expect(try await client.get(plainRead, token: consumer, headers: [.init("X-Purpose")!: "核对"]).json["name"] as? String == "王建国")
            let standing = try #require(grants.first { $0["plain"] as? Bool == true }?["id"] as? Int)
            let admin = try await client.token("admin", Harness.adminPassword)
            #expect(try await Self.send(client, .post, "/api/v1/exchange/grants/\(standing)/revoke", token: admin, body: #"{"reason":"测试吊销"}"#).status == .ok)
            try await client.get(plainRead, token: consumer, headers: [.init("X-Purpose")!: "核对"]).expectProblem(.forbidden, code: "registry.no-grant-for-plain")
            let rows = try await client.get("/api/v1/exchange/resources/persons/rows", token: consumer)
            let items = rows.json["rows"] as? [[String: Any]] ?? []
            #expect(items.count == 2 && items.allSatisfy { ($0["idNumber"] as? String)?.contains("**********") == true } && items.first?["name"] as? String == "王**",
                    "\(rows.text)")
        }
    }

    @Test("open data: the DCAT-AP catalogue lists only open resources; a download carries their public fields only, for anyone", arguments: TestEngine.all)
    func openData(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let record = EntitySourceRecord(creditCode: CreditCode("91411602MA00000011")!, source: .marketRegulation, receivedAt: Date(),
                                            values: [.name: "周口华盛食品有限公司", .legalRepIdNumber: "411602198506126153", .divisionCode: "411602", .status: "active"])
            _ = try await opened.platform.entities.load([record], origin: "test.csv", by: .commandLine(user: "test"), audit: .commandLine)
            let catalogue = try await client.get("/opendata/catalog.jsonld")
            #expect(catalogue.status == .ok && catalogue.headers[.contentType]?.hasPrefix("application/ld+json") == true)
            let graph = catalogue.json["@graph"] as? [[String: Any]] ?? []
            let datasets = graph.filter { $0["@type"] as? String == "dcat:Dataset" }
            #expect(datasets.compactMap { ($0["dct:identifier"] as? [String: Any])?["@value"] as? String } == ["411600-BDB.R002"])
            #expect(graph.filter { $0["@type"] as? String == "dcat:Distribution" }.count == 2)
            let csv = try await client.get("/opendata/datasets/411600-BDB.R002.csv")
            #expect(csv.status == .ok)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.first == "creditCode,name,kind,address,divisionCode,status,statusDate,businessScope" && lines.count == 2 && !csv.text.contains("411602198506126153"))
            let json = try await client.get("/opendata/datasets/entities.json").json
            #expect((json["rows"] as? [[String: Any]])?.first?["name"] as? String == "周口华盛食品有限公司")
            try await client.get("/opendata/datasets/persons.csv").expectProblem(.notFound, code: "exchange.unknown-resource")
        }
    }
}
