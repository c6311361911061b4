import Foundation
import SwiftASN1
import X509

/// The verdict on a GB/T 38540 `SES_Signature`, with the reason when it fails.
public struct GBSealVerdict: Sendable, Equatable, Codable {
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case valid
        /// Not a readable SES_Signature (version 4).
        case malformed
        /// A signature algorithm other than SM2 with SM3.
        case unsupportedAlgorithm
        /// The seal maker's certificate was not issued by a trusted root.
        case unknownMaker
        /// The maker's signature over the seal is wrong: the seal was altered.
        case badSealSignature
        /// The sealer's certificate was not issued by a trusted root.
        case unknownSeal
        /// The sealer's certificate is not among those the seal names.
        case sealerNotInSeal
        /// The sealer's signature is wrong: what was sealed was altered.
        case badSignature
        /// Sealed outside the seal's validity.
        case outsideSealValidity
        /// The data given does not hash to the sealed hash.
        case dataMismatch
        /// The seal's certificate is revoked (online, or by the status list given).
        case sealRevoked
        /// The licence it seals is revoked or suspended.
        case revoked
        case suspended
    }

    public let reason: Reason
    public var ok: Bool { reason == .valid }
    /// A revocation's or suspension's reason.
    public var detail: String? = nil

    public var messageZh: String {
        switch reason {
        case .valid: "电子签章有效"
        case .malformed: "不是可识别的 GB/T 38540 电子签章数据"
        case .unsupportedAlgorithm: "签名算法不是 SM2/SM3"
        case .unknownMaker: "制章者证书不是受信任的根证书签发的"
        case .badSealSignature: "电子印章的制章签名无效：印章数据被改动"
        case .unknownSeal: "签章者证书不是受信任的根证书签发的"
        case .sealerNotInSeal: "签章者证书不在该电子印章的证书列表中"
        case .badSignature: "电子签章签名无效：签章内容被改动"
        case .outsideSealValidity: "签章时间不在印章或证书有效期内"
        case .dataMismatch: "原文与签章中的杂凑值不符"
        case .sealRevoked: "签章所用的电子印章已吊销"
        case .revoked: "所签证照已吊销"
        case .suspended: "所签证照已暂停"
        }
    }

    public var messageEn: String {
        switch reason {
        case .valid: "The e-seal signature is valid"
        case .malformed: "Not a readable GB/T 38540 signature"
        case .unsupportedAlgorithm: "The signature algorithm is not SM2 with SM3"
        case .unknownMaker: "The seal maker's certificate was not issued by a trusted root"
        case .badSealSignature: "The seal maker's signature is wrong: the seal was altered"
        case .unknownSeal: "The sealer's certificate was not issued by a trusted root"
        case .sealerNotInSeal: "The sealer's certificate is not among the seal's"
        case .badSignature: "The signature is wrong: what was sealed was altered"
        case .outsideSealValidity: "Sealed outside the seal's or its certificate's validity"
        case .dataMismatch: "The data does not match the sealed hash"
        case .sealRevoked: "The seal it was sealed with is revoked"
        case .revoked: "The licence it seals is revoked"
        case .suspended: "The licence it seals is suspended"
        }
    }
    /// The seal's name and identifier, the organisation of the sealer's certificate.
    public let sealName: String?
    public let sealID: String?
    public let organisation: String?
    public let signedAt: Date?
    /// What was sealed, as the signature says (`licence:` and the licence's identifier).
    public let property: String?
    /// Whether `data` was checked against the sealed hash (false when none was given).
    public let dataChecked: Bool
    /// The sealer's certificate serial, hex.
    public var serial: String? = nil

    /// The licence it seals, by its property (`licence:<identifier>`).
    public var licenceID: String? {
        guard let property, property.hasPrefix("licence:") else { return nil }
        return String(property.dropFirst("licence:".count))
    }

    func with(_ reason: Reason, detail: String?) -> GBSealVerdict {
        var copy = GBSealVerdict(reason: reason, sealName: sealName, sealID: sealID, organisation: organisation, signedAt: signedAt, property: property,
                                 dataChecked: dataChecked, serial: serial)
        copy.detail = detail
        return copy
    }
}

