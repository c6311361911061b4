import ArgumentParser
import Cases
import CityStore
import Foundation
import Identity

/// `cityhub import calendar FILE.json`: a year's public holidays and working weekend days.
struct ImportCalendar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Load a year's working-day calendar (public holidays and working weekend days) from JSON.",
        discussion: """
            The file is {"year": 2027, "holidays": [{"date": "2027-01-01", "name": "元旦"}, …], "workdays": [{"date": …, "name": …}, …]}, \
            as the State Council's notice gives it each year (Seed/calendar-2026.json is one). It replaces what that year had; deadlines \
            set from then on count on it. A year without one counts Monday to Friday, and the server logs a warning.
            """)
    @OptionGroup var common: CommonOptions
    @Argument(help: "The calendar JSON file.") var file: String

    func run() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let schedule = try await common.withPlatform { opened, _ in
            let schedule = try CaseCatalogue.Schedule.parse(data)
            try await opened.platform.caseCatalogue.loadCalendar(schedule, by: .commandLine(), origin: .commandLine)
            return schedule
        }
        say("Loaded \(schedule.year): \(schedule.holidays.count) holidays, \(schedule.workdays.count) working weekend days.")
    }
}
