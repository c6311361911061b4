import Foundation
import SwiftASN1
import Synchronization
import X509

/// The outcome of verifying a licence: valid, or exactly why not.
public struct Verdict: Sendable, Equatable {
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case valid
        /// Not a sealed licence: not a compact JWS, or its header or payload unreadable.
        case malformed
        /// The national identifier's check character is wrong.
        case wrongCheckCharacter
        /// The seal's certificate is missing, not issued by a trusted root, or was not valid when the licence was sealed.
        case unknownSeal
        /// The signature does not match the content (the content or the signature was altered).
        case badSignature
        /// The content differs from the licence as issued (online: the library names the fields).
        case alteredField
        case sealRevoked
        case revoked
        case suspended
        case expired
        case notYetValid
    }

    /// What the verifier found about the seal that sealed it.
    public struct SealSummary: Sendable, Equatable, Codable {
        public let organisation: String
        public let creditCode: String?
        public let serial: String
        public let algorithm: SealAlgorithm
        public let notBefore: Date
        public let notAfter: Date
    }

    public let reason: Reason
    public let claims: LicenceClaims?
    public let seal: SealSummary?
    /// The particulars: the revocation reason, the expected check character, the altered fields.
    public let detail: String?
    public let alteredFields: [String]
    /// When the revocation status used was published; nil when none was checked.
    public let statusAsOf: Date?

    public var ok: Bool { reason == .valid }

    init(_ reason: Reason, claims: LicenceClaims? = nil, seal: SealSummary? = nil, detail: String? = nil, alteredFields: [String] = [], statusAsOf: Date? = nil) {
        self.reason = reason
        self.claims = claims
        self.seal = seal
        self.detail = detail
        self.alteredFields = alteredFields
        self.statusAsOf = statusAsOf
    }

    func with(_ reason: Reason, detail: String? = nil, alteredFields: [String] = []) -> Verdict {
        Verdict(reason, claims: claims, seal: seal, detail: detail, alteredFields: alteredFields, statusAsOf: statusAsOf)
    }

    func checked(as of: Date?) -> Verdict { Verdict(reason, claims: claims, seal: seal, detail: detail, alteredFields: alteredFields, statusAsOf: of) }

    public var messageZh: String {
        switch reason {
        case .valid: "证照有效：印章签名正确，证照未被吊销或中止，且在有效期内"
        case .malformed: "不是有效的电子证照（格式无法识别）"
        case .wrongCheckCharacter: "证照标识校验位错误\(detail.map { "（\($0)）" } ?? "")"
        case .unknownSeal: "印章未知：证书不是由受信任的根证书签发，或签章时证书不在有效期内"
        case .badSignature: "签名无效：证照内容或签名已被改动"
        case .alteredField: "证照内容已被篡改：\(alteredFields.joined(separator: "、"))"
        case .sealRevoked: "签章所用的电子印章已被吊销\(detail.map { "：\($0)" } ?? "")"
        case .revoked: "证照已被吊销\(detail.map { "：\($0)" } ?? "")"
        case .suspended: "证照已被中止\(detail.map { "：\($0)" } ?? "")"
        case .expired: "证照已过有效期"
        case .notYetValid: "证照尚未生效"
        }
    }

    public var messageEn: String {
        switch reason {
        case .valid: "Valid: the seal's signature is correct, the licence is neither revoked nor suspended, and it is within its validity"
        case .malformed: "Not a sealed licence (the form is not recognised)"
        case .wrongCheckCharacter: "The licence identifier's check character is wrong\(detail.map { " (\($0))" } ?? "")"
        case .unknownSeal: "Unknown seal: its certificate is not issued by a trusted root, or was not valid when the licence was sealed"
        case .badSignature: "Bad signature: the licence's content or its signature was altered"
        case .alteredField: "The licence was altered: \(alteredFields.joined(separator: ", "))"
        case .sealRevoked: "The seal that sealed it is revoked\(detail.map { ": \($0)" } ?? "")"
        case .revoked: "The licence is revoked\(detail.map { ": \($0)" } ?? "")"
        case .suspended: "The licence is suspended\(detail.map { ": \($0)" } ?? "")"
        case .expired: "The licence has expired"
        case .notYetValid: "The licence is not valid yet"
        }
    }
}

