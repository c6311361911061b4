// The `cityhub` executable: only the command-line commands, one file each under Commands/.
// Everything they do lives in CityApp and the modules.
import ArgumentParser
import CityApp
import Foundation
import Logging

@main
struct CityHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cityhub",
        abstract: "CityHub: the city's data foundation, command center and applications on one platform.",
        subcommands: [Serve.self, Migrate.self, Seed.self, ImportCommand.self, APIKeyCommand.self, AuditCommand.self, StaffCommand.self, Generate.self,
                      SealCommand.self, LicenceCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Writes a line to standard output at once (unbuffered), so the URL and the one-time passwords
/// appear even when the output is piped to a file.
func say(_ text: String = "") {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// The logging system can be bootstrapped once per process.
enum LogSetup {
    /// Lazily initialised exactly once, however many commands ask.
    private static let bootstrapJSON: Bool = {
        LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        return true
    }()
    private static let bootstrapText: Bool = {
        LoggingSystem.bootstrap { TextLogHandler(label: $0) }
        return true
    }()

    static func json() { _ = bootstrapJSON }
    static func text() { _ = bootstrapText }
}
