import CityApp
import CityStore
import Foundation
import Logging
import Testing

@Suite("Configuration layers")
struct ConfigurationTests {
    @Test("defaults are safe for a laptop: SQLite in ./data, 127.0.0.1:8080, bcrypt cost 10")
    func defaults() throws {
        let config = try CityConfiguration.load(environment: [:])
        #expect(config.host == "127.0.0.1" && config.port == 8080)
        #expect(config.databaseURL == "data/cityhub.sqlite")
        #expect(config.bcryptCost == 10)
    }

    @Test("a file overrides defaults, the environment overrides the file, flags override the environment")
    func layers() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-\(UUID().uuidString).json")
        try Data(#"{"http.port": 9000, "db.url": "file.sqlite", "identity.bcryptCost": 11}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try CityConfiguration.load(
            file: file.path,
            environment: ["CITYHUB_HTTP_PORT": "9001", "CITYHUB_DATABASE_URL": "postgres://u@127.0.0.1/db", "CITYHUB_ADMIN_PASSWORD": "FromEnv2026"],
            overrides: ["http.port": "9002"])
        #expect(config.port == 9002)
        #expect(config.databaseURL == "postgres://u@127.0.0.1/db")
        #expect(config.bcryptCost == 11)
        #expect(config.adminPassword == "FromEnv2026")
    }

    @Test("unknown keys and bad values are refused with the key named")
    func refusals() {
        #expect(throws: ConfigurationError.unknownKey("http.prot")) { try CityConfiguration.load(environment: [:], overrides: ["http.prot": "1"]) }
        #expect(throws: ConfigurationError.invalid(key: "http.port", value: "eighty")) {
            try CityConfiguration.load(environment: ["CITYHUB_HTTP_PORT": "eighty"])
        }
        #expect(throws: StoreError.badLocation("mysql://x")) { try CityConfiguration.load(environment: ["CITYHUB_DATABASE_URL": "mysql://x"]) }
    }
}

@Suite("JSON logs")
struct JSONLogTests {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var items: [String] = []
        func add(_ s: String) { lock.withLock { items.append(s) } }
    }

    @Test("each log line is one JSON object with the message, level and request id as fields")
    func oneObjectPerLine() throws {
        let lines = Lines()
        var logger = Logger(label: "cityhub") { JSONLogHandler(label: $0, write: { lines.add($0) }) }
        logger[metadataKey: "hb.request.id"] = "abc123"
        logger.info("request", metadata: ["status": "200", "path": "/healthz"])
        let line = try #require(lines.items.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "request")
        #expect(object["level"] as? String == "info")
        #expect(object["requestId"] as? String == "abc123")
        #expect(object["status"] as? String == "200")
        #expect(!line.contains("\n"))
    }
}

@Suite("Text logs")
struct TextLogTests {
    @Test("a text line carries the metadata set before it, formatted only when written")
    func line() {
        let lines = JSONLogTests.Lines()
        var logger = Logger(label: "cityhub") { TextLogHandler(label: $0, write: { lines.add($0) }) }
        logger[metadataKey: "hb.request.id"] = "r-1"
        logger.logLevel = .info
        logger.debug("not written")
        logger.info("request", metadata: ["status": "200"])
        #expect(lines.items.count == 1)
        let line = lines.items.first ?? ""
        #expect(line.contains(" info cityhub: hb.request.id=r-1 status=200 ") && line.hasSuffix("request\n"))
    }
}
