import CityCore
import CityStore
import Crypto
import Foundation
import Identity
import Registry
import SQLKit
import Synchronization
import X509

/// Where a licence stands. Suspension can be lifted; revocation is final.
public enum LicenceStatus: String, Sendable, Codable, CaseIterable {
    case valid, suspended, revoked
}

/// A licence in the library: what was sealed (`jws`, exactly the text handed out) and its status.
public struct Licence: Sendable, Codable, Equatable {
    public let id: String
    public let number: String
    public let type: String
    public let divisionCode: String
    public let issuerCode: String
    public let holderKind: HolderKind
    public let holderID: String
    public let holderName: String
    public let fields: [String: String]
    public let validFrom: Date
    public let validUntil: Date?
    public let sealID: String
    public let jws: String
    public let status: LicenceStatus
    public let statusReason: String?
    public let statusAt: Date?
    public let issuedBy: String
    public let issuedAt: Date
    /// For an SM2 licence: GB/T 38540's SES_Signature (DER) over the JWS signing input.
    public let sesSignature: Data?
}

/// What a department issues: the type, the holder (as the applicant states them; the registries
/// confirm), the type's fields, the validity, and the seal's algorithm.
public struct LicenceApplication: Sendable, Equatable {
    public var type: String
    public var holderID: String
    /// The holder's name as stated; confirmed against the registries (persons' names are never
    /// disclosed for this). nil takes a legal entity's registered name.
    public var holderName: String?
    public var fields: [String: String]
    public var validFrom: Date?
    public var validUntil: Date?
    public var algorithm: SealAlgorithm

    public init(type: String, holderID: String, holderName: String? = nil, fields: [String: String], validFrom: Date? = nil, validUntil: Date? = nil,
                algorithm: SealAlgorithm = .ed25519) {
        self.type = type
        self.holderID = holderID
        self.holderName = holderName
        self.fields = fields
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.algorithm = algorithm
    }
}

/// Issues, finds, suspends and revokes licences, publishes the status list, and verifies online.
public struct LicenceDesk: Sendable {
    let store: Store
    let clock: any WallClock
    let seals: SealBook
    let types: LicenceTypeBook
    let persons: PersonRegistry
    let entities: EntityRegistry
    private let verifier = VerifierBox()

    /// The longest sealed licence accepted for verification (a licence with its chain is about 3 KB).
    public static let maxTokenLength = 65_536

    /// How long a status list is current.
    public static let statusListLifetime: TimeInterval = 86_400

    public init(store: Store, clock: any WallClock, seals: SealBook, persons: PersonRegistry, entities: EntityRegistry) {
        self.store = store
        self.clock = clock
        self.seals = seals
        self.types = LicenceTypeBook(store: store, clock: clock)
        self.persons = persons
        self.entities = entities
    }

    // MARK: Issuing

