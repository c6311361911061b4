import Crypto
import Foundation
import X509

/// The signature algorithms a seal may use. The verifier takes the algorithm from the seal's
/// certificate, never from the licence's header.
public enum SealAlgorithm: String, Sendable, Codable, CaseIterable {
    case ed25519
    case p256
    /// SM2 with SM3 (GB/T 32918, GB/T 35276's identifier 1234567812345678), through OpenSSL.
    case sm2

    /// The JWS `alg`: RFC 9864's fully-specified `Ed25519` (the polymorphic `EdDSA` is deprecated),
    /// RFC 7518's `ES256` for P-256 with SHA-256, and `SM2SM3` for SM2 with SM3, which JOSE has not
    /// registered: named, as RFC 9864 asks, for the signature and its hash both.
    public var jwsName: String {
        switch self {
        case .ed25519: "Ed25519"
        case .p256: "ES256"
        case .sm2: "SM2SM3"
        }
    }
}

/// A seal's (or the root's) private key: generated here, kept only sealed under the
/// key-encryption key (`KeyVault`), opened in memory to sign.
struct SealKey: Sendable {
    enum Backing: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case sm2(SM2Key)
    }

    let backing: Backing

    static func generate(_ algorithm: SealAlgorithm) throws -> SealKey {
        switch algorithm {
        case .ed25519: SealKey(backing: .ed25519(Curve25519.Signing.PrivateKey()))
        case .p256: SealKey(backing: .p256(P256.Signing.PrivateKey()))
        case .sm2: SealKey(backing: .sm2(try SM2Key.generate()))
        }
    }

    init(backing: Backing) { self.backing = backing }

    /// The key from its raw form: 32 bytes for Ed25519 and P-256, PKCS#8 DER for SM2.
    init(algorithm: SealAlgorithm, raw: Data) throws {
        switch algorithm {
        case .ed25519: backing = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        case .p256: backing = .p256(try P256.Signing.PrivateKey(rawRepresentation: raw))
        case .sm2: backing = .sm2(try SM2Key(privateDER: raw))
        }
    }

    var algorithm: SealAlgorithm {
        switch backing {
        case .ed25519: .ed25519
        case .p256: .p256
        case .sm2: .sm2
        }
    }

    var raw: Data {
        get throws {
            switch backing {
            case .ed25519(let k): k.rawRepresentation
            case .p256(let k): k.rawRepresentation
            case .sm2(let k): try k.privateDER
            }
        }
    }

    /// The key as swift-certificates holds it, to issue certificates with (the root's, P-256).
    var certificateKey: Certificate.PrivateKey {
        get throws {
            switch backing {
            case .ed25519(let k): Certificate.PrivateKey(k)
            case .p256(let k): Certificate.PrivateKey(k)
            case .sm2: throw SM2Error.notSM2("use for swift-certificates")
            }
        }
    }

    /// The public key as swift-certificates holds it; nil for SM2, which it cannot hold.
    var publicKey: Certificate.PublicKey? {
        switch backing {
        case .ed25519(let k): Certificate.PublicKey(k.publicKey)
        case .p256(let k): Certificate.PublicKey(k.publicKey)
        case .sm2: nil
        }
    }

    /// PKCS#8 DER, as OpenSSL reads it (the root's key, when it issues an SM2 certificate).
    var pkcs8: Data {
        get throws {
            switch backing {
            case .ed25519: throw SM2Error.notSM2("issuer key (the root is P-256)")
            case .p256(let k): k.derRepresentation
            case .sm2(let k): try k.privateDER
            }
        }
    }

    /// A signature in the JWS form: Ed25519's 64 bytes, P-256's or SM2's r ‖ s (64 bytes).
    func sign(_ data: Data) throws -> Data {
        switch backing {
        case .ed25519(let k): try k.signature(for: data)
        case .p256(let k): try k.signature(for: data).rawRepresentation
        case .sm2(let k): try k.sign(data)
        }
    }
}

/// A public key taken from a certificate, with the algorithm the certificate names.
struct SealPublicKey: Sendable {
    enum Backing: Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case sm2(SM2Key)
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

    init(sm2 key: SM2Key) { backing = .sm2(key) }

    var algorithm: SealAlgorithm {
        switch backing {
        case .ed25519: .ed25519
        case .p256: .p256
        case .sm2: .sm2
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
        case .sm2(let k):
            return k.isValid(signature, for: data)
        }
    }
}
