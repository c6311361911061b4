import CityCore
import CityStore
import Foundation
import Hummingbird
import Identity

/// The audit log, for auditors: entries and a verification of the chain.
struct AuditController {
    let platform: Platform

    struct EntryList: ResponseEncodable { let items: [AuditRecord] }

    struct VerificationDTO: ResponseEncodable {
        struct Problem: Codable { let seq: Int64; let kind: String; let message: String }
        let intact: Bool
        let checked: Int
        let headHash: String
        let problems: [Problem]
    }

    func addRoutes(to api: RouterGroup<AuthenticatedContext>) {
        api.get("/audit") { request, context -> EntryList in
            try context.caller.require(anyOf: .auditor)
            let page = try IdentityController.page(request)
            let recordType = request.uri.queryParameters["recordType"].map(String.init)
            let recordID = request.uri.queryParameters["recordId"].map(String.init)
            guard let scope = context.caller.scope else { throw PlatformError.missingRole(["审计员/auditor"]) }
            // The city's auditors see every entry; a county's see their county's.
            let entries = try await platform.audit.entries(recordType: recordType, recordID: recordID, divisionPrefix: scope.significantPrefix,
                                                           includeUnscoped: scope.level <= .city, limit: page.limit, offset: page.offset)
            try await platform.audit(context, action: "audit.read", recordType: recordType, recordID: recordID, division: scope.rawValue,
                                     detail: "\(entries.count) entries")
            return EntryList(items: entries)
        }
        api.get("/audit/verify") { _, context -> VerificationDTO in
            try context.caller.require(anyOf: .auditor)
            // The chain is one for the whole city: only the city's auditors check it.
            guard let scope = context.caller.scope, scope.level <= .city else { throw PlatformError.outsideScope(.zhoukou) }
            let result = try await platform.audit.verify()
            return VerificationDTO(intact: result.isIntact, checked: result.checked, headHash: result.headHash,
                                   problems: result.problems.map { .init(seq: $0.seq, kind: $0.kind.rawValue, message: $0.message) })
        }
    }
}
