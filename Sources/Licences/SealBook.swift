import CityCore
import CityStore
import Crypto
import Foundation
import Identity
import SQLKit
import SwiftASN1
import X509

/// Where a seal stands. A retired seal (replaced by a newer one) sealed licences that stay valid;
/// a revoked one makes every licence it sealed fail verification.
public enum SealState: String, Sendable, Codable, CaseIterable {
    case active, retired, revoked
}

/// A department's e-seal: its certificate (issued by the city root) and where it stands. The
/// private key never leaves the module.
public struct Seal: Sendable, Codable, Equatable {
    public let id: String
    public let organisationCode: String
    public let organisationName: String
    public let creditCode: String
    public let algorithm: SealAlgorithm
    /// The certificate's serial number, hex.
    public let serial: String
    /// The certificate, DER.
    public let certificate: Data
    public let notBefore: Date
    public let notAfter: Date
    public let state: SealState
    public let revokedAt: Date?
    public let revokeReason: String?
    public let createdBy: String
    public let createdAt: Date

    public var certificatePEM: String {
        "-----BEGIN CERTIFICATE-----\n" + certificate.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]) + "\n-----END CERTIFICATE-----\n"
    }
}

/// A request for a new seal (or the next one: a new seal retires the organisation's active seal
/// of the same algorithm; what the old one sealed stays verifiable).
public struct NewSeal: Sendable, Equatable {
    public var organisationCode: String
    /// The department's unified social credit code, written into the certificate.
    public var creditCode: String
    public var algorithm: SealAlgorithm
    /// Years the certificate is valid (1 to 10).
    public var years: Int

    public init(organisationCode: String, creditCode: String, algorithm: SealAlgorithm, years: Int = 3) {
        self.organisationCode = organisationCode
        self.creditCode = creditCode
        self.algorithm = algorithm
        self.years = years
    }
}

/// The city root certification authority and the departments' seals. Keys are generated here
/// and stored only sealed under the key-encryption key; certificates are X.509 (swift-certificates).
public struct SealBook: Sendable {
    let store: Store
    let clock: any WallClock
    let vault: KeyVault

    /// The root's name (its certificate's subject).
    public static let rootOrganisation = "周口市人民政府"
    public static let rootCommonName = "周口市电子印章根证书 CityHub Zhoukou Root CA"
    /// A demo credit code for the root's subject (organizationIdentifier).
    public static let rootCreditCode = "11411600MB1A00001" + String(CreditCode.checkCharacter("11411600MB1A00001")!)

    public init(store: Store, clock: any WallClock, vault: KeyVault) {
        self.store = store
        self.clock = clock
        self.vault = vault
    }

    // MARK: The root

    struct Root: Sendable {
        let id: String
        let certificate: Certificate
        let der: Data
        let key: SealKey

        init(_ authority: Authority) throws {
            id = authority.id
            certificate = try Certificate(derEncoded: Array(authority.der))
            der = authority.der
            key = authority.key
        }
    }

