import Foundation

/// A JWS in compact serialisation (RFC 7515 §7.1): `header.payload.signature`, each part
/// base64url without padding; the signature covers the ASCII of `header.payload`.
struct CompactJWS: Sendable {
    let headerPart: Substring
    let payloadPart: Substring
    let signaturePart: Substring
    let header: Data
    let payload: Data
    let signature: Data

    /// nil when `text` is not three base64url parts.
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let h = Base64URL.decode(parts[0]), let p = Base64URL.decode(parts[1]),
              let s = Base64URL.decode(parts[2]) else { return nil }
        headerPart = parts[0]
        payloadPart = parts[1]
        signaturePart = parts[2]
        header = h
        payload = p
        signature = s
    }

    var signingInput: Data { Data("\(headerPart).\(payloadPart)".utf8) }

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

    /// nil for anything but base64url without padding.
    public static func decode(_ text: some StringProtocol) -> Data? {
        guard text.utf8.allSatisfy({ $0 == 45 || $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if s.count % 4 == 1 { return nil }
        s += String(repeating: "=", count: (4 - s.count % 4) % 4)
        return Data(base64Encoded: s)
    }
}
