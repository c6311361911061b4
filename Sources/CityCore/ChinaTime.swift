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
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
