import CityCore
import CityStore
import Foundation
import SQLKit

/// Seals licences of one type with one seal: the identifier and number from the serial, the
/// claims, the JWS (its protected header made once), the stored row and its change. Issuing one
/// licence and generating the city's hundreds of thousands go through this one path.
struct LicenceSealer {
    let type: LicenceType
    let seal: Seal
    let key: SealKey
    let year: Int
    /// For SM2 seals: the seal as GB/T 38540's SESeal, and the key, to write each licence's
    /// SES_Signature beside its JWS.
    let gb: (seal: SESeal, key: SM2Key)?
    private let header: Data

    init(type: LicenceType, seal: Seal, key: SealKey, root: SealBook.Root, year: Int, gbSeal: SESeal? = nil) throws {
        self.type = type
        self.seal = seal
        self.key = key
        self.year = year
        if case .sm2(let sm2) = key.backing, let gbSeal { gb = (gbSeal, sm2) } else { gb = nil }
        header = try JSONEncoder().encode(SealHeader(alg: key.algorithm.jwsName, typ: "licence+jws", kid: seal.id,
                                                     x5c: [seal.certificate.base64EncodedString(), root.der.base64EncodedString()]))
    }

    struct Holder {
        let kind: HolderKind
        let id: String
        let name: String
        /// The holder's division: the licence's row is keyed by it.
        let division: String
    }

    struct Sealed {
        let identifier: LicenceIdentifier
        let number: String
        let jws: String
        /// The values for `LicenceSealer.columns`.
        let row: [BulkValue]
        let change: NewChange
    }

    static let columns = ["division_code", "id", "number", "type", "issuer_code", "holder_kind", "holder_id", "holder_name", "fields", "valid_from", "valid_until",
                          "seal_id", "jws", "status", "status_reason", "status_at", "issued_by", "issued_at", "ses_signature"]

    /// Seals the licence with serial `sequence` of this type, issuer and year.
    func seal(sequence: Int, holder: Holder, fields: [String: String], validFrom: Date, validUntil: Date?,
              issuedBy: String, issuedAt: Date, actor: String) throws -> Sealed {
        let seq = String(format: "%07d", sequence)
        let identifier = try LicenceIdentifier(typeCode: type.typeCode, issuerCode: seal.creditCode, serial: "\(year)\(seq)", version: 1)
        let number = "\(type.shortCode)\(holder.division)\(year)\(seq)"
        let claims = LicenceClaims(jti: identifier.rawValue, no: number, type: type.code, typeName: type.name, iss: seal.creditCode,
                                   issuerOrganisation: seal.organisationCode, issuerName: seal.organisationName, sub: holder.id,
                                   holder: .init(kind: holder.kind.rawValue, name: holder.name), fields: fields,
                                   iat: Int64(issuedAt.timeIntervalSince1970), nbf: Int64(validFrom.timeIntervalSince1970),
                                   exp: validUntil.map { Int64($0.timeIntervalSince1970) }, ver: 1)
        let jws = try CompactJWS.seal(header: header, payload: try claims.encoded(), sign: key.sign)
        // GB/T 38540: the same signing input, hashed with SM3, sealed with the same SM2 key.
        var ses = BulkValue.null
        if let gb {
            let input = Data(jws.utf8[..<jws.utf8.lastIndex(of: UInt8(ascii: "."))!])
            let tbs = TBSSign(seal: gb.seal, time: Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down)), dataHash: SM3.hash(input),
                              propertyInfo: "licence:" + identifier.rawValue)
            ses = .bytes(Data(try GBSeal.der(try SESSignature(tbs, certificate: Array(seal.certificate), signer: gb.key))))
        }
        let row: [BulkValue] = [.text(holder.division), .text(identifier.rawValue), .text(number), .text(type.code), .text(type.issuerCode),
                                .text(holder.kind.rawValue), .text(holder.id), .text(holder.name), .text(LicenceDesk.json(fields)), .date(validFrom),
                                validUntil.map(BulkValue.date) ?? .null, .text(seal.id), .text(jws), .text(LicenceStatus.valid.rawValue), .null, .null,
                                .text(issuedBy), .date(issuedAt), ses]
        let change = NewChange(module: "licences", recordType: "licence", recordKey: identifier.rawValue, divisionCode: holder.division,
                               operation: .created, fields: ["status"] + fields.keys.sorted(), actor: actor)
        return Sealed(identifier: identifier, number: number, jws: jws, row: row, change: change)
    }

    /// Takes `count` serials of this type, issuer and year in the write transaction `db`; the first.
    func takeSerials(_ count: Int, on db: any SQLDatabase) async throws -> Int {
        struct Last: Decodable { let last: Int }
        return try await db.raw("""
            INSERT INTO licence_serials (issuer_code, type, year, last) VALUES (\(bind: type.issuerCode), \(bind: type.code), \(bind: year), \(bind: count))
            ON CONFLICT (issuer_code, type, year) DO UPDATE SET last = licence_serials.last + \(bind: count) RETURNING last
            """).first(decoding: Last.self)!.last - count + 1
    }

    /// Stores one sealed licence's row.
    static func insert(_ sealed: Sealed, on db: any SQLDatabase) async throws {
        try await db.insert(into: "licences").columns(columns).values(sealed.row.map(\.expression)).run()
    }
}
