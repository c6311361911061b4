import CityCore
import Foundation

/// A span of time a deadline allows.
public struct TimeLimit: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Unit: String, Sendable, Codable, CaseIterable {
        /// Clock minutes, day and night (emergencies, the command center's own service levels).
        case minutes
        /// Clock hours, day and night ("within 2 hours where life or property is at risk").
        case hours
        /// Hours within the working day's hours on working days.
        case workingHours
        /// Working days, counted from the day after the start; due at the end of the last one.
        case workingDays
    }

    public var amount: Int
    public var unit: Unit

    public init(_ amount: Int, _ unit: Unit) {
        self.amount = amount
        self.unit = unit
    }

    public var description: String { "\(amount) \(unit.rawValue)" }
}

/// The working-day calendar (法定节假日与调休): Monday to Friday, minus the public holidays, plus
/// the weekend days declared working days. The schedule is data an operator loads each year;
/// for a year without one, plain Monday to Friday is assumed and `missingYears` says so.
/// Times are China Standard Time (UTC+8, no daylight saving).
public struct WorkCalendar: Sendable, Equatable {
    /// Days off that would be working days (`YYYY-MM-DD`).
    public var holidays: Set<String>
    /// Weekend days that are working days (调休上班).
    public var workdays: Set<String>
    /// The years whose schedule is loaded.
    public var years: Set<Int>
    /// The working day's hours, in minutes after midnight (default 08:30 to 17:30).
    public var dayStart: Int
    public var dayEnd: Int

    public init(holidays: Set<String> = [], workdays: Set<String> = [], years: Set<Int> = [], dayStart: Int = 8 * 60 + 30, dayEnd: Int = 17 * 60 + 30) {
        self.holidays = holidays
        self.workdays = workdays
        self.years = years
        self.dayStart = dayStart
        self.dayEnd = dayEnd
    }

    static let zone = ChinaTime.zone
    static let gregorian = ChinaTime.calendar

    /// `YYYY-MM-DD` of the day `date` falls on, in China.
    public static func dayKey(_ date: Date) -> String { ChinaTime.day(date) }

    /// Whether the day `date` falls on is a working day.
    public func isWorkingDay(_ date: Date) -> Bool {
        let key = Self.dayKey(date)
        if workdays.contains(key) { return true }
        if holidays.contains(key) { return false }
        // 1970-01-01 (day 0) was a Thursday: Monday is 0 here, Saturday 5, Sunday 6.
        // Day arithmetic at UTC+8 (`ChinaTime`), no calendar object: deadlines walk day by day, per case.
        let weekday = ((ChinaTime.dayNumber(date) + 3) % 7 + 7) % 7
        return weekday < 5
    }

    /// The years between `start` and `end` with no schedule loaded: deadlines across them count
    /// plain Monday to Friday and may be wrong.
    public func missingYears(from start: Date, to end: Date) -> [Int] {
        let first = ChinaTime.civilDay(start).year, last = ChinaTime.civilDay(max(start, end)).year
        return (first...last).filter { !years.contains($0) }
    }

    /// When a limit starting at `start` runs out.
    public func deadline(from start: Date, _ limit: TimeLimit) -> Date {
        let amount = max(0, limit.amount)
        switch limit.unit {
        case .minutes:
            return start.addingTimeInterval(TimeInterval(amount * 60))
        case .hours:
            return start.addingTimeInterval(TimeInterval(amount * 3600))
        case .workingDays:
            var day = ChinaTime.startOfDay(start)
            var left = amount
            while left > 0 {
                day = day.addingTimeInterval(86_400)
                if isWorkingDay(day) { left -= 1 }
            }
            if amount == 0 { return start }
            return day.addingTimeInterval(TimeInterval(dayEnd * 60))
        case .workingHours:
            var left = amount * 60
            var cursor = start
            // Walk working windows day by day; a year of days bounds the walk.
            for _ in 0..<3_660 {
                let midnight = ChinaTime.startOfDay(cursor)
                let open = midnight.addingTimeInterval(TimeInterval(dayStart * 60)), close = midnight.addingTimeInterval(TimeInterval(dayEnd * 60))
                if isWorkingDay(midnight), cursor < close {
                    let from = max(cursor, open)
                    let available = Int(close.timeIntervalSince(from) / 60)
                    if left <= available { return from.addingTimeInterval(TimeInterval(left * 60)) }
                    left -= available
                }
                if left == 0 { return cursor }
                cursor = midnight.addingTimeInterval(86_400)
            }
            return cursor
        }
    }
}
