import CityCore
import CityStore
import Foundation

/// The audit log, read by auditors within their scope. The city's auditors see every entry and
/// check the one chain; a county's auditors see their county's entries. Each reading is itself
/// audited.
public struct AuditReader: Sendable {
    let audit: AuditLog
    /// Signs and keeps the checkpoints the chain is checked against, when configured.
    let notary: AuditNotary?

    public init(audit: AuditLog, notary: AuditNotary? = nil) {
        self.audit = audit
        self.notary = notary
    }

    /// Entries newest first, optionally for one record.
    public func entries(by caller: Principal, recordType: String?, recordID: String?, page: PageRequest, origin: AuditOrigin) async throws -> [AuditRecord] {
        try caller.require(anyOf: .auditor)
        let scope = try caller.staffScope()
        let entries = try await audit.entries(recordType: recordType, recordID: recordID, divisionPrefix: scope.root.significantPrefix,
                                              includeUnscoped: scope.level <= .city, limit: page.limit, offset: page.offset)
        try await audit.append(AuditEntry(actor: caller.auditActor, action: "audit.read", recordType: recordType, recordID: recordID,
                                          divisionCode: scope.root.rawValue, origin: origin, detail: "\(entries.count) entries"))
        return entries
    }

    /// Checks the whole chain: for the city's auditors only, since the chain is one for the city.
    public func verify(by caller: Principal) async throws -> AuditVerification {
        try caller.require(anyOf: .auditor)
        let scope = try caller.staffScope()
        guard scope.level <= .city else { throw IdentityError.outsideScope(.zhoukou) }
        guard let notary else { return try await audit.verify() }
        return try await audit.verify(against: try AuditNotary.read(notary.checkpointFile), signedBy: notary.publicKey)
    }
}
