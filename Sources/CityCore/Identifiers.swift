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
        guard let id = try? Self.checked(text, today: today) else { return nil }
        self = id
    }

    private init(checkedRawValue: String) { rawValue = checkedRawValue }

    /// Why a text is not a resident ID number: the exact reason, for import reports and problems.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case length(Int)
        case characters
        case checkCharacter(expected: Character, found: Character)
        case impossibleBirthDate(String)
        case futureBirthDate(String)

        public var messageEn: String {
            switch self {
            case .length(let n): "an ID number has 18 characters, not \(n)"
            case .characters: "the first 17 characters must be digits, the last a digit or X"
            case .checkCharacter(let e, let f): "check character is \(f), the number's check character is \(e)"
            case .impossibleBirthDate(let d): "birth date \(d) is not a date"
            case .futureBirthDate(let d): "birth date \(d) is in the future"
            }
        }

        public var messageZh: String {
            switch self {
            case .length(let n): "身份证号码应为 18 位，实为 \(n) 位"
            case .characters: "前 17 位应为数字，末位为数字或 X"
            case .checkCharacter(let e, let f): "校验码应为 \(e)，实为 \(f)"
            case .impossibleBirthDate(let d): "出生日期 \(d) 不存在"
            case .futureBirthDate(let d): "出生日期 \(d) 晚于今天"
            }
        }

        public var description: String { "\(messageEn) / \(messageZh)" }
    }

    /// The check character for the first 17 characters (ISO 7064 MOD 11-2).
    public static func checkCharacter(_ body: some StringProtocol) -> Character {
        let sum = zip(body.prefix(17), weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return checks[sum % 11]
    }

    /// Days in month `m` of year `y` (Gregorian).
    public static func days(inMonth m: Int, year y: Int) -> Int {
        switch m {
        case 2: (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `date`'s calendar day in China (UTC+8, no daylight saving since 1991) as YYYYMMDD, by
    /// arithmetic: no Calendar per row when millions of numbers are checked.
    public static func chinaDate(_ date: Date) -> Int {
        let (y, m, d) = ChinaTime.civilDay(date)
        return y * 10_000 + m * 100 + d
    }

    /// Checks a number and says exactly what is wrong with it. The common case, 18 ASCII
    /// characters, is checked on its bytes (every row of a 9-million-row import and every read by
    /// number comes here); anything else takes the character-by-character path, which words the
    /// same problems.
    public static func checked(_ text: String, today: Date = Date()) throws(Problem) -> ResidentID {
        let utf8 = text.utf8
        guard utf8.count == 18, utf8.allSatisfy({ $0 < 0x80 }) else { return try checkedByCharacters(text, today: today) }
        var b = Array(utf8)
        if b[17] == UInt8(ascii: "x") { b[17] = UInt8(ascii: "X") }
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        guard b[0..<17].allSatisfy(isDigit), isDigit(b[17]) || b[17] == UInt8(ascii: "X") else { throw .characters }
        var sum = 0
        for i in 0..<17 { sum += Int(b[i] &- UInt8(ascii: "0")) * weights[i] }
        let expected = checkBytes[sum % 11]
        guard expected == b[17] else { throw .checkCharacter(expected: Character(Unicode.Scalar(expected)), found: Character(Unicode.Scalar(b[17]))) }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(b[$1] &- UInt8(ascii: "0")) } }
        let y = number(6..<10), m = number(10..<12), d = number(12..<14)
        guard y >= 1870, (1...12).contains(m), (1...Self.days(inMonth: m, year: y)).contains(d) else { throw .impossibleBirthDate(birthDate(of: b)) }
        guard y * 10_000 + m * 100 + d <= Self.chinaDate(today) else { throw .futureBirthDate(birthDate(of: b)) }
        return ResidentID(checkedRawValue: b[17] == utf8.last ? text : String(decoding: b, as: UTF8.self))
    }

    private static let checkBytes = Array("10X98765432".utf8)

    /// `YYYY-MM-DD` from a number's 18 bytes.
    private static func birthDate(of b: [UInt8]) -> String {
        String(decoding: b[6..<10] + [UInt8(ascii: "-")] + b[10..<12] + [UInt8(ascii: "-")] + b[12..<14], as: UTF8.self)
    }

    /// `checked` for any text, character by character.
    static func checkedByCharacters(_ text: String, today: Date) throws(Problem) -> ResidentID {
        let upper = text.uppercased()
        let chars = Array(upper)
        guard chars.count == 18 else { throw .length(chars.count) }
        guard chars[0..<17].allSatisfy(\.isASCIIDigit), chars[17].isASCIIDigit || chars[17] == "X" else { throw .characters }
        let expected = checkCharacter(upper)
        guard expected == chars[17] else { throw .checkCharacter(expected: expected, found: chars[17]) }
        let y = Int(String(chars[6..<10]))!, m = Int(String(chars[10..<12]))!, d = Int(String(chars[12..<14]))!
        let shown = "\(String(chars[6..<10]))-\(String(chars[10..<12]))-\(String(chars[12..<14]))"
        guard y >= 1870, (1...12).contains(m), (1...Self.days(inMonth: m, year: y)).contains(d) else { throw .impossibleBirthDate(shown) }
        guard y * 10_000 + m * 100 + d <= Self.chinaDate(today) else { throw .futureBirthDate(shown) }
        return ResidentID(checkedRawValue: upper)
    }

    /// The birth date the number carries, `YYYY-MM-DD` (a checked number is 18 ASCII characters).
    public var birthDate: String { Self.birthDate(of: Array(rawValue.utf8)) }

    /// The sex the number carries: the 17th digit is odd for men, even for women.
    public var sex: Sex { Array(rawValue.utf8)[16] % 2 == 1 ? .male : .female }

    /// The division of first registration (an old code may no longer exist).
    public var registrationDivision: String { String(rawValue.prefix(6)) }

    public var description: String { masked }

    /// Masked for display: the first 4 and last 4 characters shown.
    public var masked: String { Mask.idNumber(rawValue) }

    /// The 17 digits before the check character, as an integer (the check character follows from
    /// them): a compact key when millions of numbers are remembered at once.
    public var digits: UInt64 { rawValue.utf8.prefix(17).reduce(0) { $0 * 10 + UInt64($1 &- UInt8(ascii: "0")) } }
}

/// Sex as a resident ID number records it.
public enum Sex: String, Sendable, Codable, CaseIterable {
    case male, female
}

/// A GB 32100 unified social credit code: 18 characters from a 31-letter set with a MOD 31 check.
public struct CreditCode: Hashable, Sendable, CheckedCode, CustomStringConvertible {
    /// The 18 characters.
    public let rawValue: String

    /// The 31 characters a code is written in (no I, O, Z, S, V).
    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    private static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The check character for the first 17 characters (GB 32100, MOD 31); nil when one of them
    /// is not in `alphabet`.
    public static func checkCharacter(_ body: some StringProtocol) -> Character? {
        var t = 0
        for (c, w) in zip(body.prefix(17), weights) {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            t += v * w
        }
        return alphabet[(31 - t % 31) % 31]
    }

    /// Why a text is not a unified social credit code: the exact reason.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case length(Int)
        /// A character outside the code's 31 (no I, O, Z, S, V), at a 1-based position.
        case character(Character, position: Int)
        case checkCharacter(expected: Character, found: Character)

        public var messageEn: String {
            switch self {
            case .length(let n): "a credit code has 18 characters, not \(n)"
            case .character(let c, let p): "character \(p) (\(c)) is not one of 0-9 and A-Y without I, O, Z, S, V"
            case .checkCharacter(let e, let f): "check character is \(f), the code's check character is \(e)"
            }
        }

        public var messageZh: String {
            switch self {
            case .length(let n): "统一社会信用代码应为 18 位，实为 \(n) 位"
            case .character(let c, let p): "第 \(p) 位（\(c)）不是允许的字符（数字和除 I、O、Z、S、V 外的大写字母）"
            case .checkCharacter(let e, let f): "校验码应为 \(e)，实为 \(f)"
            }
        }

        public var description: String { "\(messageEn) / \(messageZh)" }
    }

    /// Parses and checks a code; nil when the form or the check character is wrong.
    public init?(_ text: String) {
        guard let code = try? Self.checked(text) else { return nil }
        self = code
    }

    private init(checkedRawValue: String) { rawValue = checkedRawValue }

    /// Parses and checks a code (letters may be lower-case; stored upper-case), or says exactly what is wrong.
    public static func checked(_ text: String) throws(Problem) -> CreditCode {
        let chars = Array(text.uppercased())
        guard chars.count == 18 else { throw .length(chars.count) }
        if let i = chars.firstIndex(where: { !alphabet.contains($0) }) { throw .character(chars[i], position: i + 1) }
        let expected = checkCharacter(String(chars.prefix(17)))!
        guard chars[17] == expected else { throw .checkCharacter(expected: expected, found: chars[17]) }
        return CreditCode(checkedRawValue: String(chars))
    }

    /// The kind of organisation positions 1-2 name (GB 32100: the registering authority and its category).
    public var kind: String {
        switch String(rawValue.prefix(2)) {
        case "91": "enterprise"
        case "92": "individual-business"
        case "93": "cooperative"
        case "11": "organ"
        case "12": "public-institution"
        case "13": "mass-organisation"
        case "51": "social-group"
        case "52": "private-non-enterprise"
        case "53": "foundation"
        default: "other"
        }
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
