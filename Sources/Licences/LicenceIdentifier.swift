// Licences: seals (a city root certification authority and one key and certificate per
// department), licences sealed as compact JWS with the seal's certificate chain, verification
// online and offline, revocation and suspension published as a signed status list.
import CityCore

/// The national electronic licence identifier (GB/T 36904 as deployed):
/// `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`, where the type code is
/// the defining body's credit code and a 3-digit sequence, the issuer code the issuing
/// department's credit code, the serial digits and capitals chosen by the issuer, the version 3
/// digits, and the check character ISO/IEC 7064 MOD 37,36 over the four parts without the dots.
public struct LicenceIdentifier: Hashable, Sendable, CustomStringConvertible {
    public static let root = "1.2.156.3005.2"

    public let typeCode: String
    public let issuerCode: String
    public let serial: String
    public let version: Int
    public let check: Character

    public var rawValue: String { "\(Self.root).\(typeCode).\(issuerCode).\(serial).\(Self.threeDigits(version)).\(check)" }
    public var description: String { rawValue }

    /// Why a text is not a licence identifier: the exact reason.
    public enum Problem: Error, Equatable, Sendable {
        case form
        case checkCharacter(expected: Character, found: Character)

        public var messageEn: String {
            switch self {
            case .form: "a licence identifier reads 1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>"
            case .checkCharacter(let e, let f): "the identifier's check character is \(f), its parts give \(e)"
            }
        }

        public var messageZh: String {
            switch self {
            case .form: "证照标识应为 1.2.156.3005.2.<证照类型代码>.<颁发机构代码>.<顺序号>.<版本号>.<校验位>"
            case .checkCharacter(let e, let f): "证照标识校验位为 \(f)，按其各段计算应为 \(e)"
            }
        }
    }

    /// A new identifier: the check character computed. The parts must be well-formed.
    public init(typeCode: String, issuerCode: String, serial: String, version: Int) throws(Problem) {
        guard Self.wellFormed(typeCode: typeCode, issuerCode: issuerCode, serial: serial), (1...999).contains(version) else { throw .form }
        self.typeCode = typeCode
        self.issuerCode = issuerCode
        self.serial = serial
        self.version = version
        self.check = Self.checkCharacter(typeCode + issuerCode + serial + Self.threeDigits(version))!
    }

    /// Parses an identifier and checks its check character, or says exactly what is wrong.
    public static func checked(_ text: String) throws(Problem) -> LicenceIdentifier {
        guard text.hasPrefix(root + ".") else { throw .form }
        let parts = text.dropFirst(root.count + 1).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[3].count == 3, let version = Int(parts[3]), parts[4].count == 1 else { throw .form }
        let identifier = try LicenceIdentifier(typeCode: parts[0], issuerCode: parts[1], serial: parts[2], version: version)
        let found = Character(parts[4])
        guard found == identifier.check else { throw .checkCharacter(expected: identifier.check, found: found) }
        return identifier
    }

    /// What `checked` would throw for `text`, read on its UTF-8 bytes without making the parts:
    /// nil when it is a well-formed identifier with the right check character. (Verification
    /// checks one identifier per licence.)
    static func problem(in text: String) -> Problem? {
        let fast = text.utf8.withContiguousStorageIfAvailable({ Self.problem(bytes: $0) }) ?? Array(text.utf8).withUnsafeBufferPointer { Self.problem(bytes: $0) }
        // Not well-formed on the bytes (rare): the parts by Characters say exactly what is wrong.
        guard fast == .form else { return fast }
        do { _ = try checked(text); return nil } catch { return error }
    }

    private static let rootBytes = Array((root + ".").utf8)

    private static func problem(bytes b: UnsafeBufferPointer<UInt8>) -> Problem? {
        let head = rootBytes.count
        guard b.count > head, rootBytes.indices.allSatisfy({ b[$0] == rootBytes[$0] }) else { return .form }
        // The parts' ends: type code (21), issuer code (18), serial (1 to 20), version (3), check (1).
        var dots: [Int] = []
        dots.reserveCapacity(4)
        for k in head..<b.count where b[k] == UInt8(ascii: ".") {
            dots.append(k)
            if dots.count > 4 { return .form }
        }
        guard dots.count == 4, dots[0] - head == 21, dots[1] - dots[0] - 1 == 18, (1...20).contains(dots[2] - dots[1] - 1),
              dots[3] - dots[2] - 1 == 3, b.count - dots[3] - 1 == 1 else { return .form }
        func value(_ c: UInt8) -> Int? {
            switch c {
            case 48...57: Int(c) - 48
            case 65...90: Int(c) - 55
            default: nil
            }
        }
        var p = 36
        var version = 0
        for k in head..<dots[3] where k != dots[0] && k != dots[1] && k != dots[2] {
            guard let a = value(b[k]) else { return .form }
            if k > dots[2] {
                guard a < 10 else { return .form }
                version = version * 10 + a
            }
            var s = (p + a) % 36
            if s == 0 { s = 36 }
            p = (2 * s) % 37
        }
        guard version >= 1, (dots[0] - 3..<dots[0]).allSatisfy({ (48...57).contains(b[$0]) }) else { return .form }
        let expected = symbols[(37 - p) % 36]
        let found = Character(Unicode.Scalar(b[dots[3] + 1]))
        return found == expected ? nil : .checkCharacter(expected: expected, found: found)
    }

    static func wellFormed(typeCode: String, issuerCode: String, serial: String) -> Bool {
        typeCode.count == 21 && issuerCode.count == 18 && (1...20).contains(serial.count)
            && (typeCode + issuerCode + serial).allSatisfy { value(of: $0) != nil }
            && typeCode.suffix(3).allSatisfy(\.isASCIIDigit)
    }

    /// ISO/IEC 7064 MOD 37,36 (hybrid system) over digits and capitals: 0-9 are 0..9, A-Z 10..35.
    /// nil when a character is neither.
    public static func checkCharacter(_ text: some StringProtocol) -> Character? {
        var p = 36
        for c in text {
            guard let a = value(of: c) else { return nil }
            var s = (p + a) % 36
            if s == 0 { s = 36 }
            p = (2 * s) % 37
        }
        let check = (37 - p) % 36
        return symbols[check]
    }

    private static let symbols = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    private static func value(of c: Character) -> Int? {
        guard let ascii = c.asciiValue else { return nil }
        switch ascii {
        case 48...57: return Int(ascii) - 48
        case 65...90: return Int(ascii) - 55
        default: return nil
        }
    }

    static func threeDigits(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}