/// Checks GB/T 38540 SES_Signature structures offline, with only the trusted roots: the maker's
/// certificate and signature over the seal, the sealer's certificate (issued by a root, named by
/// the seal), the sealer's signature over TBS_Sign, the time within the seal's validity, and, when
/// the sealed data is given, its SM3 hash.
public struct GBSealVerifier: Sendable {
    let roots: [Data]

    public init(roots: [Certificate]) throws {
        self.roots = try roots.map { try SealNames.der($0) }
    }

    /// With `status` (a status list already verified, see `LicenceVerifier.statusList`), also
    /// whether the seal or the licence was revoked or suspended by then.
    public func verify(_ der: Data, data: Data? = nil, status: StatusList?) -> GBSealVerdict {
        let verdict = verify(der, data: data)
        guard verdict.ok, let status else { return verdict }
        if let serial = verdict.serial, let revoked = status.sealIndex[serial] { return verdict.with(.sealRevoked, detail: revoked.reason) }
        if let id = verdict.licenceID, let entry = status.licenceIndex[id] {
            return verdict.with(entry.status == "suspended" ? .suspended : .revoked, detail: entry.reason)
        }
        return verdict
    }

    public func verify(_ der: Data, data: Data? = nil) -> GBSealVerdict {
        guard let signature = try? SESSignature(derEncoded: Array(der)), signature.toSign.version == GBSeal.version,
              signature.toSign.seal.sealInfo.header.version == GBSeal.version else {
            return GBSealVerdict(reason: .malformed, sealName: nil, sealID: nil, organisation: nil, signedAt: nil, property: nil, dataChecked: false)
        }
        let tbs = signature.toSign, seal = tbs.seal
        var serial: String?
        func verdict(_ reason: GBSealVerdict.Reason, organisation: String? = nil) -> GBSealVerdict {
            GBSealVerdict(reason: reason, sealName: seal.sealInfo.property.name, sealID: seal.sealInfo.esID, organisation: organisation,
                          signedAt: tbs.time, property: tbs.propertyInfo, dataChecked: data != nil, serial: serial)
        }
        guard signature.signatureAlgorithm == GBSeal.sm2WithSM3, seal.signatureAlgorithm == GBSeal.sm2WithSM3 else { return verdict(.unsupportedAlgorithm) }
        guard let maker = issued(Data(seal.makerCertificate)) else { return verdict(.unknownMaker) }
        guard maker.key.isValid(derSignature: Data(seal.signature), for: Data(seal.signedBytes)) else { return verdict(.badSealSignature) }
        guard let sealer = issued(Data(signature.certificate)) else { return verdict(.unknownSeal) }
        let organisation = SealNames.organisation(of: sealer.subject)
        serial = SealNames.hex(sealer.serial)
        guard seal.sealInfo.property.certificates.contains(signature.certificate) else { return verdict(.sealerNotInSeal, organisation: organisation) }
        guard sealer.key.isValid(derSignature: Data(signature.signature), for: Data(signature.signedBytes)) else { return verdict(.badSignature, organisation: organisation) }
        let property = seal.sealInfo.property
        guard property.validStart <= tbs.time, tbs.time <= property.validEnd, sealer.notBefore <= tbs.time, tbs.time <= sealer.notAfter else {
            return verdict(.outsideSealValidity, organisation: organisation)
        }
        if let data, SM3.hash(data) != tbs.dataHash { return verdict(.dataMismatch, organisation: organisation) }
        return verdict(.valid, organisation: organisation)
    }

    /// What an SM2 licence's SES_Signature seals: its JWS signing input (the text before the last
    /// dot, white space around it ignored).
    public static func signingInput(of licence: String) -> Data {
        let token = LicenceVerifier.trimmed(licence)
        guard let dot = token.utf8.lastIndex(of: UInt8(ascii: ".")) else { return Data(token.utf8) }
        return Data(token.utf8[..<dot])
    }

    private func issued(_ certificate: Data) -> SM2Certificates.Read? {
        for root in roots {
            if case .issued(let read) = SM2Certificates.read(certificate, issuer: root) { return read }
        }
        return nil
    }
}
