import ArgumentParser
import CityStore
import Foundation
import Identity

/// `cityhub apikey create|revoke`: keys for other government systems.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apikey", abstract: "Manage API keys for other government systems.",
                                                    subcommands: [APIKeyCreate.self, APIKeyRevoke.self])
}

/// `cityhub apikey create`: a key, printed once.
struct APIKeyCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key and print it once.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "What the key is for.") var name: String
    @Option(name: .long, help: "Owning organisation code (default 411600-BDB).") var org: String = "411600-BDB"
    @Option(name: .long, parsing: .upToNextOption, help: "Roles (default departmentHandler; never platformAdmin).") var role: [Role] = [.departmentHandler]

    func run() async throws {
        try await common.withPlatform { opened, _ in
            let (key, secret) = try await opened.platform.keys.create(NewAPIKey(name: name, organisationCode: org, roles: Set(role)),
                                                                      by: .commandLine(), origin: .commandLine)
            say(secret)
            FileHandle.standardError.write(Data("API key \(key.id) for \(org), roles \(key.roles.map(\.rawValue).joined(separator: ",")). Shown once: store it now.\n".utf8))
        }
    }
}

/// `cityhub apikey revoke ID`: refused at once by every running server when it returns.
struct APIKeyRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by id.")
    @OptionGroup var common: CommonOptions
    @Argument var id: String

    func run() async throws {
        let revoked = try await common.withPlatform { opened, _ -> Bool in
            do {
                try await opened.platform.keys.revoke(id: id, by: .commandLine(), origin: .commandLine)
            } catch IdentityError.unknownAPIKey {
                return false
            }
            await opened.platform.revocations.settle()
            return true
        }
        say(revoked ? "revoked \(id)" : "no active key \(id)")
        if !revoked { throw ExitCode(1) }
    }
}
