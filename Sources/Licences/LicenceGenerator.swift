import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// Sealed business licences for synthetic companies, to try the library at the city's scale
/// (668,603): each a real JWS sealed by the market regulator's active Ed25519 seal, with its
/// identifier, change-log row, and an audit entry per batch; holders are generated credit codes
/// over the given divisions (not registry entries), marked `generator` as the issuer.
public struct LicenceGenerator: Sendable {
    let store: Store
    let clock: any WallClock
    let seals: SealBook

    public init(store: Store, clock: any WallClock, seals: SealBook) {
        self.store = store
        self.clock = clock
        self.seals = seals
    }

    public func generate(count: Int, divisions: [String], seed: UInt64 = 2026, by caller: Principal) async throws -> Int {
        try caller.require(anyOf: .platformAdmin)
        let type = LicenceType.builtIn[0]
        let (seal, key, root) = try await seals.activeKey(organisation: type.issuerCode, algorithm: .ed25519)
        let now = clock.now()
        let year = Calendar.china.component(.year, from: now)
        // Take the serials at once: the generated licences follow those already issued this year.
        struct Last: Decodable { let last: Int }
        let first = try await store.write { db in
            try await db.raw("""
                INSERT INTO licence_serials (issuer_code, type, year, last) VALUES (\(bind: type.issuerCode), \(bind: type.code), \(bind: year), \(bind: count))
                ON CONFLICT (issuer_code, type, year) DO UPDATE SET last = licence_serials.last + \(bind: count) RETURNING last
                """).first(decoding: Last.self)!.last - count + 1
        }
        let header = try JSONEncoder().encode(SealHeader(alg: SealAlgorithm.ed25519.jwsName, typ: "licence+jws", kid: seal.id,
                                                         x5c: [seal.certificate.base64EncodedString(), root.der.base64EncodedString()]))
        var random = SplitMix64(seed: seed)
        let alphabet = CreditCode.alphabet
        let columns = ["division_code", "id", "number", "type", "issuer_code", "holder_kind", "holder_id", "holder_name", "fields", "valid_from", "valid_until",
                       "seal_id", "jws", "status", "status_reason", "status_at", "issued_by", "issued_at"]
        let (dialect, actor) = (store.dialect, caller.auditActor)
        var written = 0
        while written < count {
            let n = min(5_000, count - written)
            var rows: [[BulkValue]] = []
            var changes: [NewChange] = []
            rows.reserveCapacity(n)
            for i in 0..<n {
                let sequence = first + written + i
                let division = divisions[Int(random.next() % UInt64(divisions.count))]
                var body = "91" + division + "MA"
                for _ in 0..<7 { body.append(alphabet[Int(random.next() % 31)]) }
                let holder = body + String(CreditCode.checkCharacter(body)!)
                let seq = String(format: "%07d", sequence)
                let identifier = try LicenceIdentifier(typeCode: type.typeCode, issuerCode: seal.creditCode, serial: "\(year)\(seq)", version: 1)
                let number = "\(type.shortCode)\(division)\(year)\(seq)"
                let fields = ["kind": "有限责任公司", "legalRepresentative": "生成代表\(sequence % 1000)", "establishedOn": "2020-05-01",
                              "address": "周口市生成地址\(sequence)号", "businessScope": "日用百货销售"]
                let claims = LicenceClaims(jti: identifier.rawValue, no: number, type: type.code, typeName: type.name, iss: seal.creditCode,
                                           issuerOrganisation: seal.organisationCode, issuerName: seal.organisationName, sub: holder,
                                           holder: .init(kind: HolderKind.entity.rawValue, name: "周口生成企业\(sequence)有限公司"), fields: fields,
                                           iat: Int64(now.timeIntervalSince1970), nbf: Int64(now.timeIntervalSince1970), exp: nil, ver: 1)
                let jws = try CompactJWS.seal(header: header, payload: try claims.encoded(), sign: key.sign)
                rows.append([.text(division), .text(identifier.rawValue), .text(number), .text(type.code), .text(type.issuerCode), .text(HolderKind.entity.rawValue),
                             .text(holder), .text(claims.holder.name), .text(LicenceDesk.json(fields)), .date(now), .null, .text(seal.id), .text(jws), .text("valid"),
                             .null, .null, .text("generator"), .date(now)])
                changes.append(NewChange(module: "licences", recordType: "licence", recordKey: identifier.rawValue, divisionCode: division,
                                         operation: .created, fields: ["status"], actor: actor))
            }
            let batch = rows, logged = changes
            try await store.bulkWrite { db, copier in
                try await copier.copy(into: "licences", columns: columns, rows: batch)
                try await ChangeLog.record(logged, at: now, dialect: dialect, on: db, copier: copier)
                try await AuditLog.append(AuditEntry(actor: actor, action: "licences.licence.generate", recordType: "licence", recordID: nil,
                                                     detail: "\(batch.count) generated business licences sealed by \(seal.id)"), at: now, dialect: dialect, on: db)
            }
            written += n
        }
        try await store.analyze(["licences"])
        return written
    }
}
