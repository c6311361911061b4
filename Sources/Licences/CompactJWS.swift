import Foundation

/// A JWS in compact serialisation (RFC 7515 §7.1): `header.payload.signature`, each part
/// base64url without padding; the signature covers the ASCII of `header.payload`.
struct CompactJWS: Sendable {
    let headerPart: Substring
    let payloadPart: Substring
    let signaturePart: Substring
    let payload: Data
    let signature: Data
    /// The ASCII of `header.payload`, which the signature covers.
    let signingInput: Data

    /// nil when `text` is not three base64url parts. The header is decoded only when asked for:
    /// verifiers look it up by its text first.
    init?(_ text: String) {
        // Split and copy on the UTF-8 bytes: walking a 3 KB token by Characters, or even by
        // UTF8View indices, costs a good part of what its signature does.
        var text = text
        guard let parts = text.withUTF8({ bytes -> (Int, Int, Data, Data, Data)? in
            guard let base = bytes.baseAddress else { return nil }
            var first = -1, second = -1
            for k in 0..<bytes.count where bytes[k] == UInt8(ascii: ".") {
                if first < 0 { first = k } else if second < 0 { second = k } else { return nil }
            }
            guard second > 0 else { return nil }
            guard let p = Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: bytes[(first + 1)..<second])),
                  let s = Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: bytes[(second + 1)...])) else { return nil }
            return (first, second, p, s, Data(bytes: base, count: second))
        }) else { return nil }
        let utf8 = text.utf8
        let first = utf8.index(utf8.startIndex, offsetBy: parts.0), second = utf8.index(utf8.startIndex, offsetBy: parts.1)
        headerPart = text[..<first]
        payloadPart = text[text.index(after: first)..<second]
        signaturePart = text[text.index(after: second)...]
        payload = parts.2
        signature = parts.3
        signingInput = parts.4
    }

    var header: Data? { Base64URL.decode(headerPart) }


    /// Signs `header` and `payload` with `sign` and writes the compact form.
    static func seal(header: Data, payload: Data, sign: (Data) throws -> Data) rethrows -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(try sign(Data(input.utf8)))
    }
}

/// base64url without padding (RFC 4648 §5), as JOSE writes it.
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// nil for anything but base64url without padding. Decodes the bytes directly (a licence is
    /// verified thousands of times a second; string replacements and padding cost more than the signature).
    public static func decode(_ text: some StringProtocol) -> Data? {
        let input = text.utf8
        return input.withContiguousStorageIfAvailable { decode(bytes: $0) } ?? Array(input).withUnsafeBufferPointer { decode(bytes: $0) }
    }

    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// On the bytes, not generic: an unspecialised generic loop looked its types up per call.
    static func decode(bytes: UnsafeBufferPointer<UInt8>) -> Data? {
        let count = bytes.count
        guard count % 4 != 1 else { return nil }
        return table.withUnsafeBufferPointer { table in
            var out = Data(count: count * 3 / 4)
            var n = 0
            var buffer: UInt32 = 0
            var bits = 0
            let ok = out.withUnsafeMutableBytes { raw -> Bool in
                let o = raw.bindMemory(to: UInt8.self)
                for c in bytes {
                    let v = table[Int(c)]
                    guard v != 0xFF else { return false }
                    buffer = buffer << 6 | UInt32(v)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        o[n] = UInt8(truncatingIfNeeded: buffer >> UInt32(bits))
                        n += 1
                    }
                }
                // The unused low bits of the last character must be zero (one encoding per value).
                return buffer & ((1 << UInt32(bits)) - 1) == 0
            }
            guard ok else { return nil }
            out.count = n
            return out
        }
    }
}
