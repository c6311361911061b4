import Crypto
import Foundation

/// Keeps private keys encrypted at rest: each key is sealed with ChaCha20-Poly1305 under the
/// key-encryption key from configuration (never in the database or the repository), bound to
/// what it belongs to (`context`, e.g. the seal's id) so a sealed key moved to another row does
/// not open. `check` lets a process tell a wrong key-encryption key from a damaged row.
public struct KeyVault: Sendable {
    let key: SymmetricKey

    /// `keyEncryptionKey`: 32 bytes.
    public init(keyEncryptionKey: Data) throws {
        guard keyEncryptionKey.count == 32 else { throw LicencesError.keyEncryptionKey("the key-encryption key must be 32 bytes, not \(keyEncryptionKey.count)") }
        key = SymmetricKey(data: keyEncryptionKey)
    }

    /// A new random key-encryption key (the demo's first start writes one to a file).
    public static func newKey() -> Data { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }

    /// A short public fingerprint of the key-encryption key, stored beside the keys it sealed.
    public var check: String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("cityhub licences key-encryption key".utf8), using: key)
        return Data(mac).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    func seal(_ raw: Data, context: String) throws -> String {
        try ChaChaPoly.seal(raw, using: key, authenticating: Data(context.utf8)).combined.base64EncodedString()
    }

    func open(_ sealed: String, context: String) throws -> Data {
        guard let data = Data(base64Encoded: sealed), let box = try? ChaChaPoly.SealedBox(combined: data),
              let raw = try? ChaChaPoly.open(box, using: key, authenticating: Data(context.utf8)) else {
            throw LicencesError.keyEncryptionKey("a sealed key (\(context)) does not open under this key-encryption key")
        }
        return raw
    }
}
