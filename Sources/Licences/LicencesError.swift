import CityCore

/// Licences' errors. Codes are `licences.*`. A licence that fails verification is not an
/// error: it is a `Verdict` with its reason.
public enum LicencesError: CityError, Equatable {
    case invalidField(String, zh: String, en: String)
    case unknownType
    case unknownSeal
    case unknownLicence
    case unknownOrganisation
    /// The caller's organisation is not the one allowed to issue this licence type.
    case notIssuer
    /// The issuing organisation has no active seal of that algorithm.
    case noActiveSeal(SealAlgorithm)
    /// The holder is not in the registries (or not within the caller's scope).
    case unknownHolder
    /// The name given for the holder is not the registry's.
    case holderNameMismatch
    /// The licence's status cannot change that way (revoked is final).
    case statusUnchanged(String)
    case sealRevoked
    /// The configured key-encryption key is missing or does not open the stored keys.
    case keyEncryptionKey(String)
    /// Only SM2 licences carry a GB/T 38540 signature.
    case noGBSignature

    public var code: String {
        switch self {
        case .invalidField: "licences.invalid-field"
        case .unknownType: "licences.unknown-type"
        case .unknownSeal: "licences.unknown-seal"
        case .unknownLicence: "licences.unknown-licence"
        case .unknownOrganisation: "licences.unknown-organisation"
        case .notIssuer: "licences.not-issuer"
        case .noActiveSeal: "licences.no-active-seal"
        case .unknownHolder: "licences.unknown-holder"
        case .holderNameMismatch: "licences.holder-name-mismatch"
        case .statusUnchanged: "licences.status-unchanged"
        case .sealRevoked: "licences.seal-revoked"
        case .keyEncryptionKey: "licences.key-encryption-key"
        case .noGBSignature: "licences.no-gb-signature"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .invalidField: .invalidInput
        case .unknownType, .unknownSeal, .unknownLicence, .noGBSignature: .notFound
        case .unknownOrganisation, .noActiveSeal, .unknownHolder, .holderNameMismatch: .unprocessable
        case .notIssuer: .forbidden
        case .statusUnchanged, .sealRevoked: .conflict
        case .keyEncryptionKey: .internal
        }
    }

    public var messageZh: String {
        switch self {
        case .invalidField(_, let zh, _): zh
        case .unknownType: "没有该证照类型"
        case .unknownSeal: "没有该电子印章"
        case .unknownLicence: "没有该电子证照"
        case .unknownOrganisation: "没有该组织机构"
        case .notIssuer: "您的单位无权颁发该类证照"
        case .noActiveSeal(let a): "颁发单位没有可用的 \(a.rawValue) 电子印章"
        case .unknownHolder: "基础库中没有该持证主体（或不在您的管辖范围内）"
        case .holderNameMismatch: "持证主体的姓名或名称与基础库不一致"
        case .statusUnchanged(let s): "证照状态无法变更：\(s)"
        case .sealRevoked: "该电子印章已吊销"
        case .keyEncryptionKey: "印章密钥无法解密，请检查密钥加密密钥配置"
        case .noGBSignature: "该证照不是以 SM2 印章签章的，没有 GB/T 38540 电子签章数据"
        }
    }

    public var messageEn: String {
        switch self {
        case .invalidField(_, _, let en): en
        case .unknownType: "No such licence type"
        case .unknownSeal: "No such seal"
        case .unknownLicence: "No such licence"
        case .unknownOrganisation: "No such organisation"
        case .notIssuer: "Your organisation may not issue licences of this type"
        case .noActiveSeal(let a): "The issuing organisation has no active \(a.rawValue) seal"
        case .unknownHolder: "The holder is not in the registries (or not within your scope)"
        case .holderNameMismatch: "The holder's name is not the one in the registries"
        case .statusUnchanged(let s): "The licence's status cannot change: \(s)"
        case .sealRevoked: "The seal is revoked"
        case .keyEncryptionKey: "The seals' keys do not open: check the key-encryption key configuration"
        case .noGBSignature: "The licence was not sealed with an SM2 seal: it has no GB/T 38540 signature"
        }
    }

    public var field: String? {
        switch self {
        case .invalidField(let f, _, _): f
        case .unknownType: "type"
        case .unknownHolder, .holderNameMismatch: "holder"
        default: nil
        }
    }

    public var underlying: String? {
        if case .keyEncryptionKey(let detail) = self { return detail }
        return nil
    }
}
