import ArgumentParser
import CityStore
import Identity

/// `cityhub staff …` (also `cityhub user …`, its former name): staff accounts.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "staff", abstract: "Staff accounts.", subcommands: [StaffSetPassword.self],
                                                    aliases: ["user"])
}

/// Sets a password as the operator: an administrator's reset, audited, sessions ended everywhere.
struct StaffSetPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a staff password (generated and printed when not given).")
    @OptionGroup var common: CommonOptions
    @Argument var username: String
    @Option(name: .long, help: "The new password (10+ characters, letters and digits).") var password: String?

    func run() async throws {
        let chosen = password ?? Secrets.password()
        try await common.withPlatform { opened, _ in
            try await opened.platform.staff.changePassword(of: username, to: chosen, current: nil, by: .commandLine(), origin: .commandLine)
            await opened.platform.revocations.settle()
        }
        say(password == nil ? "\(username): \(chosen)" : "\(username): password set")
    }
}
