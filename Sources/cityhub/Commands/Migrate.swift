import ArgumentParser
import CityApp
import CityStore

/// `cityhub migrate`: apply pending migrations and exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let applied = try await common.withStore { store in try await store.migrate(allMigrations) }
        say("Applied \(applied.count) migration(s).")
        for m in applied { say("  \(m.module)#\(m.number) \(m.name)") }
    }
}
