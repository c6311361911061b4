import Crypto
import Foundation
import X509

/// The signature algorithms a seal may use. The verifier takes the algorithm from the seal's
/// certificate, never from the licence's header.
public enum SealAlgorithm: String, Sendable, Codable, CaseIterable {
    case ed25519
    case p256

    /// The JWS `alg`: RFC 9864's fully-specified `Ed25519` (the polymorphic `EdDSA` is deprecated),
    /// RFC 7518's `ES256` for P-256 with SHA-256.
    public var jwsName: String {
        switch self {
        case .ed25519: "Ed25519"
        case .p256: "ES256"
        }
    }
}

/// A seal's (or the root's) private key: generated here, kept only sealed under the
/// key-encryption key (`KeyVault`), opened in memory to sign.
struct SealKey: Sendable {
    enum Backing: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
    }

    let backing: Backing

    static func generate(_ algorithm: SealAlgorithm) -> SealKey {
        switch algorithm {
        case .ed25519: SealKey(backing: .ed25519(Curve25519.Signing.PrivateKey()))
        case .p256: SealKey(backing: .p256(P256.Signing.PrivateKey()))
        }
    }

    init(backing: Backing) { self.backing = backing }

    /// The key from its raw form (32 bytes for both algorithms).
    init(algorithm: SealAlgorithm, raw: Data) throws {
        switch algorithm {
        case .ed25519: backing = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        case .p256: backing = .p256(try P256.Signing.PrivateKey(rawRepresentation: raw))
        }
    }

    var algorithm: SealAlgorithm {
        switch backing {
        case .ed25519: .ed25519
        case .p256: .p256
        }
    }

    var raw: Data {
        switch backing {
        case .ed25519(let k): k.rawRepresentation
        case .p256(let k): k.rawRepresentation
        }
    }

    var certificateKey: Certificate.PrivateKey {
        switch backing {
        case .ed25519(let k): Certificate.PrivateKey(k)
        case .p256(let k): Certificate.PrivateKey(k)
        }
    }

    var publicKey: Certificate.PublicKey {
        switch backing {
        case .ed25519(let k): Certificate.PublicKey(k.publicKey)
        case .p256(let k): Certificate.PublicKey(k.publicKey)
        }
    }

    /// A signature in the JWS form: Ed25519's 64 bytes, or P-256's r ‖ s (64 bytes).
    func sign(_ data: Data) throws -> Data {
        switch backing {
        case .ed25519(let k): try k.signature(for: data)
        case .p256(let k): try k.signature(for: data).rawRepresentation
        }
    }
}

/// A public key taken from a certificate, with the algorithm the certificate names.
struct SealPublicKey: Sendable {
    enum Backing: Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
    }

    let backing: Backing

    /// nil when the certificate's key is of an algorithm seals do not use.
    init?(_ key: Certificate.PublicKey) {
        if let k = Curve25519.Signing.PublicKey(key) {
            backing = .ed25519(k)
        } else if let k = P256.Signing.PublicKey(key) {
            backing = .p256(k)
        } else {
            return nil
        }
    }

    var algorithm: SealAlgorithm {
        switch backing {
        case .ed25519: .ed25519
        case .p256: .p256
        }
    }

    /// Checks a JWS-form signature over `data`.
    func isValid(_ signature: Data, for data: Data) -> Bool {
        switch backing {
        case .ed25519(let k):
            return k.isValidSignature(signature, for: data)
        case .p256(let k):
            guard let s = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return k.isValidSignature(s, for: data)
        }
    }
}