/// Verifies sealed licences with nothing but the trusted root certificates and, when given, a
/// status list: what `cityhub licence verify` does offline and the API does online. The
/// algorithm comes from the seal's certificate; the header's `alg` must agree with it.
public struct LicenceVerifier: Sendable {
    public let roots: [Certificate]
    private let chains = ChainCache()

    public init(roots: [Certificate]) {
        self.roots = roots
    }

    /// Roots from PEM text (one or more certificates).
    public init(rootPEM: String) throws {
        let documents = try PEMDocument.parseMultiple(pemString: rootPEM)
        roots = try documents.map { try Certificate(pemDocument: $0) }
        guard !roots.isEmpty else { throw LicencesError.invalidField("root", zh: "没有根证书", en: "no root certificate") }
    }

    /// The verdict on `token` at `now`. `status` (already verified, see `statusList(_:)`) adds the
    /// revocations; without it, revocation is not checked and `statusAsOf` is nil.
    public func verify(_ token: String, status: StatusList?, at now: Date) -> Verdict {
        let (verdict, _) = verifySeal(token)
        guard verdict.ok, let claims = verdict.claims, let seal = verdict.seal else { return verdict }
        var result = verdict
        if let status {
            result = result.checked(as: Date(timeIntervalSince1970: TimeInterval(status.iat)))
            if let s = status.sealIndex[seal.serial] { return result.with(.sealRevoked, detail: s.reason) }
            if let l = status.licenceIndex[claims.jti] {
                return result.with(l.status == "suspended" ? .suspended : .revoked, detail: l.reason)
            }
        }
        return Self.timely(result, at: now)
    }

    static func timely(_ verdict: Verdict, at now: Date) -> Verdict {
        guard let claims = verdict.claims else { return verdict }
        let t = Int64(now.timeIntervalSince1970)
        if t < claims.nbf { return verdict.with(.notYetValid) }
        if let exp = claims.exp, t >= exp { return verdict.with(.expired) }
        return verdict
    }

    /// The checks that need nothing but the token and the roots: form, identifier, chain,
    /// signature. Also returns the parsed token for the online checks.
    func verifySeal(_ token: String) -> (Verdict, CompactJWS?) {
        let token = Self.trimmed(token)
        guard let jws = CompactJWS(token), let claims = ClaimsReader.claims(jws.payload) else { return (Verdict(.malformed), nil) }
        switch LicenceIdentifier.problem(in: claims.jti) {
        case nil: break
        case .checkCharacter(let expected, let found)?: return (Verdict(.wrongCheckCharacter, claims: claims, detail: "\(found) → \(expected)"), jws)
        case .form?: return (Verdict(.malformed, claims: claims), jws)
        }
        let sealed: ChainCache.Sealed
        switch chains.sealed(jws, roots: roots) {
        case .malformed: return (Verdict(.malformed, claims: claims), jws)
        case .unknownSeal: return (Verdict(.unknownSeal, claims: claims), jws)
        case .known(let known): sealed = known
        }
        let chain = sealed.chain
        let verdict = Verdict(.valid, claims: claims, seal: chain.summary)
        guard chain.summary.notBefore <= claims.issuedAt, claims.issuedAt <= chain.summary.notAfter else { return (verdict.with(.unknownSeal), jws) }
        guard sealed.alg == chain.key.algorithm.jwsName, chain.key.isValid(jws.signature, for: jws.signingInput) else { return (verdict.with(.badSignature), jws) }
        return (verdict, jws)
    }

    /// The token without the white space a file or a form may add around it, without walking it
    /// by Characters when there is none (the usual case).
    static func trimmed(_ token: String) -> String {
        let utf8 = token.utf8
        func space(_ b: UInt8?) -> Bool { b.map { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 } ?? false }
        guard space(utf8.first) || space(utf8.last) else { return token }
        return token.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Checks a status list's seal (one of the trusted roots signed it) and reads it.
    public func statusList(_ token: String) throws -> StatusList {
        guard let jws = CompactJWS(token.trimmingCharacters(in: .whitespacesAndNewlines)), let headerData = jws.header,
              let header = try? JSONDecoder().decode(SealHeader.self, from: headerData),
              let list = try? JSONDecoder().decode(StatusList.self, from: jws.payload) else {
            throw LicencesError.invalidField("status", zh: "状态列表格式无法识别", en: "the status list is not readable")
        }
        let signedByRoot = roots.contains { root in
            guard let key = SealPublicKey(root.publicKey) else { return false }
            return header.alg == key.algorithm.jwsName && key.isValid(jws.signature, for: jws.signingInput)
        }
        guard signedByRoot else { throw LicencesError.invalidField("status", zh: "状态列表的签名无效", en: "the status list's signature is not a trusted root's") }
        return list
    }
}

/// Sealed licences' protected headers already read, by their base64url text, with the seal's
/// chain checked against the roots: the licences one seal sealed share one header, so a
/// licence's verification then costs one signature check, not two, a certificate parse and the
/// header's decoding.
final class ChainCache: Sendable {
    struct Chain: Sendable {
        let key: SealPublicKey
        let summary: Verdict.SealSummary
    }

