import CSM2
import Foundation
import SwiftASN1
import X509

/// An SM2 key (GB/T 32918) held by the system's OpenSSL 3: signatures are SM3 over Z ‖ message
/// with the standard distinguishing identifier `1234567812345678`, written r ‖ s (64 bytes) as
/// JWS writes ECDSA signatures. One OpenSSL key object is only read after it is made, which
/// OpenSSL allows from several threads at once.
final class SM2Key: @unchecked Sendable {
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { csm2_key_free(pointer) }

    static func generate() throws -> SM2Key {
        guard let key = csm2_generate() else { throw SM2Error.openSSL("SM2 key generation") }
        return SM2Key(key)
    }

    /// A private key from its PKCS#8 DER.
    convenience init(privateDER der: Data) throws {
        guard let key = der.withUnsafeBytes({ csm2_private_key($0.baseAddress?.assumingMemoryBound(to: UInt8.self), der.count) }) else {
            throw SM2Error.notSM2("private key")
        }
        self.init(key)
    }

    /// A public key from its SubjectPublicKeyInfo DER.
    convenience init(publicDER der: Data) throws {
        guard let key = der.withUnsafeBytes({ csm2_public_key($0.baseAddress?.assumingMemoryBound(to: UInt8.self), der.count) }) else {
            throw SM2Error.notSM2("public key")
        }
        self.init(key)
    }

    fileprivate static func adopting(_ pointer: OpaquePointer) -> SM2Key { SM2Key(pointer) }

    var privateDER: Data {
        get throws { try Self.taken("private key") { csm2_private_der(pointer, $0, $1) } }
    }

    var publicDER: Data {
        get throws { try Self.taken("public key") { csm2_public_der(pointer, $0, $1) } }
    }

    /// r ‖ s, 64 bytes.
    func sign(_ data: Data) throws -> Data {
        var signature = Data(count: 64)
        let ok = signature.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { csm2_sign(pointer, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        }
        guard ok == 1 else { throw SM2Error.openSSL("SM2 signing") }
        return signature
    }

    /// Whether `signature` (r ‖ s) is this key's over `data`.
    func isValid(_ signature: Data, for data: Data) -> Bool {
        guard signature.count == 64 else { return false }
        return signature.withUnsafeBytes { s in
            data.withUnsafeBytes { csm2_verify(pointer, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, s.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        } == 1
    }

    /// The same check on a DER signature, with no conversion: the benchmark's raw OpenSSL baseline.
    func isValid(derSignature signature: Data, for data: Data) -> Bool {
        signature.withUnsafeBytes { s in
            data.withUnsafeBytes {
                csm2_verify_der(pointer, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, s.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count)
            }
        } == 1
    }

    /// r ‖ s as a DER ECDSA-Sig-Value, as the openssl command and GB/T 38540 write it.
    static func derSignature(_ signature: Data) throws -> Data {
        guard signature.count == 64 else { throw SM2Error.notSM2("signature") }
        return try taken("signature") { out, length in
            signature.withUnsafeBytes { csm2_signature_der($0.baseAddress!.assumingMemoryBound(to: UInt8.self), out, length) }
        }
    }

    static func taken(_ what: String, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>) -> Int32) throws -> Data {
        var pointer: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard body(&pointer, &length) == 1, let pointer else { throw SM2Error.openSSL(what) }
        defer { csm2_free(pointer) }
        return Data(bytes: pointer, count: length)
    }
}

enum SM2Error: Error, CustomStringConvertible {
    case openSSL(String)
    case notSM2(String)

    var description: String {
        switch self {
        case .openSSL(let what): "OpenSSL failed: \(what)"
        case .notSM2(let what): "not an SM2 \(what)"
        }
    }
}

/// X.509 certificates for SM2 seal keys, issued by the city root (ECDSA P-256) through OpenSSL:
/// swift-certificates reads and writes the root and the other seals, but has no SM2 key type.
enum SM2Certificates {
    /// A seal certificate for `key`, issued by `issuer` with its key (PKCS#8 DER).
    static func issue(key: SM2Key, subject: DistinguishedName, serial: [UInt8], notBefore: Date, notAfter: Date,
                      issuer: Data, issuerKey: Data) throws -> Data {
        var serializer = DER.Serializer()
        try serializer.serialize(subject)
        let name = serializer.serializedBytes
        return try SM2Key.taken("SM2 certificate") { out, length in
            name.withUnsafeBytes { n in serial.withUnsafeBytes { s in issuer.withUnsafeBytes { i in issuerKey.withUnsafeBytes { k in
                csm2_issue_certificate(key.pointer, n.baseAddress?.assumingMemoryBound(to: UInt8.self), name.count,
                                       s.baseAddress?.assumingMemoryBound(to: UInt8.self), serial.count,
                                       Int64(notBefore.timeIntervalSince1970), Int64(notAfter.timeIntervalSince1970),
                                       i.baseAddress?.assumingMemoryBound(to: UInt8.self), issuer.count,
                                       k.baseAddress?.assumingMemoryBound(to: UInt8.self), issuerKey.count, out, length)
            } } } }
        }
    }

    struct Read {
        let key: SM2Key
        let subject: DistinguishedName
        let serial: [UInt8]
        let notBefore: Date
        let notAfter: Date
    }

    enum Outcome {
        /// Not a readable certificate with an SM2 key.
        case notSM2
        /// An SM2 certificate that this issuer did not issue.
        case notIssued
        case issued(Read)
    }

    /// Reads an SM2 certificate and checks that `issuer` (DER) issued and signed it.
    static func read(_ der: Data, issuer: Data) -> Outcome {
        var out = csm2_certificate()
        let result = der.withUnsafeBytes { d in issuer.withUnsafeBytes { i in
            csm2_read_certificate(d.baseAddress?.assumingMemoryBound(to: UInt8.self), der.count, i.baseAddress?.assumingMemoryBound(to: UInt8.self), issuer.count, &out)
        } }
        switch result {
        case 1: break
        case -1: return .notIssued
        default: return .notSM2
        }
        let key = SM2Key.adopting(out.key)
        defer { csm2_free(out.subject); csm2_free(out.serial) }
        let subjectBytes = Array(UnsafeBufferPointer(start: out.subject, count: out.subject_length))
        guard let subject = try? DistinguishedName(derEncoded: subjectBytes) else { return .notSM2 }
        return .issued(Read(key: key, subject: subject, serial: Array(UnsafeBufferPointer(start: out.serial, count: out.serial_length)),
                            notBefore: Date(timeIntervalSince1970: TimeInterval(out.not_before)),
                            notAfter: Date(timeIntervalSince1970: TimeInterval(out.not_after))))
    }
}

/// SM3 (GB/T 32905), through OpenSSL.
enum SM3 {
    static func hash(_ data: some ContiguousBytes) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = data.withUnsafeBytes { d in
            digest.withUnsafeMutableBufferPointer { csm2_sm3(d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count, $0.baseAddress!) }
        }
        precondition(ok == 1, "OpenSSL has no SM3")
        return digest
    }
}
