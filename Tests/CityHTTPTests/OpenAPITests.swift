import CityApp
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing


@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("every route the router serves is in the document, and every documented path is routed")
    func coversRoutes() async throws {
        try await TestStores.withDatabaseURL(.sqlite) { url in
            let routed = try await withPlatform(Harness.configuration(url: url), logger: Harness.logger) { opened in
                Set(buildRouter(platform: opened.platform, domains: opened.domains).routes.map { "\($0.method.rawValue.lowercased()) \($0.path.description)" })
            }
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
