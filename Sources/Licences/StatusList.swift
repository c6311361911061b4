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
}
