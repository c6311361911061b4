import CityCore
import Foundation
import Testing

@Suite("Text at the platform's boundary")
struct TextTests {
    @Test("a JSON string literal reads back as exactly the text, whatever it holds")
    func jsonQuotedRoundTrips() throws {
        let samples = ["", "周口市川汇区", "quote \" backslash \\ slash /", "lines\nand\rtabs\t", "\u{01}\u{1F}\u{7F}\u{FFFD}", "emoji 🏙️ and 𠀀"]
        for sample in samples {
            let literal = Text.jsonQuoted(sample)
            let decoded = try JSONDecoder().decode(String.self, from: Data(literal.utf8))
            #expect(decoded == sample, "\(literal)")
        }
        #expect(Text.jsonQuoted("a\u{01}") == #""a\u0001""#)
    }
}

@Suite("Millisecond timestamps")
struct TimestampTests {
    @Test("whole milliseconds in UTC, the same text ISO 8601 parsers read back, before 1970 too")
    func millisecondISO8601() throws {
        #expect(Date(timeIntervalSince1970: 0).millisecondISO8601 == "1970-01-01T00:00:00.000Z")
        #expect(Date(timeIntervalSince1970: 1_795_632_000.1234).millisecondISO8601 == "2026-11-25T18:40:00.123Z")
        #expect(Date(timeIntervalSince1970: 1_795_632_000.0996).millisecondISO8601 == "2026-11-25T18:40:00.100Z")
        #expect(Date(timeIntervalSince1970: -0.5).millisecondISO8601 == "1969-12-31T23:59:59.500Z")
        #expect(Date(timeIntervalSince1970: 951_782_400).millisecondISO8601 == "2000-02-29T00:00:00.000Z")
        for seconds in stride(from: -2_000_000_000.0, to: 4_000_000_000.0, by: 123_456_789.321) {
            let date = Date(timeIntervalSince1970: (seconds * 1000).rounded() / 1000)
            let parsed = try Date(date.millisecondISO8601, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.0005, "\(date.millisecondISO8601)")
        }
    }
}
