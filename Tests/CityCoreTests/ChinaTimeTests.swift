import CityCore
import Foundation
import Testing

@Suite("China time")
struct ChinaTimeTests {
    /// The day as Foundation's calendar in UTC+8 names it.
    static func calendarDay(_ date: Date) -> String {
        let c = ChinaTime.calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    @Test("the day in China is the calendar's, around midnight, leap days and centuries")
    func dayMatchesTheCalendar() {
        // 2026-11-25 16:00 UTC is midnight in China: one second before is still the 25th.
        let midnight = Date(timeIntervalSince1970: 1_795_622_400)
        #expect(ChinaTime.day(midnight) == "2026-11-26")
        #expect(ChinaTime.day(midnight.addingTimeInterval(-1)) == "2026-11-25")
        #expect(ChinaTime.day(Date(timeIntervalSince1970: -8 * 3600)) == "1970-01-01")
        #expect(ChinaTime.day(Date(timeIntervalSince1970: -8 * 3600 - 1)) == "1969-12-31")
        var generator = SystemRandomNumberGenerator()
        // 1900 to 2100: 2000 (a leap century) and 1900, 2100 (not leap) included.
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2_208_988_800 ... 4_133_980_799, using: &generator).rounded())
            #expect(ChinaTime.day(date) == Self.calendarDay(date), "\(date)")
        }
        for day in ["2000-02-29", "2100-02-28", "1900-03-01", "2024-12-31"] {
            let parts = day.split(separator: "-").map { Int($0)! }
            let date = ChinaTime.calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 0, minute: 0, second: 0))!
            #expect(ChinaTime.day(date) == day)
            #expect(ChinaTime.day(date.addingTimeInterval(86_399)) == day)
        }
    }
}
