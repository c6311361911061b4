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

    @Test("forbidden controls are found byte by byte exactly where the scalar rule finds them")
    func forbiddenControlsMatchTheScalarRule() {
        // Every scalar up to U+00FF, then neighbours of the C1 block's two-byte form (U+0100, U+07FF) and wider ones.
        let scalars = (0...0x100).compactMap(Unicode.Scalar.init) + ["\u{07FF}", "\u{2028}", "\u{FFFD}", "\u{1F3D9}"]
        for scalar in scalars {
            for text in ["\(scalar)", "周口\(scalar)", "\(scalar)é"] {
                #expect(Text.hasForbiddenControl(text) == text.unicodeScalars.contains(where: Text.isForbiddenControl), "U+\(String(scalar.value, radix: 16))")
            }
        }
        #expect(Text.storable("ab\u{85}c", maxCharacters: 10) == "ab\u{FFFD}c")
        #expect(Text.storable("周口市川汇区", maxCharacters: 4) == "周口市…")
        #expect(Text.storable("周口市", maxCharacters: 3) == "周口市")
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

    @Test("whole seconds exactly as Foundation's JSON date strategy writes them")
    func secondISO8601() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        for seconds in stride(from: -2_000_000_000.0, to: 4_000_000_000.0, by: 98_765_432.789) + [0, 0.999, 1_795_632_000.5, -0.5] {
            let date = Date(timeIntervalSince1970: seconds)
            let foundation = String(decoding: try encoder.encode([date]), as: UTF8.self).dropFirst(2).dropLast(2)
            #expect(date.secondISO8601 == String(foundation), "\(seconds)")
        }
    }
}
