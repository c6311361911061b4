import Foundation

/// A GB 11643 resident ID number: 18 characters with an ISO 7064 MOD 11-2 check character
/// and a real, not-future birth date.
public struct ResidentID: Hashable, Sendable, CheckedCode, CustomStringConvertible {
    /// The 18 characters, check character upper-cased.
    public let rawValue: String

    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checks = Array("10X98765432")

    public init?(_ text: String) { self.init(text, today: Date()) }

    /// Parses and checks a number; nil when the form, the check character or the birth date is wrong.
    public init?(_ text: String, today: Date) {
        let upper = text.uppercased()
        let chars = Array(upper)
        guard chars.count == 18, chars[0..<17].allSatisfy(\.isASCIIDigit),
              chars[17].isASCIIDigit || chars[17] == "X" else { return nil }
        let sum = zip(chars[0..<17], Self.weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        guard Self.checks[sum % 11] == chars[17] else { return nil }
        let y = Int(String(chars[6..<10]))!, m = Int(String(chars[10..<12]))!, d = Int(String(chars[12..<14]))!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        guard let birth = calendar.date(from: DateComponents(year: y, month: m, day: d)),
              calendar.component(.day, from: birth) == d, calendar.component(.month, from: birth) == m,
              birth <= today, y >= 1870 else { return nil }
        rawValue = upper
    }

    public var description: String { masked }

    /// Masked for display: the first 4 and last 4 characters shown.
    public var masked: String { String(rawValue.prefix(4)) + String(repeating: "*", count: 10) + String(rawValue.suffix(4)) }
}

/// A GB 32100 unified social credit code: 18 characters from a 31-letter set with a MOD 31 check.
public struct CreditCode: Hashable, Sendable, CheckedCode, CustomStringConvertible {
    /// The 18 characters.
    public let rawValue: String

    private static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    private static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// Parses and checks a code; nil when the form or the check character is wrong.
    public init?(_ text: String) {
        let chars = Array(text.uppercased())
        guard chars.count == 18 else { return nil }
        var values: [Int] = []
        for c in chars {
            guard let i = Self.alphabet.firstIndex(of: c) else { return nil }
            values.append(i)
        }
        let t = zip(values[0..<17], Self.weights).reduce(0) { $0 + $1.0 * $1.1 }
        let c = (31 - t % 31) % 31
        guard values[17] == c else { return nil }
        rawValue = String(chars)
    }

    public var description: String { rawValue }

    /// The division code in positions 3-8.
    public var divisionCode: DivisionCode? { DivisionCode(String(Array(rawValue)[2..<8])) }
}

extension Character {
    /// An ASCII digit 0-9 (not a full-width or other script's digit).
    public var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A code that is a checked string: encoded as that string, and refused when decoding if it fails
/// its check, so a malformed code never enters a request or a row.
public protocol CheckedCode: Codable {
    /// The code as written.
    var rawValue: String { get }
    /// Parses and checks; nil when the code is malformed.
    init?(_ text: String)
}

extension CheckedCode {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let code = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a valid \(Self.self)"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