    /// The active root, made on first use (ECDSA P-256, 20 years). Two processes making it at
    /// once keep one: the insert decides.
    func root() async throws -> Root {
        if let root = try await activeAuthority("root") { return try Root(root) }
        let key = try SealKey.generate(.p256)
        let now = clock.now()
        let name = try SealNames.subject(organisation: Self.rootOrganisation, creditCode: Self.rootCreditCode, commonName: Self.rootCommonName)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey!,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(20 * 365.25 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey!)
            },
            issuerPrivateKey: try key.certificateKey)
        return try Root(try await keepAuthority(id: "root-1", role: "root", key: key, certificate: try SealNames.der(certificate), at: now))
    }

    /// An authority's row (`licence_authorities`): the root that certifies seals, or the maker
    /// that signs GB/T 38540 seals; its certificate and its opened key.
    struct Authority {
        let id: String
        let der: Data
        let key: SealKey
    }

    /// The active authority of `role` (`root` or `maker`), its key opened.
    func activeAuthority(_ role: String) async throws -> Authority? {
        struct Row: Decodable { let id: String; let algorithm: String; let certificate: Data; let sealedKey: String; let kekCheck: String }
        guard let row = try await store.read({ db in
            try await db.raw("""
                SELECT id, algorithm, certificate, sealed_key, kek_check FROM licence_authorities
                WHERE role = \(bind: role) AND active = \(bind: true) ORDER BY id DESC LIMIT 1
                """)
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }) else { return nil }
        try checkVault(row.kekCheck)
        let key = try SealKey(algorithm: SealAlgorithm(rawValue: row.algorithm) ?? .p256, raw: try vault.open(row.sealedKey, context: row.id))
        return Authority(id: row.id, der: row.certificate, key: key)
    }

    /// Stores a new authority of `role`, its key sealed, and answers the active one: of two
    /// processes making it at once, the insert decides which is kept.
    func keepAuthority(id: String, role: String, key: SealKey, certificate der: Data, at now: Date) async throws -> Authority {
        let sealed = try vault.seal(try key.raw, context: id)
        let (check, algorithm) = (vault.check, key.algorithm.rawValue)
        try await store.write { db in
            try await db.raw("""
                INSERT INTO licence_authorities (id, algorithm, certificate, sealed_key, kek_check, active, created_at, role)
                VALUES (\(bind: id), \(bind: algorithm), \(bind: der), \(bind: sealed), \(bind: check), \(bind: true), \(bind: now), \(bind: role))
                ON CONFLICT (id) DO NOTHING
                """).run()
        }
        guard let kept = try await activeAuthority(role) else { throw LicencesError.keyEncryptionKey("the \(role) authority was not stored") }
        return kept
    }

    /// Every root certificate, active first: what a verifier trusts.
    /// Reads only the public certificates: the root's key is opened only when there is no root yet.
    public func rootCertificates() async throws -> [Certificate] {
        struct Row: Decodable { let certificate: Data }
        func stored() async throws -> [Certificate] {
            try await store.read { db in
                try await db.raw("SELECT certificate FROM licence_authorities WHERE role = 'root' ORDER BY active DESC, id DESC").all(decoding: Row.self)
            }.map { try Certificate(derEncoded: Array($0.certificate)) }
        }
        let certificates = try await stored()
        if !certificates.isEmpty { return certificates }
        _ = try await root()
        return try await stored()
    }

    /// The root certificates as PEM, for `cityhub seal root-cert` and offline verifiers.
    public func rootPEM() async throws -> String {
        try await rootCertificates().map { try SealNames.pem($0) }.joined(separator: "\n") + "\n"
    }

    func checkVault(_ stored: String) throws {
        guard stored == vault.check else {
            throw LicencesError.keyEncryptionKey("keys were sealed under the key-encryption key \(stored); the configured one is \(vault.check)")
        }
    }

    // MARK: Seals

    /// Makes a seal for a department: a new key and a certificate from the root naming the
    /// department and its credit code. Platform administrators only, within their scope. The
    /// department's previous active seal of that algorithm is retired in the same transaction.
    public func create(_ input: NewSeal, by caller: Principal, origin: AuditOrigin) async throws -> Seal {
        try caller.require(anyOf: .platformAdmin)
        let scope = try caller.staffScope()
        guard let organisation = try await OrganisationBook(store: store, clock: clock).find(input.organisationCode),
              scope.contains(organisation.divisionCode) else { throw LicencesError.unknownOrganisation }
        let credit: CreditCode
        do { credit = try CreditCode.checked(input.creditCode) } catch {
            throw LicencesError.invalidField("creditCode", zh: "统一社会信用代码有误：\(error.messageZh)", en: "the credit code is wrong: \(error.messageEn)")
        }
        guard (1...10).contains(input.years) else { throw LicencesError.invalidField("years", zh: "有效期应为 1 至 10 年", en: "years must be 1 to 10") }
        let root = try await root()
        let key = try SealKey.generate(input.algorithm)
        let now = clock.now()
        let serial = Certificate.SerialNumber(bytes: Self.newSerial())
        let notBefore = now.addingTimeInterval(-300), notAfter = now.addingTimeInterval(Double(input.years) * 365.25 * 86_400)
        let subject = try SealNames.subject(organisation: organisation.name, creditCode: credit.rawValue, commonName: "\(organisation.name)电子印章")
        let der: Data
        switch key.backing {
        case .sm2(let sm2):
            der = try SM2Certificates.issue(key: sm2, subject: subject, serial: Array(serial.bytes), notBefore: notBefore, notAfter: notAfter,
                                            issuer: root.der, issuerKey: try root.key.pkcs8)
        case .ed25519, .p256:
            let certificate = try Certificate(
                version: .v3, serialNumber: serial, publicKey: key.publicKey!, notValidBefore: notBefore, notValidAfter: notAfter,
                issuer: root.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
                    SubjectKeyIdentifier(hash: key.publicKey!)
                    AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: root.certificate.publicKey).keyIdentifier)
                },
                issuerPrivateKey: try root.key.certificateKey)
            der = try SealNames.der(certificate)
        }
        let id = "seal-" + SealNames.hex(serial.bytes.prefix(8))
        let sealed = try vault.seal(try key.raw, context: id)
        let (check, dialect, actor) = (vault.check, store.dialect, caller.auditActor)
        try await store.write { db in
            try await db.raw("""
                UPDATE seals SET state = 'retired' WHERE organisation_code = \(bind: organisation.code) AND algorithm = \(bind: input.algorithm.rawValue) AND state = 'active'
                """).run()
            try await db.raw("""
                INSERT INTO seals (id, organisation_code, organisation_name, credit_code, algorithm, serial, certificate, sealed_key, kek_check, not_before, not_after, state, created_by, created_at)
                VALUES (\(bind: id), \(bind: organisation.code), \(bind: organisation.name), \(bind: credit.rawValue), \(bind: input.algorithm.rawValue), \(bind: SealNames.hex(serial.bytes)),
                    \(bind: der), \(bind: sealed), \(bind: check), \(bind: notBefore), \(bind: notAfter), 'active', \(bind: actor), \(bind: now))
                """).run()
            try await AuditLog.append(AuditEntry(actor: actor, action: "licences.seal.create", recordType: "seal", recordID: id, divisionCode: organisation.divisionCode.rawValue,
                                                 source: origin.source, requestID: origin.requestID, detail: "\(organisation.code) \(input.algorithm.rawValue) serial \(SealNames.hex(serial.bytes))"),
                                      at: now, dialect: dialect, on: db)
        }
        guard let seal = try await find(id) else { throw LicencesError.unknownSeal }
        return seal
    }

    /// Revokes a seal: every licence it sealed fails verification from now on, online at once and
    /// offline with the next status list. Platform administrators only; final.
    public func revoke(_ id: String, reason: String, by caller: Principal, origin: AuditOrigin) async throws -> Seal {
        try caller.require(anyOf: .platformAdmin)
        let scope = try caller.staffScope()
        let reason = try Self.reason(reason)
        guard let seal = try await find(id), let organisation = try await OrganisationBook(store: store, clock: clock).find(seal.organisationCode),
              scope.contains(organisation.divisionCode) else { throw LicencesError.unknownSeal }
        guard seal.state != .revoked else { throw LicencesError.sealRevoked }
        let now = clock.now()
        let (dialect, actor) = (store.dialect, caller.auditActor)
        try await store.write { db in
            try await db.raw("UPDATE seals SET state = 'revoked', revoked_at = \(bind: now), revoke_reason = \(bind: reason) WHERE id = \(bind: id)").run()
            try await AuditLog.append(AuditEntry(actor: actor, action: "licences.seal.revoke", recordType: "seal", recordID: id, divisionCode: organisation.divisionCode.rawValue,
                                                 source: origin.source, requestID: origin.requestID, detail: reason),
                                      at: now, dialect: dialect, on: db)
        }
        return try await find(id)!
    }

    static func reason(_ text: String) throws -> String {
        let reason = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...200).contains(reason.count), !Text.hasForbiddenControl(reason) else {
            throw LicencesError.invalidField("reason", zh: "原因应为 2 至 200 个字符", en: "the reason must be 2 to 200 characters")
        }
        return reason
    }

    public func find(_ id: String) async throws -> Seal? {
        try await store.read { db in
            try await db.raw("SELECT * FROM seals WHERE id = \(bind: id)").first(decoding: SealRow.self, keyDecodingStrategy: .convertFromSnakeCase)?.seal
        }
    }

    /// Seals of one organisation, or of every organisation within the caller's scope; newest first.
    public func list(organisation: String? = nil, by caller: Principal) async throws -> [Seal] {
        let scope = try caller.staffScope()
        let organisations = try await OrganisationBook(store: store, clock: clock)
        let rows = try await store.read { db in
            if let organisation {
                return try await db.raw("SELECT * FROM seals WHERE organisation_code = \(bind: organisation) ORDER BY created_at DESC")
                    .all(decoding: SealRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
            return try await db.raw("SELECT * FROM seals ORDER BY organisation_code, created_at DESC").all(decoding: SealRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        var visible: [Seal] = []
        var divisions: [String: DivisionCode] = [:]
        for row in rows {
            if divisions[row.organisationCode] == nil { divisions[row.organisationCode] = try await organisations.find(row.organisationCode)?.divisionCode }
            if let d = divisions[row.organisationCode], scope.contains(d) { visible.append(row.seal) }
        }
        return visible
    }

    /// The organisation's active seal of `algorithm` with its opened key: what issuing signs with.
    func activeKey(organisation: String, algorithm: SealAlgorithm) async throws -> (Seal, SealKey, root: Root) {
        let row = try await store.read { db in
            try await db.raw("""
                SELECT * FROM seals WHERE organisation_code = \(bind: organisation) AND algorithm = \(bind: algorithm.rawValue) AND state = 'active'
                ORDER BY created_at DESC LIMIT 1
                """).first(decoding: SealRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let row else { throw LicencesError.noActiveSeal(algorithm) }
        try checkVault(row.kekCheck)
        let key = try SealKey(algorithm: algorithm, raw: try vault.open(row.sealedKey, context: row.id))
        return (row.seal, key, try await root())
    }

    /// Revoked seals, for the status list.
    func revoked() async throws -> [Seal] {
        try await store.read { db in
            try await db.raw("SELECT * FROM seals WHERE state = 'revoked' ORDER BY revoked_at").all(decoding: SealRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.map(\.seal)
    }
}

struct SealRow: Decodable {
    let id: String; let organisationCode: String; let organisationName: String; let creditCode: String; let algorithm: String; let serial: String
    let certificate: Data; let sealedKey: String; let kekCheck: String; let notBefore: Date; let notAfter: Date; let state: String
    let revokedAt: Date?; let revokeReason: String?; let createdBy: String; let createdAt: Date

    var seal: Seal {
        Seal(id: id, organisationCode: organisationCode, organisationName: organisationName, creditCode: creditCode, algorithm: SealAlgorithm(rawValue: algorithm) ?? .p256,
             serial: serial, certificate: certificate, notBefore: notBefore, notAfter: notAfter, state: SealState(rawValue: state) ?? .revoked,
             revokedAt: revokedAt, revokeReason: revokeReason, createdBy: createdBy, createdAt: createdAt)
    }
}
