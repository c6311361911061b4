/// A GB/T 2260 administrative division code: six digits (province, city, county), optionally
/// followed by three township digits and three village digits (the statistical 12-digit form).
public struct DivisionCode: Hashable, Sendable, CheckedCode, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// The code's digits, 6, 9 or 12 of them.
    public let rawValue: String

    /// The level a code names, from the number of significant digits.
    public enum Level: String, Sendable, Codable, Comparable {
        case province, city, county, township, village
        private var order: Int {
            switch self {
            case .province: 0
            case .city: 1
            case .county: 2
            case .township: 3
            case .village: 4
            }
        }
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.order < rhs.order }
    }

    /// Parses a code; nil unless it is 6, 9 or 12 ASCII digits with a non-zero province part.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard [6, 9, 12].contains(bytes.count), bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard !text.hasPrefix("00") else { return nil }
        self.rawValue = text
    }

    public var description: String { rawValue }

    /// The level, read from the trailing zero groups.
    public var level: Level {
        let digits = Array(rawValue)
        if digits.count == 12 { return .village }
        if digits.count == 9 { return .township }
        if digits[2...5].allSatisfy({ $0 == "0" }) { return .province }
        if digits[4...5].allSatisfy({ $0 == "0" }) { return .city }
        return .county
    }

    /// The significant prefix: "41" for a province, "4116" for a city, "411602" for a county.
    public var significantPrefix: String {
        switch level {
        case .province: String(rawValue.prefix(2))
        case .city: String(rawValue.prefix(4))
        case .county, .township, .village: rawValue
        }
    }

    /// Whether `other` lies within this division (a division contains itself).
    public func contains(_ other: DivisionCode) -> Bool {
        other.rawValue.hasPrefix(significantPrefix)
    }

    /// The enclosing division one level up, nil for a province.
    public var parent: DivisionCode? {
        switch level {
        case .province: nil
        case .city: DivisionCode(String(rawValue.prefix(2)) + "0000")
        case .county: DivisionCode(String(rawValue.prefix(4)) + "00")
        case .township: DivisionCode(String(rawValue.prefix(6)))
        case .village: DivisionCode(String(rawValue.prefix(9)))
        }
    }

    public static func < (lhs: DivisionCode, rhs: DivisionCode) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A code read back from storage: one that does not parse fails the read, naming the column.
    /// Falling back to a wider division would widen whatever scope or place the row grants.
    public static func stored(_ text: String, column: String) throws -> DivisionCode {
        guard let code = DivisionCode(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(column) \(text) is not a division code"))
        }
        return code
    }

    /// Zhoukou, the reference city.
    public static let zhoukou = DivisionCode("411600")!
}
