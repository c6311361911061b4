/// The audit domain's operations and shapes.
enum AuditAPI {
    static let fragment = APIFragment(operations: [
        .init("get", "/api/v1/audit", id: "listAudit", summary: "Audit entries, newest first (auditor)", tag: "audit",
              query: [.init("recordType", Schema.string(), "record type"), .init("recordId", Schema.string(), "record id")] + IdentityAPI.paging,
              success: (200, AuditEntryList.schemaName, APIFragment.json)),
        .init("get", "/api/v1/audit/verify", id: "verifyAudit", summary: "Check the audit hash chain (the city's auditors)", tag: "audit",
              success: (200, AuditVerificationDTO.schemaName, APIFragment.json)),
    ], shapes: [AuditEntryDTO.self, AuditEntryList.self, AuditProblemDTO.self, AuditVerificationDTO.self])
}
