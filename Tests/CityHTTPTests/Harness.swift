import CityApp
import CityCore
import CityHTTP
import CityStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

/// The whole platform on a fresh database of one engine, driven through the real router.
enum Harness {
    static let adminPassword = "Admin2026pass"
    static let demoPassword = "Demo2026pass"

    /// A test configuration on the database at `url`: cheap bcrypt, known passwords, no job runner.
    static func configuration(url: String, maxBodySize: Int = 64 * 1024) -> CityConfiguration {
        var config = CityConfiguration()
        config.databaseURL = url
        config.bcryptCost = 4
        config.adminPassword = adminPassword
        config.demoPassword = demoPassword
        config.runJobs = false
        // Tests that deliver webhooks run a deliverer of their own.
        config.deliverWebhooks = false
        // The demo's grid, cameras and residents are seeded where a test asks for them.
        config.seedDemoData = false
        config.maxBodySize = maxBodySize
        config.port = 0
        config.dbLeaseTimeout = 30
        // The checkpoint key and file of each test's own, never in the working directory.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-audit-\(UUID().uuidString)")
        config.auditKeyFile = folder.appendingPathComponent("audit-checkpoint.key").path
        config.licencesKeyFile = folder.appendingPathComponent("licences-kek.key").path
        return config
    }

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// Runs `body` against the application: through the router (`.router`) or a real socket (`.live`).
    static func run(_ engine: TestEngine, maxBodySize: Int = 64 * 1024, setup: TestingSetup = .router, allowPrivateReceivers: Bool = false,
                    configure: @Sendable (inout CityConfiguration) -> Void = { _ in },
                    _ body: @escaping @Sendable (any TestClientProtocol, OpenedPlatform) async throws -> Void) async throws {
        try await TestStores.withDatabaseURL(engine) { url in
            var config = configuration(url: url, maxBodySize: maxBodySize)
            config.allowPrivateReceivers = allowPrivateReceivers
            configure(&config)
            try await withPlatform(config, logger: logger) { opened in
                let app = buildApplication(opened, config: config)
                try await app.test(setup) { client in try await body(client, opened) }
            }
        }
    }
}

extension TestClientProtocol {
    /// Logs in through the API and returns the bearer token.
    func token(_ username: String, _ password: String = Harness.demoPassword) async throws -> String {
        let response = try await post("/api/v1/auth/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        #expect(response.status == .ok, "login of \(username) failed: \(String(buffer: response.body))")
        return try #require(response.json["token"] as? String)
    }

    func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all: HTTPFields = [.contentType: "application/json"]
        all.append(contentsOf: headers)
        return try await execute(uri: uri, method: .post, headers: all, body: ByteBuffer(string: json))
    }

    func get(_ uri: String, token: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all = headers
        if let token { all[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: all)
    }
}

extension TestResponse {
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }

    /// Checks this is RFC 9457 problem+json with both messages and the given status and code.
    func expectProblem(_ status: HTTPResponse.Status, code: String, field: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == status, "\(text)", sourceLocation: sourceLocation)
        #expect(headers[.contentType]?.hasPrefix("application/problem+json") == true, sourceLocation: sourceLocation)
        let body = json
        #expect(body["code"] as? String == code, "\(text)", sourceLocation: sourceLocation)
        #expect(body["status"] as? Int == status.code, sourceLocation: sourceLocation)
        #expect((body["messageZh"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((body["messageEn"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(body["type"] as? String == "urn:cityhub:problem:\(code)", sourceLocation: sourceLocation)
        if let field { #expect(body["field"] as? String == field, "\(text)", sourceLocation: sourceLocation) }
    }
}