    /// What a protected header says: its `alg` and the seal's checked chain.
    struct Sealed: Sendable {
        let alg: String
        let chain: Chain
    }

    enum Lookup {
        case malformed, unknownSeal, known(Sealed)
    }

    /// Headers by a cheap hash of their length and first bytes (where `alg` and the seal's `kid`
    /// are); a hit is taken only when every byte of the header is the same.
    private let headers = Mutex<[Int: [(header: [UInt8], sealed: Sealed)]]>([:])
    static let capacity = 4_096

    func sealed(_ jws: CompactJWS, roots: [Certificate]) -> Lookup {
        var part = jws.headerPart
        let hit: Sealed?? = part.withUTF8 { bytes in
            let key = Self.key(bytes)
            return headers.withLock { cache in
                cache[key]?.first { entry in
                    entry.header.count == bytes.count && entry.header.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
                }.map(\.sealed)
            }
        }
        if let hit = hit ?? nil { return .known(hit) }
        guard let data = jws.header, let header = try? JSONDecoder().decode(SealHeader.self, from: data) else { return .malformed }
        guard let leaf = header.x5c.first, let chain = Self.chain(leaf, roots: roots) else { return .unknownSeal }
        let sealed = Sealed(alg: header.alg, chain: chain)
        let bytes = Array(jws.headerPart.utf8)
        let key = bytes.withUnsafeBufferPointer { Self.key($0) }
        headers.withLock {
            if $0.values.reduce(0, { $0 + $1.count }) >= Self.capacity { $0.removeAll() }
            $0[key, default: []].append((bytes, sealed))
        }
        return .known(sealed)
    }

    /// FNV-1a over the length and the first 192 bytes.
    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in bytes.prefix(192) {
            hash = (hash ^ UInt64(byte)) &* 0x100000001b3
        }
        return Int(truncatingIfNeeded: hash ^ UInt64(bytes.count))
    }

    /// The seal certificate's key and summary when one of the roots issued it. Ed25519 and P-256
    /// certificates are read by swift-certificates, SM2 ones by OpenSSL.
    static func chain(_ leafBase64: String, roots: [Certificate]) -> Chain? {
        guard let der = Data(base64Encoded: leafBase64) else { return nil }
        guard let cert = try? Certificate(derEncoded: Array(der)) else { return sm2Chain(der, roots: roots) }
        guard roots.contains(where: { $0.subject == cert.issuer && $0.publicKey.isValidSignature(cert.signature, for: cert) }),
              let key = SealPublicKey(cert.publicKey) else { return nil }
        return Chain(key: key, summary: summary(subject: cert.subject, serial: cert.serialNumber.bytes, algorithm: key.algorithm,
                                                notBefore: cert.notValidBefore, notAfter: cert.notValidAfter))
    }

    static func sm2Chain(_ der: Data, roots: [Certificate]) -> Chain? {
        for root in roots {
            guard let rootDER = try? SealNames.der(root) else { continue }
            switch SM2Certificates.read(der, issuer: rootDER) {
            case .notSM2: return nil
            case .notIssued: continue
            case .issued(let read):
                return Chain(key: SealPublicKey(sm2: read.key),
                             summary: summary(subject: read.subject, serial: read.serial, algorithm: .sm2, notBefore: read.notBefore, notAfter: read.notAfter))
            }
        }
        return nil
    }

    static func summary(subject: DistinguishedName, serial: some Collection<UInt8>, algorithm: SealAlgorithm, notBefore: Date, notAfter: Date) -> Verdict.SealSummary {
        Verdict.SealSummary(organisation: SealNames.organisation(of: subject) ?? subject.description, creditCode: SealNames.creditCode(of: subject),
                            serial: SealNames.hex(serial), algorithm: algorithm, notBefore: notBefore, notAfter: notAfter)
    }
}
