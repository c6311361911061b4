import Foundation

/// The revocations a verifier needs offline: every revoked seal and every revoked or suspended
/// licence, sealed by the root as a compact JWS (`typ` `licence-status+jws`). Verifiers fetch it
/// from `/api/v1/licences/status-list`, cache it, and say how old the one they used was.
public struct StatusList: Sendable, Codable, Equatable {
    public struct SealEntry: Sendable, Codable, Equatable {
        /// The seal certificate's serial number, hex.
        public let serial: String
        public let revokedAt: Int64
        public let reason: String
    }

    public struct LicenceEntry: Sendable, Codable, Equatable {
        public let id: String
        /// `revoked` or `suspended`.
        public let status: String
        public let at: Int64
        public let reason: String
    }

    /// The root that sealed it (its subject).
    public let iss: String
    public let iat: Int64
    /// When a fresh list is due; a verifier using an older one says so.
    public let nextUpdate: Int64
    public let seals: [SealEntry]
    public let licences: [LicenceEntry]
    /// The entries by certificate serial and by identifier, built once when the list is read, so a
    /// verification looks a licence up instead of walking thousands of revocations.
    let sealIndex: [String: SealEntry]
    let licenceIndex: [String: LicenceEntry]

    enum CodingKeys: String, CodingKey { case iss, iat, nextUpdate, seals, licences }

    public init(iss: String, iat: Int64, nextUpdate: Int64, seals: [SealEntry], licences: [LicenceEntry]) {
        self.iss = iss
        self.iat = iat
        self.nextUpdate = nextUpdate
        self.seals = seals
        self.licences = licences
        sealIndex = Dictionary(seals.map { ($0.serial, $0) }, uniquingKeysWith: { first, _ in first })
        licenceIndex = Dictionary(licences.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(iss: c.decode(String.self, forKey: .iss), iat: c.decode(Int64.self, forKey: .iat), nextUpdate: c.decode(Int64.self, forKey: .nextUpdate),
                      seals: c.decode([SealEntry].self, forKey: .seals), licences: c.decode([LicenceEntry].self, forKey: .licences))
    }
}
