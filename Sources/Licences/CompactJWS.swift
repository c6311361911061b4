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
        // Split on the UTF-8 view: walking a 3 KB token by Characters costs more than its signature.
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(of: UInt8(ascii: ".")),
              let second = utf8[utf8.index(after: first)...].firstIndex(of: UInt8(ascii: ".")),
              !utf8[utf8.index(after: second)...].contains(UInt8(ascii: ".")) else { return nil }
        headerPart = text[..<first]
        payloadPart = text[text.index(after: first)..<second]
        signaturePart = text[text.index(after: second)...]
        guard let p = Base64URL.decode(payloadPart), let s = Base64URL.decode(signaturePart) else { return nil }
        payload = p
        signature = s
        signingInput = Data(utf8[..<second])
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
        var input = text.utf8
        return input.withContiguousStorageIfAvailable { decode(bytes: $0) } ?? decode(bytes: Array(input))
    }

    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    static func decode(bytes: some Collection<UInt8>) -> Data? {
        let count = bytes.count
        guard count % 4 != 1 else { return nil }
        var out = [UInt8](repeating: 0, count: count * 3 / 4)
        var n = 0
        var buffer: UInt32 = 0
        var bits = 0
        for c in bytes {
            let v = table[Int(c)]
            guard v != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out[n] = UInt8(truncatingIfNeeded: buffer >> UInt32(bits))
                n += 1
            }
        }
        // The unused low bits of the last character must be zero (one encoding per value).
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return Data(out[0..<n])
    }
}
