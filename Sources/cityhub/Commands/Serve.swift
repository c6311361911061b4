import ArgumentParser
import CityApp
import CityStore
import Foundation
import Hummingbird

/// `cityhub serve`: the platform, migrated, seeded with demo data on first start.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the platform (migrates, and seeds demo data on first start).")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(name: .long, help: "Port (default 8080).") var port: Int?

    func run() async throws {
        var extra: [String: String] = [:]
        if let host { extra["http.host"] = host }
        if let port { extra["http.port"] = String(port) }
        let config = try common.configuration(extra)
        let logger = common.logger(config)
        try await withPlatform(config, logger: logger) { opened in
            if let seed = opened.seed { printSeed(seed) }
            let day = ISO8601DateFormatter().string(from: Date()).prefix(10)
            try await opened.platform.jobs.enqueue(NewJob(kind: "identity.purge-sessions", dedupeKey: "purge-sessions-\(day)"))
            let url = "http://\(config.host):\(config.port)"
            let app = buildApplication(opened, config: config) { _ in
                say("CityHub is running at \(url)  (store: \((try? StoreLocation(config.databaseURL).description) ?? "?"))")
                say("周口城市大脑已启动：\(url)   Ctrl-C 停止 / to stop")
                say("Pages: workbench \(url)/desk · wall display \(url)/screen · citizen portal \(url)/my（工作台 / 指挥大屏 / 市民端）")
                say("Citizens' sign-in codes appear in this log: demo mode, no SMS gateway（市民登录验证码在本日志中显示）")
            }
            // Returns once every in-flight request has finished: the store closes after it.
            try await app.runService()
        }
        logger.info("stopped cleanly")
    }
}

/// Prints what a seed run did, with the one-time passwords of the accounts it created.
func printSeed(_ seed: ReferenceData.Report) {
    say("Seeded reference data: \(seed.divisions) divisions, \(seed.organisations) organisations.")
    if seed.grids + seed.cameras + seed.persons > 0 {
        say("Demo data (marked demo; replace with `cityhub import geography|persons`): \(seed.grids) grid cells, \(seed.addresses) addresses, "
            + "\(seed.cameras) camera sites, \(seed.persons) residents, \(seed.entities) legal entities, \(seed.cases) generated cases of the last 30 days.")
    }
    guard !seed.created.isEmpty else { return }
    say("")
    say("Accounts created (passwords are shown this once; 密码仅显示这一次):")
    for c in seed.created {
        let roles = c.roles.isEmpty ? "citizen" : c.roles.map(\.rawValue).joined(separator: ",")
        say("  \(c.username.padding(toLength: 18, withPad: " ", startingAt: 0)) \(c.password.padding(toLength: 20, withPad: " ", startingAt: 0)) \(roles) @ \(c.organisationCode)")
    }
    say("")
}
