import CityCore
import CityStore
import Foundation

/// Signing in and out, for staff and citizens alike: the login limits, the password check, the
/// session, and the audit entries of each outcome. The API and the pages both sign in through here.
public struct SignIn: Sendable {
    let staff: StaffDirectory
    let citizens: CitizenAccounts
    let sessions: SessionBook
    let throttle: LoginThrottle
    let audit: AuditLog

    public init(staff: StaffDirectory, citizens: CitizenAccounts, sessions: SessionBook, throttle: LoginThrottle, audit: AuditLog) {
        self.staff = staff
        self.citizens = citizens
        self.sessions = sessions
        self.throttle = throttle
        self.audit = audit
    }

    /// A staff member's username and password for a session. Each wrong password is audited (the
    /// limits bound how many an address gets); throttled tries are folded per address and minute.
    public func staff(username: String, password: String, channel: SessionBook.Channel, origin: AuditOrigin) async throws -> IssuedSession {
        let principal: Principal
        do {
            principal = try await throttle.guarding(source: origin.source, account: username) {
                try await staff.authenticate(username: username, password: password)
            }
        } catch let error as IdentityError {
            try await auditRefusal(action: "identity.login", recordType: "staff", recordID: username, error: error, channel: channel, origin: origin)
            throw error
        }
        return try await sessions.issue(for: principal, channel: channel, origin: origin)
    }

    /// A citizen's phone number and password for a session, behind the same limits.
    public func citizen(phone: String, password: String, origin: AuditOrigin) async throws -> IssuedSession {
        let principal: Principal
        do {
            principal = try await throttle.guarding(source: origin.source, account: phone) {
                try await citizens.authenticate(phone: phone, password: password)
            }
        } catch let error as IdentityError {
            try await auditRefusal(action: "identity.citizen.login", recordType: "citizen", recordID: Mask.phone(phone), error: error, channel: .api, origin: origin)
            throw error
        }
        return try await sessions.issue(for: principal, channel: .api, origin: origin)
    }

    /// A citizen's phone number and the code sent to it (`PhoneCodes`) for a session, behind the
    /// same limits as a password; a first sign-in registers the account.
    public func citizen(phone: String, code: String, codes: PhoneCodes, channel: SessionBook.Channel, origin: AuditOrigin) async throws -> IssuedSession {
        let principal: Principal
        do {
            principal = try await throttle.guarding(source: origin.source, account: phone) {
                try await codes.verify(phone: phone, code: code, origin: origin)
            }
        } catch let error as IdentityError {
            try await auditRefusal(action: "identity.citizen.login", recordType: "citizen", recordID: Mask.phone(phone), error: error, channel: channel, origin: origin)
            throw error
        }
        return try await sessions.issue(for: principal, channel: channel, origin: origin)
    }

    /// Records a credential that was sent but is not good (forged, expired or revoked token or key),
    /// folded per address and minute: anyone can send them without signing in.
    public func auditRefusedCredential(route: String, origin: AuditOrigin) async throws {
        try await audit.appendRefusal(AuditEntry(actor: "anonymous", action: "identity.credential", recordType: "route", recordID: route,
                                                 origin: origin, outcome: "denied", detail: IdentityError.unauthenticated.code),
                                      foldKey: "\(origin.source ?? "-")|identity.credential")
    }

    private func auditRefusal(action: String, recordType: String, recordID: String, error: IdentityError, channel: SessionBook.Channel,
                              origin: AuditOrigin) async throws {
        let detail = channel == .web ? "web \(error.code)" : error.code
        let entry = AuditEntry(actor: "anonymous", action: action, recordType: recordType, recordID: recordID, origin: origin, outcome: "denied", detail: detail)
        if error.kind == .rateLimited {
            try await audit.appendRefusal(entry, foldKey: "\(origin.source ?? "-")|\(action)|\(error.code)")
        } else {
            try await audit.append(entry)
        }
    }
}