    /// Issues and seals a licence: a staff member of the type's issuing organisation (department
    /// handler) or the command-line operator; the holder confirmed in the registries within the
    /// caller's scope; the fields checked against the type; the identifier's serial taken, the
    /// licence sealed, stored with its change-log row and audit entry, in one transaction.
    public func issue(_ application: LicenceApplication, by caller: Principal, origin: AuditOrigin) async throws -> Licence {
        guard let type = try await types.find(application.type) else { throw LicencesError.unknownType }
        if caller.kind != .commandLine {
            try caller.require(anyOf: .departmentHandler)
            guard caller.organisationCode == type.issuerCode else { throw LicencesError.notIssuer }
        }
        _ = try caller.staffScope()
        let (holderKind, holderID, holderName, division, held) = try await holder(application, type: type, by: caller, origin: origin)
        // Once only: what the registry holds about the holder is not asked for again.
        var given = application.fields
        for (name, value) in held where given[name] == nil && type.fields.contains(where: { $0.name == name }) { given[name] = value }
        let fields = try type.check(given)
        let now = clock.now()
        let validFrom = application.validFrom ?? now
        let validUntil = application.validUntil ?? type.validYears.map { ChinaTime.calendar.date(byAdding: .year, value: $0, to: validFrom)! }
        if let validUntil, validUntil <= validFrom {
            throw LicencesError.invalidField("validUntil", zh: "有效期截止应晚于起始", en: "validUntil must be after validFrom")
        }
        let (seal, key, root) = try await seals.activeKey(organisation: type.issuerCode, algorithm: application.algorithm)
        let gbSeal = key.algorithm == .sm2 ? try await seals.gbSeal(seal) : nil
        let sealer = try LicenceSealer(type: type, seal: seal, key: key, root: root, year: ChinaTime.calendar.component(.year, from: now), gbSeal: gbSeal)
        let (dialect, actor) = (store.dialect, caller.auditActor)
        let id = try await store.write { db -> String in
            let sealed = try sealer.seal(sequence: try await sealer.takeSerials(1, on: db),
                                         holder: .init(kind: holderKind, id: holderID, name: holderName, division: division), fields: fields,
                                         validFrom: validFrom, validUntil: validUntil, issuedBy: actor, issuedAt: now, actor: actor)
            try await LicenceSealer.insert(sealed, on: db)
            try await ChangeLog.record([sealed.change], at: now, dialect: dialect, on: db)
            try await AuditLog.append(AuditEntry(actor: actor, action: "licences.licence.issue", recordType: "licence", recordID: sealed.identifier.rawValue,
                                                 divisionCode: division, source: origin.source, requestID: origin.requestID,
                                                 detail: "\(type.code) \(sealed.number) to \(holderKind.rawValue) \(holderKind == .person ? Mask.idNumber(holderID) : holderID) sealed by \(seal.id)"),
                                      at: now, dialect: dialect, on: db)
            return sealed.identifier.rawValue
        }
        return try await stored(id)!
    }

    /// The holder as the registries confirm them: kind, key, name, division, and what the registry
    /// holds that a licence's fields may take (a legal entity's kind, address and business scope).
    private func holder(_ application: LicenceApplication, type: LicenceType, by caller: Principal, origin: AuditOrigin) async throws
        -> (HolderKind, String, String, String, [String: String]) {
        let text = application.holderID.trimmingCharacters(in: .whitespaces).uppercased()
        let audit = AuditOrigin(source: origin.source, requestID: origin.requestID, purpose: "颁发电子证照 \(type.code)")
        if text.count == 18, let code = CreditCode(text), !(ResidentID(text) != nil && type.holderKinds.contains(.person)) {
            guard type.holderKinds.contains(.entity) else { throw LicencesError.invalidField("holder", zh: "该类证照只颁发给自然人", en: "this licence type is issued to persons only") }
            let record: EntityRecord
            do { record = try await entities.entity(code, by: caller, origin: audit) } catch RegistryError.unknownEntity { throw LicencesError.unknownHolder }
            if let stated = application.holderName?.trimmingCharacters(in: .whitespaces), stated != record.name { throw LicencesError.holderNameMismatch }
            var held: [String: String] = ["kind": record.kind]
            if let address = record.address { held["address"] = address }
            if let scope = record.businessScope { held["businessScope"] = scope }
            return (.entity, code.rawValue, record.name, record.divisionCode, held)
        }
        if let id = ResidentID(text) {
            guard type.holderKinds.contains(.person) else { throw LicencesError.invalidField("holder", zh: "该类证照只颁发给法人", en: "this licence type is issued to legal entities only") }
            guard let name = application.holderName?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.count <= 64 else {
                throw LicencesError.invalidField("holderName", zh: "请填写持证人姓名", en: "holderName is required for a person")
            }
            let confirmed: (matches: Bool, divisionCode: String)
            do { confirmed = try await persons.confirm(id, name: name, by: caller, origin: audit) } catch RegistryError.unknownPerson { throw LicencesError.unknownHolder }
            guard confirmed.matches else { throw LicencesError.holderNameMismatch }
            return (.person, id.rawValue, name, confirmed.divisionCode, [:])
        }
        throw LicencesError.invalidField("holder", zh: "持证主体应为公民身份号码或统一社会信用代码", en: "the holder must be a resident ID number or a credit code")
    }

