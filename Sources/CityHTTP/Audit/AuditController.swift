import CityCore
import Foundation
import Hummingbird
import Identity

/// The audit log, for auditors: entries and a verification of the chain.
struct AuditController {
    let reader: AuditReader

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/audit", use: listAudit)
        api.get("/audit/verify", use: verifyAudit)
    }

    @Sendable func listAudit(_ request: Request, context: StaffContext) async throws -> AuditEntryList {
        let entries = try await reader.entries(by: context.caller, recordType: request.uri.queryParameters["recordType"].map(String.init),
                                               recordID: request.uri.queryParameters["recordId"].map(String.init), page: try PageRequest(request),
                                               origin: context.auditOrigin)
        return AuditEntryList(items: entries.map(AuditEntryDTO.init))
    }

    @Sendable func verifyAudit(_ request: Request, context: StaffContext) async throws -> AuditVerificationDTO {
        AuditVerificationDTO(try await reader.verify(by: context.caller))
    }
}
