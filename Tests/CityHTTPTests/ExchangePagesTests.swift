import CityApp
import CityCore
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The exchange in the workbench, driven as a browser drives it.
@Suite("The exchange pages (/desk/exchange) on every engine")
struct ExchangePagesTests {
    typealias Desk = DeskTests

    @Test("a consumer's steward finds a resource and asks for it; the provider's steward approves on the sharing page; the consumer revokes; forms without their token change nothing",
          arguments: TestEngine.all)
    func requestApproveRevoke(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, _ in
            let admin = try await client.token("admin", Harness.adminPassword)
            _ = try await ExchangeAPITests.send(client, .post, "/api/v1/staff", token: admin, body: """
                {"username":"health.steward","displayName":"钱芳","organisationCode":"411600-HEALTH","roles":["dataSteward"],"password":"\(Harness.demoPassword)"}
                """)
            let provider = try await client.token("health.steward")
            let published = try await ExchangeAPITests.send(client, .post, "/api/v1/exchange/resources", token: provider, body: """
                {"shortCode":"clinics","name":"医疗机构执业登记","summary":"全市医疗机构","keyField":"licenceNo","sharing":"conditional","sharingBasis":"《医疗机构管理条例》",
                 "fields":[{"name":"licenceNo","title":"许可证号","type":"string","sensitivity":"public","required":true},
                           {"name":"note","title":"监督记录","type":"string","sensitivity":"secret"}]}
                """)
            #expect(published.status == .created)

            let consumer = try await Desk.signIn(client, "steward")
            let catalogue = try await client.execute(uri: "/desk/exchange?q=医疗", method: .get, headers: [.cookie: consumer])
            #expect(catalogue.status == .ok && catalogue.text.contains("411600-HEALTH.0001") && !catalogue.text.contains("411600-BDB.R001"))
            let page = try await client.execute(uri: "/desk/exchange/resources/clinics", method: .get, headers: [.cookie: consumer])
            #expect(page.status == .ok && page.text.contains("id=\"request-form\"") && page.text.contains("f_licenceNo") && !page.text.contains("f_note"))
            let csrf = try #require(Desk.token(in: page.text))
            let noPurpose = try await Desk.post(client, "/desk/exchange/resources/clinics/request", cookie: consumer, fields: [("csrf", csrf), ("f_licenceNo", "on"), ("days", "30")])
            #expect(noPurpose.status == .badRequest && noPurpose.text.contains("page-error"))
            let forged = try await Desk.post(client, "/desk/exchange/resources/clinics/request", cookie: consumer,
                                             fields: [("f_licenceNo", "on"), ("days", "30"), ("purpose", "核对医疗机构")])
            #expect(forged.status == .forbidden)
            let asked = try await Desk.post(client, "/desk/exchange/resources/clinics/request", cookie: consumer,
                                            fields: [("csrf", csrf), ("f_licenceNo", "on"), ("days", "30"), ("purpose", "核对辖区医疗机构")])
            #expect(asked.status == .seeOther && asked.headers[.location] == "/desk/exchange/sharing?done=pending")

            let pending = try await client.get("/api/v1/exchange/requests?pending=true", token: provider).json["items"] as? [[String: Any]] ?? []
            let id = try #require(pending.first?["id"] as? Int)
            let providerCookie = try await Desk.signIn(client, "health.steward")
            let sharing = try await client.execute(uri: "/desk/exchange/sharing", method: .get, headers: [.cookie: providerCookie])
            #expect(sharing.status == .ok && sharing.text.contains("id=\"approve-\(id)\""))
            let providerToken = try #require(Desk.token(in: sharing.text))
            let approved = try await Desk.post(client, "/desk/exchange/requests/\(id)/decision", cookie: providerCookie,
                                               fields: [("csrf", providerToken), ("decision", "approve"), ("days", "10")])
            #expect(approved.status == .seeOther && approved.headers[.location] == "/desk/exchange/sharing?done=granted")
            let again = try await Desk.post(client, "/desk/exchange/requests/\(id)/decision", cookie: providerCookie,
                                            fields: [("csrf", providerToken), ("decision", "refuse"), ("reason", "晚了")])
            #expect(again.status == .conflict && again.text.contains("page-error"))

            let grant = try #require(try await client.get("/api/v1/exchange/requests/\(id)", token: provider).json["grantId"] as? Int)
            let mine = try await client.execute(uri: "/desk/exchange/sharing", method: .get, headers: [.cookie: consumer])
            #expect(mine.text.contains("id=\"revoke-\(grant)\"") && mine.text.contains("已授权"))
            let revoked = try await Desk.post(client, "/desk/exchange/grants/\(grant)/revoke", cookie: consumer, fields: [("csrf", csrf), ("reason", "不再需要")])
            #expect(revoked.status == .seeOther && revoked.headers[.location] == "/desk/exchange/sharing?done=revoked")
            let after = try await client.execute(uri: "/desk/exchange/sharing", method: .get, headers: [.cookie: consumer])
            #expect(after.text.contains("已吊销：不再需要") && !after.text.contains("id=\"revoke-\(grant)\""))

            // A handler (no steward) browses the catalogue but sees no request form.
            let handler = try await Desk.signIn(client, "handler")
            let browse = try await client.execute(uri: "/desk/exchange/resources/persons", method: .get, headers: [.cookie: handler])
            #expect(browse.status == .ok && !browse.text.contains("request-form"))
            #expect(try await client.execute(uri: "/desk/exchange/resources/nope", method: .get, headers: [.cookie: handler]).status == .notFound)
        }
    }
}
