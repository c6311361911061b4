import Foundation

/// Reads a licence's claims straight from the payload's bytes: strict JSON (RFC 8259: UTF-8
/// checked, escapes and surrogate pairs decoded, integers without fraction or exponent, nothing
/// after the object), with the claims' shape checked as it goes (every required claim present,
/// each once, of its type; unknown members skipped). Verification reads one payload per
/// licence, and Foundation's JSONDecoder cost more than the signature check itself.
struct ClaimsReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    static func claims(_ data: Data) -> LicenceClaims? {
        data.withUnsafeBytes { raw in
            var reader = ClaimsReader(raw.bindMemory(to: UInt8.self))
            guard let claims = reader.readClaims() else { return nil }
            reader.space()
            return reader.i == reader.bytes.count ? claims : nil
        }
    }

    // MARK: The claims

    private mutating func readClaims() -> LicenceClaims? {
        var jti, no, type, typeName, iss, issuerOrganisation, issuerName, sub: String?
        var holder: LicenceClaims.Holder?
        var fields: [String: String]?
        var iat, nbf: Int64?
        var exp: Int64?? = .none
        var ver: Int64?
        var seen: UInt32 = 0
        let ok = members { key, reader in
            // Each known claim once (a bit each); unknown members are skipped.
            if let bit = Self.known[key] {
                guard seen & bit == 0 else { return false }
                seen |= bit
            }
            switch key {
            case "jti": jti = reader.string()
            case "no": no = reader.string()
            case "type": type = reader.string()
            case "typeName": typeName = reader.string()
            case "iss": iss = reader.string()
            case "issuerOrganisation": issuerOrganisation = reader.string()
            case "issuerName": issuerName = reader.string()
            case "sub": sub = reader.string()
            case "iat": iat = reader.integer()
            case "nbf": nbf = reader.integer()
            case "ver": ver = reader.integer()
            case "exp":
                if reader.literal("null") { exp = .some(nil) } else if let value = reader.integer() { exp = .some(value) } else { return false }
                return true
            case "holder":
                var kind, name: String?
                var inner = Set<String>()
                guard reader.members({ key, reader in
                    guard inner.insert(key).inserted else { return false }
                    switch key {
                    case "kind": kind = reader.string(); return kind != nil
                    case "name": name = reader.string(); return name != nil
                    default: return reader.skipValue()
                    }
                }), let kind, let name else { return false }
                holder = LicenceClaims.Holder(kind: kind, name: name)
                return true
            case "fields":
                var values: [String: String] = [:]
                guard reader.members({ key, reader in
                    guard values[key] == nil, let value = reader.string() else { return false }
                    values[key] = value
                    return true
                }) else { return false }
                fields = values
                return true
            default:
                return reader.skipValue()
            }
            // The string and integer claims: read, or the payload is not a licence's.
            switch key {
            case "iat": return iat != nil
            case "nbf": return nbf != nil
            case "ver": return ver != nil
            case "jti": return jti != nil
            case "no": return no != nil
            case "type": return type != nil
            case "typeName": return typeName != nil
            case "iss": return iss != nil
            case "issuerOrganisation": return issuerOrganisation != nil
            case "issuerName": return issuerName != nil
            default: return sub != nil
            }
        }
        guard ok, let jti, let no, let type, let typeName, let iss, let issuerOrganisation, let issuerName, let sub, let holder, let fields,
              let iat, let nbf, let ver, let version = Int(exactly: ver) else { return nil }
        let expiry: Int64?
        switch exp {
        case .none: expiry = nil
        case .some(let value): expiry = value
        }
        return LicenceClaims(jti: jti, no: no, type: type, typeName: typeName, iss: iss, issuerOrganisation: issuerOrganisation, issuerName: issuerName,
                             sub: sub, holder: holder, fields: fields, iat: iat, nbf: nbf, exp: expiry, ver: version)
    }

    private static let known: [String: UInt32] = Dictionary(uniqueKeysWithValues: [
        "jti", "no", "type", "typeName", "iss", "issuerOrganisation", "issuerName", "sub", "holder", "fields", "iat", "nbf", "exp", "ver",
    ].enumerated().map { ($1, UInt32(1) << UInt32($0)) })

    // MARK: JSON

    private mutating func space() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        space()
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    /// An object's members, each handed to `member` with the reader at its value.
    private mutating func members(_ member: (String, inout ClaimsReader) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        while true {
            guard let key = string(), take(UInt8(ascii: ":")), member(key, &self) else { return false }
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}"))
        }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        space()
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
        i += count
        return true
    }

    /// A string; nil unless it is well-formed JSON and valid UTF-8.
    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x22 {
                defer { i += 1 }
                return Self.validString(UnsafeBufferPointer(rebasing: bytes[start..<i]))
            }
            if c == 0x5C { return escapedString(from: start) }
            if c < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    /// The text of UTF-8 bytes, nil unless they are valid: decoding repairs invalid sequences,
    /// so a string whose bytes differ from the input's was not valid.
    private static func validString(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        var text = String(decoding: utf8, as: UTF8.self)
        let same = text.withUTF8 { $0.count == utf8.count && (utf8.isEmpty || memcmp($0.baseAddress!, utf8.baseAddress!, utf8.count) == 0) }
        return same ? text : nil
    }

    private mutating func escapedString(from start: Int) -> String? {
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            switch c {
            case 0x22: return out.withUnsafeBufferPointer { Self.validString($0) }
            case 0x5C:
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == UInt8(ascii: "u") else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        return nil
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: String(unicode).utf8)
                default: return nil
                }
            default:
                if c < 0x20 { return nil }
                out.append(c)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x37)
            case 0x61...0x66: digit = UInt32(c - 0x57)
            default: return nil
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// An integer (no fraction, no exponent) that fits 64 bits.
    mutating func integer() -> Int64? {
        space()
        let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { return nil }
        if bytes[i] == 0x30, i + 1 < bytes.count, (0x30...0x39).contains(bytes[i + 1]) { return nil }
        var value: Int64 = 0
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(bytes[i] - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
        return negative ? -value : value
    }

    /// Skips one value of any kind, checking its form.
    mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < 32 else { return false }
        space()
        guard i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"): return members { _, reader in reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            i += 1
            if take(UInt8(ascii: "]")) { return true }
            while true {
                guard skipValue(depth: depth + 1) else { return false }
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]"))
            }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func number() -> Bool {
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ r: inout ClaimsReader) -> Int {
            let start = r.i
            while r.i < r.bytes.count, (0x30...0x39).contains(r.bytes[r.i]) { r.i += 1 }
            return r.i - start
        }
        let first = i
        let n = digits(&self)
        guard n > 0, !(n > 1 && bytes[first] == 0x30) else { return false }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { return false }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { return false }
        }
        return true
    }
}
