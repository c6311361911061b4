import Foundation

/// What a sealed licence says, as its JWS payload carries it. Names follow JWT where one exists
/// (`jti` the national identifier, `iss` the issuer's credit code, `sub` the holder's ID number or
/// credit code, `iat`, `nbf`, `exp` in seconds), so JOSE libraries check the times themselves.
public struct LicenceClaims: Sendable, Codable, Equatable {
    public struct Holder: Sendable, Codable, Equatable {
        /// `person` or `entity`.
        public let kind: String
        public let name: String
    }

    /// The national identifier.
    public let jti: String
    /// The human-friendly number printed on the licence.
    public let no: String
    /// The licence type (`business-licence`).
    public let type: String
    public let typeName: String
    /// The issuing department's credit code, organisation code and name.
    public let iss: String
    public let issuerOrganisation: String
    public let issuerName: String
    /// The holder's ID number or credit code.
    public let sub: String
    public let holder: Holder
    /// The type's fields, as issued.
    public let fields: [String: String]
    public let iat: Int64
    public let nbf: Int64
    public let exp: Int64?
    public let ver: Int

    public var issuedAt: Date { Date(timeIntervalSince1970: TimeInterval(iat)) }
    public var validFrom: Date { Date(timeIntervalSince1970: TimeInterval(nbf)) }
    public var validUntil: Date? { exp.map { Date(timeIntervalSince1970: TimeInterval($0)) } }

    /// The payload's bytes: keys sorted, so the same claims always seal to the same bytes.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The names of the claims (and `fields.<name>`) that differ between two versions.
    func differences(from other: LicenceClaims) -> [String] {
        var names: [String] = []
        let mine = Mirror(reflecting: self).children, theirs = Mirror(reflecting: other).children
        for (a, b) in zip(mine, theirs) where a.label != "fields" && String(describing: a.value) != String(describing: b.value) {
            names.append(a.label ?? "?")
        }
        for key in Set(fields.keys).union(other.fields.keys).sorted() where fields[key] != other.fields[key] {
            names.append("fields.\(key)")
        }
        return names
    }
}

/// The protected header of a sealed licence or status list.
struct SealHeader: Codable, Equatable {
    let alg: String
    let typ: String
    let kid: String?
    /// The seal's certificate, then its issuer's: base64 DER (RFC 7515 §4.1.6).
    let x5c: [String]
}
