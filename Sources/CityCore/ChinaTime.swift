import Foundation

/// Days and years as the city counts them: the Gregorian calendar at UTC+8. China has kept one
/// offset without daylight saving since 1991, so a fixed offset needs no time-zone database.
public enum ChinaTime {
    public static let zone = TimeZone(secondsFromGMT: 8 * 3600)!

    public static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }()

    /// `YYYY-MM-DD` of the day `date` falls on, in China.
    public static func day(_ date: Date) -> String {
        // China keeps UTC+8 all year (no daylight saving since 1991): the civil date follows from
        // the day count alone (H. Hinnant's days-to-civil), with no calendar object and no
        // formatter; deadlines ask for it many times per case.
        let (year, month, day) = civilDay(date)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(y)-\(two(month))-\(two(day))"
    }

    /// China's offset from UTC: a day there runs 86,400 seconds from midnight at UTC+8.
    static let offset: TimeInterval = 8 * 3600

    /// Days since 1970-01-01 of the day `date` falls on, in China.
    public static func dayNumber(_ date: Date) -> Int {
        Int(((date.timeIntervalSince1970 + offset) / 86_400).rounded(.down))
    }

    /// Midnight in China of the day `date` falls on.
    public static func startOfDay(_ date: Date) -> Date {
        Date(timeIntervalSince1970: TimeInterval(dayNumber(date)) * 86_400 - offset)
    }

    /// Year, month and day of the day `date` falls on in China, by arithmetic on the day count
    /// (H. Hinnant's days-to-civil, proleptic Gregorian).
    public static func civilDay(_ date: Date) -> (year: Int, month: Int, day: Int) {
        let z = dayNumber(date) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
