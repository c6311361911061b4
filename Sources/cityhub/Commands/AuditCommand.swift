import ArgumentParser
import CityStore

/// `cityhub audit verify`: the hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log.", subcommands: [AuditVerify.self])
}

/// Checks the chain; exit 1 naming each break.
struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the hash chain; exit 1 and name each edited, deleted or reordered row.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let result = try await common.withStore { store in try await AuditLog(store: store).verify() }
        if result.isIntact {
            say("audit log intact: \(result.checked) entries, head \(result.headHash)")
        } else {
            say("audit log TAMPERED: \(result.problems.count) problem(s) in \(result.checked) entries")
            for p in result.problems { say("  \(p)") }
            throw ExitCode(1)
        }
    }
}
