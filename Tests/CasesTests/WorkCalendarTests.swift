import Cases
import CityCore
import Foundation
import Testing

@Suite("Working-day calendar: 2026 holidays and working weekend days, working hours")
struct WorkCalendarTests {
    /// The 2026 National Day week as the State Council set it: Oct 1-7 off, Sep 20 (Sun) and Oct 10 (Sat) worked.
    static let calendar = WorkCalendar(holidays: Set((1...7).map { "2026-10-0\($0)" } + ["2026-09-25", "2026-09-26", "2026-09-27"]),
                                       workdays: ["2026-09-20", "2026-10-10"], years: [2026])

    /// An instant in China Standard Time.
    static func cst(_ text: String) -> Date {
        try! Date(text + "+08:00", strategy: .iso8601)
    }

    @Test("working days skip the holiday week and count the Saturday worked in lieu; due at the end of the last day")
    func workingDays() {
        #expect(Self.calendar.isWorkingDay(Self.cst("2026-10-10T12:00:00")))
        #expect(!Self.calendar.isWorkingDay(Self.cst("2026-10-05T12:00:00")))
        #expect(!Self.calendar.isWorkingDay(Self.cst("2026-10-11T12:00:00")))
        // Wednesday 30 September + 3 working days: Oct 8 (Thu), Oct 9 (Fri), Oct 10 (Sat, worked) → 17:30 on the 10th.
        #expect(Self.calendar.deadline(from: Self.cst("2026-09-30T10:00:00"), TimeLimit(3, .workingDays)) == Self.cst("2026-10-10T17:30:00"))
        // Friday 18 Sep + 2: Sep 20 (Sun, worked) and Sep 21 (Mon).
        #expect(Self.calendar.deadline(from: Self.cst("2026-09-18T09:00:00"), TimeLimit(2, .workingDays)) == Self.cst("2026-09-21T17:30:00"))
    }

    @Test("working hours run inside 08:30-17:30 on working days only")
    func workingHours() {
        // Friday 16:30 + 2 h: one hour on Friday, one from 08:30 on Monday.
        #expect(Self.calendar.deadline(from: Self.cst("2026-11-27T16:30:00"), TimeLimit(2, .workingHours)) == Self.cst("2026-11-30T09:30:00"))
        // Asked at night: the clock starts at the next opening.
        #expect(Self.calendar.deadline(from: Self.cst("2026-11-25T22:00:00"), TimeLimit(4, .workingHours)) == Self.cst("2026-11-26T12:30:00"))
        // Across the holiday week: Wednesday 30 Sep 17:00 + 1 h → half an hour then, half on Thursday 8 Oct.
        #expect(Self.calendar.deadline(from: Self.cst("2026-09-30T17:00:00"), TimeLimit(1, .workingHours)) == Self.cst("2026-10-08T09:00:00"))
        // Clock hours ignore the calendar.
        #expect(Self.calendar.deadline(from: Self.cst("2026-10-03T23:00:00"), TimeLimit(2, .hours)) == Self.cst("2026-10-04T01:00:00"))
    }

    @Test("a year without a schedule counts Monday to Friday and is named as missing")
    func missingYear() {
        let start = Self.cst("2026-12-30T10:00:00")
        let due = Self.calendar.deadline(from: start, TimeLimit(3, .workingDays))
        // Dec 31 (Thu), Jan 1 2027 (Fri: no schedule loaded, so a working day), Jan 4 (Mon).
        #expect(due == Self.cst("2027-01-04T17:30:00"))
        #expect(Self.calendar.missingYears(from: start, to: due) == [2027])
        #expect(Self.calendar.missingYears(from: start, to: start).isEmpty)
    }

    @Test("day arithmetic at UTC+8 agrees with the Gregorian calendar: weekdays, midnights and years from 1950 to 2100, either side of midnight")
    func arithmeticMatchesCalendar() {
        let calendar = ChinaTime.calendar
        var t = -631_152_000.0  // 1950-01-01
        while t < 4_102_444_800 {  // 2100-01-01
            for instant in [t, t + 28_799, t + 28_800, t + 57_599] {
                let date = Date(timeIntervalSince1970: instant)
                let weekday = calendar.component(.weekday, from: date)
                #expect(WorkCalendar().isWorkingDay(date) == (weekday != 1 && weekday != 7), "\(date)")
                #expect(ChinaTime.startOfDay(date) == calendar.startOfDay(for: date), "\(date)")
                #expect(ChinaTime.civilDay(date).year == calendar.component(.year, from: date), "\(date)")
            }
            t += 86_400 * 13 + 3_607
        }
    }
}
