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

    /// `progress` hears the number written after each batch (the CLI's progress bar).
    public func generate(count: Int, divisions: [String], seed: UInt64 = 2026, by caller: Principal,
                         progress: (@Sendable (Int) -> Void)? = nil) async throws -> Int {
        try caller.require(anyOf: .platformAdmin)
        let type = LicenceType.builtIn[0]
        let (seal, key, root) = try await seals.activeKey(organisation: type.issuerCode, algorithm: .ed25519)
        let now = clock.now()
        let sealer = try LicenceSealer(type: type, seal: seal, key: key, root: root, year: ChinaTime.calendar.component(.year, from: now))
        // Take the serials at once: the generated licences follow those already issued this year.
        let first = try await store.write { db in try await sealer.takeSerials(count, on: db) }
        var random = SplitMix64(seed: seed)
        let alphabet = CreditCode.alphabet
        let (dialect, actor) = (store.dialect, caller.auditActor)
        var written = 0
        while written < count {
            let n = min(5_000, count - written)
            var rows: [[BulkValue]] = []
            var changes: [NewChange] = []
            rows.reserveCapacity(n)
            changes.reserveCapacity(n)
            for i in 0..<n {
                let sequence = first + written + i
                let division = divisions[Int(random.next() % UInt64(divisions.count))]
                var body = "91" + division + "MA"
                for _ in 0..<7 { body.append(alphabet[Int(random.next() % 31)]) }
                let holder = LicenceSealer.Holder(kind: .entity, id: body + String(CreditCode.checkCharacter(body)!), name: "周口生成企业\(sequence)有限公司", division: division)
                let fields = ["kind": "有限责任公司", "legalRepresentative": "生成代表\(sequence % 1000)", "establishedOn": "2020-05-01",
                              "address": "周口市生成地址\(sequence)号", "businessScope": "日用百货销售"]
                let sealed = try sealer.seal(sequence: sequence, holder: holder, fields: fields, validFrom: now, validUntil: nil,
                                             issuedBy: "generator", issuedAt: now, actor: actor)
                rows.append(sealed.row)
                changes.append(sealed.change)
            }
            let batch = rows, logged = changes
            try await store.bulkWrite { db, copier in
                try await copier.copy(into: "licences", columns: LicenceSealer.columns, rows: batch)
                try await ChangeLog.record(logged, at: now, dialect: dialect, on: db, copier: copier)
                try await AuditLog.append(AuditEntry(actor: actor, action: "licences.licence.generate", recordType: "licence", recordID: nil,
                                                     detail: "\(batch.count) generated business licences sealed by \(seal.id)"), at: now, dialect: dialect, on: db)
            }
            written += n
            progress?(written)
        }
        try await store.analyze(["licences"])
        return written
    }
}