    static func json(_ fields: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(fields)) ?? Data("{}".utf8), as: UTF8.self)
    }

    // MARK: Reading

    func stored(_ id: String) async throws -> Licence? {
        try await store.read { db in
            try await db.raw("SELECT * FROM licences WHERE id = \(bind: id)").first(decoding: LicenceRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.map { try $0.licence() }
    }

    /// One licence, for staff whose scope covers its division (or the command line); outside the
    /// scope it is unknown. Audited: a licence names its holder.
    public func find(_ id: String, by caller: Principal, origin: AuditOrigin) async throws -> Licence {
        let scope = try caller.staffScope()
        guard let licence = try await stored(id), let division = DivisionCode(licence.divisionCode), scope.contains(division) else { throw LicencesError.unknownLicence }
        try await auditRead(caller, "licences.licence.read", licence.id, licence.divisionCode, origin)
        return Self.shown(licence, type: try await types.find(licence.type), to: caller)
    }

    /// An SM2 licence's GB/T 38540 SES_Signature (DER), as written when it was sealed: for those
    /// who may see its sealed text (the issuing organisation, platform administrators, the command
    /// line), within their scope. Audited as a read.
    public func gbSignature(_ id: String, by caller: Principal, origin: AuditOrigin) async throws -> Data {
        let licence = try await find(id, by: caller, origin: origin)
        guard !licence.jws.isEmpty else { throw LicencesError.notIssuer }
        guard let signature = licence.sesSignature else { throw LicencesError.noGBSignature }
        return signature
    }

    /// Checks a GB/T 38540 SES_Signature against this platform's roots; with the licence (JWS)
    /// it was written for, also that it seals that licence's signing input.
    public func verifyGB(_ signature: Data, licence: String?) async throws -> GBSealVerdict {
        let verifier = try GBSealVerifier(roots: try await seals.rootCertificates())
        let verdict = verifier.verify(signature, data: licence.map { GBSealVerifier.signingInput(of: $0) })
        guard verdict.ok else { return verdict }
        // Online, the seal's and the licence's state now.
        if let id = verdict.sealID, let seal = try await seals.find(id), seal.serial == verdict.serial, seal.state == .revoked {
            return verdict.with(.sealRevoked, detail: seal.revokeReason)
        }
        if let id = verdict.licenceID, let issued = try await stored(id) {
            switch issued.status {
            case .revoked: return verdict.with(.revoked, detail: issued.statusReason)
            case .suspended: return verdict.with(.suspended, detail: issued.statusReason)
            case .valid: break
            }
        }
        return verdict
    }

    /// What `caller` sees of a licence: all of it for the issuing organisation, platform
    /// administrators and the command line; for other staff a person's ID number masked and the
    /// sealed text (which carries it in plain) withheld, and other persons' names and ID numbers in
    /// the fields (by the type's field kinds) masked.
    static func shown(_ l: Licence, type: LicenceType?, to caller: Principal) -> Licence {
        if caller.kind == .commandLine || caller.roles.contains(.platformAdmin) || caller.organisationCode == l.issuerCode { return l }
        return Licence(id: l.id, number: l.number, type: l.type, divisionCode: l.divisionCode, issuerCode: l.issuerCode, holderKind: l.holderKind,
                       holderID: l.holderKind == .person ? Mask.idNumber(l.holderID) : l.holderID, holderName: l.holderKind == .person ? Mask.name(l.holderName) : l.holderName,
                       fields: type?.masked(l.fields) ?? [:], validFrom: l.validFrom, validUntil: l.validUntil, sealID: l.sealID, jws: "", status: l.status, statusReason: l.statusReason,
                       statusAt: l.statusAt, issuedBy: l.issuedBy, issuedAt: l.issuedAt, sesSignature: nil)
    }

    /// A holder's licences (by ID number or credit code) within the caller's scope, newest first.
    public func licences(of holderID: String, by caller: Principal, origin: AuditOrigin) async throws -> [Licence] {
        let scope = try caller.staffScope()
        let key = holderID.trimmingCharacters(in: .whitespaces).uppercased()
        let all = try await held(by: key)
        let types = Dictionary(try await self.types.all().map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let visible = all.filter { DivisionCode($0.divisionCode).map(scope.contains) ?? false }.map { Self.shown($0, type: types[$0.type], to: caller) }
        try await auditRead(caller, "licences.licence.list", key.count == 18 && ResidentID(key) != nil ? Mask.idNumber(key) : key, nil, origin,
                            detail: visible.map(\.number).joined(separator: ","))
        return visible
    }

    private func auditRead(_ caller: Principal, _ action: String, _ id: String, _ division: String?, _ origin: AuditOrigin, detail: String? = nil) async throws {
        let (dialect, now) = (store.dialect, clock.now())
        try await store.write { db in
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: action, recordType: "licence", recordID: id, divisionCode: division,
                                                 purpose: origin.purpose, source: origin.source, requestID: origin.requestID, detail: detail),
                                      at: now, dialect: dialect, on: db)
        }
    }

    // MARK: Status

    /// Suspends, reinstates or revokes a licence, with a reason: a department handler of the
    /// issuing organisation, or a platform administrator, within scope. Revocation is final.
    public func setStatus(_ id: String, to status: LicenceStatus, reason: String, by caller: Principal, origin: AuditOrigin) async throws -> Licence {
        try caller.require(anyOf: .departmentHandler, .platformAdmin)
        let scope = try caller.staffScope()
        let reason = try SealBook.reason(reason)
        guard let licence = try await stored(id), let division = DivisionCode(licence.divisionCode), scope.contains(division) else { throw LicencesError.unknownLicence }
        if !caller.roles.contains(.platformAdmin) && caller.organisationCode != licence.issuerCode { throw LicencesError.notIssuer }
        switch (licence.status, status) {
        case (.revoked, _): throw LicencesError.statusUnchanged("已吊销的证照不能变更 / a revoked licence stays revoked")
        case (.valid, .valid), (.suspended, .suspended): throw LicencesError.statusUnchanged("状态未变 / the status is already \(status.rawValue)")
        default: break
        }
        let (dialect, actor, now) = (store.dialect, caller.auditActor, clock.now())
        try await store.write { db in
            try await db.raw("""
                UPDATE licences SET status = \(bind: status.rawValue), status_reason = \(bind: reason), status_at = \(bind: now)
                WHERE division_code = \(bind: licence.divisionCode) AND id = \(bind: id)
                """).run()
            try await ChangeLog.record([NewChange(module: "licences", recordType: "licence", recordKey: id, divisionCode: licence.divisionCode,
                                                  operation: .updated, fields: ["status"], actor: actor)], at: now, dialect: dialect, on: db)
            try await AuditLog.append(AuditEntry(actor: actor, action: "licences.licence.\(status == .valid ? "reinstate" : status == .suspended ? "suspend" : "revoke")",
                                                 recordType: "licence", recordID: id, divisionCode: licence.divisionCode,
                                                 source: origin.source, requestID: origin.requestID, detail: reason),
                                      at: now, dialect: dialect, on: db)
        }
        return try await stored(id)!
    }

    /// The status list as the root seals it: every revoked seal and every licence not valid.
    public func statusList() async throws -> String {
        let root = try await seals.root()
        let now = clock.now()
        struct Row: Decodable { let id: String; let status: String; let statusAt: Date?; let statusReason: String? }
        let rows = try await store.read { db in
            try await db.raw("SELECT id, status, status_at, status_reason FROM licences WHERE status <> 'valid' ORDER BY id")
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        let revokedSeals = try await seals.revoked()
        let list = StatusList(
            iss: SealBook.rootCommonName, iat: Int64(now.timeIntervalSince1970), nextUpdate: Int64(now.addingTimeInterval(Self.statusListLifetime).timeIntervalSince1970),
            seals: revokedSeals.map { .init(serial: $0.serial, revokedAt: Int64(($0.revokedAt ?? now).timeIntervalSince1970), reason: $0.revokeReason ?? "") },
            licences: rows.map { .init(id: $0.id, status: $0.status, at: Int64(($0.statusAt ?? now).timeIntervalSince1970), reason: $0.statusReason ?? "") })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = SealHeader(alg: root.key.algorithm.jwsName, typ: "licence-status+jws", kid: root.id, x5c: [root.der.base64EncodedString()])
        return try CompactJWS.seal(header: try encoder.encode(header), payload: try encoder.encode(list), sign: root.key.sign)
    }

    // MARK: Verifying online

    /// The verdict on a sealed licence with the library's live status: the offline checks, then
    /// the seal's and the licence's status now; a licence whose content differs from the one
    /// issued under its identifier names the altered fields. Anyone may verify.
    public func verify(_ token: String) async throws -> Verdict {
        guard token.utf8.count <= Self.maxTokenLength else {
            throw LicencesError.invalidField("licence", zh: "证照文本超过 64 KiB", en: "the sealed licence is over 64 KiB")
        }
        let verifier = try await self.verifier.get { try await seals.rootCertificates() }
        let (sealed, jws) = verifier.verifySeal(token)
        let now = clock.now()
        var verdict = sealed.checked(as: now)
        var issued: Licence?
        if let claims = sealed.claims, jws != nil, [.valid, .badSignature, .wrongCheckCharacter].contains(sealed.reason) {
            issued = try await stored(claims.jti)
            if issued == nil { issued = try await storedByNumber(claims.no) }
        }
        if let claims = sealed.claims, let issued {
            let original = CompactJWS(issued.jws).flatMap { try? JSONDecoder().decode(LicenceClaims.self, from: $0.payload) }
            if let original, original != claims {
                return verdict.with(.alteredField, alteredFields: original.differences(from: claims))
            }
            guard sealed.ok else { return verdict }
            if let seal = try await seals.find(issued.sealID), seal.state == .revoked, seal.serial == sealed.seal?.serial {
                return verdict.with(.sealRevoked, detail: seal.revokeReason)
            }
            switch issued.status {
            case .revoked: return verdict.with(.revoked, detail: issued.statusReason)
            case .suspended: return verdict.with(.suspended, detail: issued.statusReason)
            case .valid: break
            }
        } else if sealed.ok, let serial = sealed.seal?.serial, try await seals.revoked().contains(where: { $0.serial == serial }) {
            verdict = verdict.with(.sealRevoked)
            return verdict
        }
        guard sealed.ok else { return verdict }
        return LicenceVerifier.timely(verdict, at: now)
    }

    // MARK: QR codes

    /// What a licence's QR code carries: the public verification page with the identifier and the
    /// first 16 bytes of the SHA-256 of the sealed text, so a phone camera opens the verdict, and a
    /// licence altered or reissued under the same identifier does not match.
    public static func qrPayload(_ licence: Licence, base: String) -> String {
        "\(base)/verify?id=\(licence.id)&d=\(digest(licence.jws))"
    }

    public static func digest(_ jws: String) -> String { Base64URL.encode(Data(SHA256.hash(data: Data(jws.utf8)).prefix(16))) }

    /// The QR code of a licence the caller may see (its issuing organisation, or anyone in scope).
    public func qrCode(_ id: String, base: String, by caller: Principal, origin: AuditOrigin) async throws -> QRCode {
        let scope = try caller.staffScope()
        guard let licence = try await stored(id), let division = DivisionCode(licence.divisionCode), scope.contains(division) else { throw LicencesError.unknownLicence }
        return try Self.qr(licence, base: base)
    }

    /// The calling citizen's own licences: those held by the person their portal account is bound
    /// to (real-name binding, `CitizenBinding`), newest first, in full (theirs, to show and hand
    /// over). Unbound: none. Audited as a read of the holder's licences.
    public func ownLicences(by caller: Principal, binding: CitizenBinding, origin: AuditOrigin) async throws -> [Licence] {
        guard let person = try await binding.person(of: caller) else { return [] }
        let all = try await held(by: person.rawValue)
        try await auditRead(caller, "licences.licence.own", Mask.idNumber(person.rawValue), nil, AuditOrigin(source: origin.source, requestID: origin.requestID, purpose: "self"), detail: all.map(\.number).joined(separator: ","))
        return all
    }

    /// One of the calling citizen's own licences (its QR code: `qr(_:base:)`); another's licence
    /// is unknown.
    public func ownLicence(_ id: String, by caller: Principal, binding: CitizenBinding, origin: AuditOrigin) async throws -> Licence {
        guard let person = try await binding.person(of: caller), let licence = try await stored(id), licence.holderID == person.rawValue else {
            throw LicencesError.unknownLicence
        }
        try await auditRead(caller, "licences.licence.own", licence.id, licence.divisionCode, AuditOrigin(source: origin.source, requestID: origin.requestID, purpose: "self"))
        return licence
    }

    /// Every licence held by `holderID` (an ID number or credit code), newest first, unscoped.
    private func held(by holderID: String) async throws -> [Licence] {
        try await store.read { db in
            try await db.raw("SELECT * FROM licences WHERE holder_id = \(bind: holderID) ORDER BY issued_at DESC")
                .all(decoding: LicenceRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.map { try $0.licence() }
    }

    /// The licence's QR code: this server's verification page (`base`) with its identifier and digest.
    public static func qr(_ licence: Licence, base: String) throws -> QRCode {
        do { return try QRCode(qrPayload(licence, base: base), level: .medium) } catch {
            throw LicencesError.invalidField("base", zh: "二维码内容过长", en: "the QR payload is too long")
        }
    }

    /// The verdict on the licence a QR code names: the stored licence whose sealed text's digest
    /// matches, verified as if it had been presented; unknown or not matching is `malformed`.
    public func verify(id: String, digest: String) async throws -> Verdict {
        guard let licence = try await stored(id), Self.digest(licence.jws) == digest else { return Verdict(.malformed) }
        return try await verify(licence.jws)
    }

    private func storedByNumber(_ number: String) async throws -> Licence? {
        try await store.read { db in
            try await db.raw("SELECT * FROM licences WHERE number = \(bind: number) LIMIT 1").first(decoding: LicenceRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.map { try $0.licence() }
    }
}

/// The verifier built from the stored roots once per process (roots change only when one is added).
final class VerifierBox: Sendable {
    private let cached = Mutex<LicenceVerifier?>(nil)

    func get(_ roots: () async throws -> [Certificate]) async throws -> LicenceVerifier {
        if let v = cached.withLock({ $0 }) { return v }
        let verifier = LicenceVerifier(roots: try await roots())
        cached.withLock { $0 = verifier }
        return verifier
    }
}

struct LicenceRow: Decodable {
    let divisionCode: String; let id: String; let number: String; let type: String; let issuerCode: String; let holderKind: String; let holderId: String
    let holderName: String; let fields: String; let validFrom: Date; let validUntil: Date?; let sealId: String; let jws: String; let status: String
    let statusReason: String?; let statusAt: Date?; let issuedBy: String; let issuedAt: Date; let sesSignature: Data?

    func licence() throws -> Licence {
        Licence(id: id, number: number, type: type, divisionCode: divisionCode, issuerCode: issuerCode, holderKind: HolderKind(rawValue: holderKind) ?? .entity,
                holderID: holderId, holderName: holderName, fields: try JSONDecoder().decode([String: String].self, from: Data(fields.utf8)),
                validFrom: validFrom, validUntil: validUntil, sealID: sealId, jws: jws, status: LicenceStatus(rawValue: status) ?? .revoked,
                statusReason: statusReason, statusAt: statusAt, issuedBy: issuedBy, issuedAt: issuedAt, sesSignature: sesSignature)
    }
}

