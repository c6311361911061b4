import ArgumentParser
import CityStore
import Foundation
import Identity

/// `cityhub import staff FILE.csv`: staff accounts from the HR system's export.
struct ImportStaff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Import staff accounts from CSV (username,display_name,organisation_code,roles with roles split by ;). Bad lines are reported and skipped; re-running adds nothing twice.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The CSV file (UTF-8).") var file: String

    func run() async throws {
        try await common.withPlatform { opened, _ in
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let (accounts, rejected) = StaffImport.parse(text, organisations: try await opened.platform.organisations.allCodes())
            let created = try await opened.platform.staff.load(accounts, source: URL(fileURLWithPath: file).lastPathComponent,
                                                               by: .commandLine(), origin: .commandLine)
            say("Imported \(created) new account(s); \(accounts.count - created) existed already; rejected \(rejected.count) line(s).")
            for r in rejected { say("  \(r)") }
            if created > 0 { say("New accounts await activation: cityhub staff set-password USERNAME") }
        }
    }
}
