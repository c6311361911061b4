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
