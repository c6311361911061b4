import CityCore
import CityStore
import CityWeb
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Logging
import Prometheus
import Registry

/// HTTP settings the composition root hands in.
public struct HTTPSettings: Sendable {
    /// Largest request body accepted, in bytes.
    public var maxBodySize: Int
    /// Whether session cookies carry `Secure` (browsers treat http://127.0.0.1 and localhost as secure).
    public var secureCookies: Bool

    public init(maxBodySize: Int = 1 << 20, secureCookies: Bool = true) {
        self.maxBodySize = maxBodySize
        self.secureCookies = secureCookies
    }
}

/// Everything the controllers use, built once by the composition root.
public struct Platform: Sendable {
    public let store: Store
    public let clock: any WallClock
    public let audit: AuditLog
    public let jobs: JobQueue
    public let organisations: OrganisationBook
    public let staff: StaffDirectory
    public let citizens: CitizenAccounts
    public let keys: APIKeyRing
    public let sessions: SessionBook
    /// Callers resolved recently by this process, and the feed that evicts them.
    public let principals: PrincipalCache
    public let revocations: Revocations
    public let throttle: LoginThrottle
    public let divisions: DivisionBook
    public let settings: HTTPSettings
    public let metrics: PrometheusCollectorRegistry
    public let pages: PageRenderer
    public let logger: Logger
    let refusals = RefusalCollapser()

    public init(store: Store, clock: any WallClock, hasher: PasswordHasher, settings: HTTPSettings, metrics: PrometheusCollectorRegistry,
                pages: PageRenderer, logger: Logger, loginFailureLimit: Int = 30) {
        self.store = store
        self.clock = clock
        self.audit = AuditLog(store: store, clock: clock)
        self.jobs = JobQueue(store: store, clock: clock)
        self.organisations = OrganisationBook(store: store, clock: clock)
        let principals = PrincipalCache()
        self.principals = principals
        self.revocations = Revocations(store: store, cache: principals, logger: logger)
        self.staff = StaffDirectory(store: store, clock: clock, hasher: hasher, cache: principals)
        self.citizens = CitizenAccounts(store: store, clock: clock, hasher: hasher)
        self.keys = APIKeyRing(store: store, clock: clock, cache: principals)
        self.sessions = SessionBook(store: store, clock: clock, citizens: citizens, keys: keys, cache: principals)
        self.throttle = LoginThrottle(store: store, clock: clock, limit: loginFailureLimit)
        self.divisions = DivisionBook(store: store, clock: clock)
        self.settings = settings
        self.metrics = metrics
        self.pages = pages
        self.logger = logger
    }

    /// Records an audit entry for a request; an audit failure is logged, never hidden.
    func audit<Context: CityContext>(_ context: Context, action: String, recordType: String? = nil, recordID: String? = nil,
                                     division: String? = nil, purpose: String? = nil, outcome: String = "ok", detail: String? = nil) async throws {
        try await audit.append(AuditEntry(
            actor: context.principal?.auditActor ?? "anonymous", action: action, recordType: recordType, recordID: recordID,
            divisionCode: division ?? context.principal?.scope?.rawValue, purpose: purpose, source: context.remoteAddress, requestID: context.requestID,
            outcome: outcome, detail: detail))
    }

    /// Audits a refusal that needs no sign-in to provoke (bad credentials, a throttled login): the
    /// first from an address each minute is written, with a count of those folded since.
    func auditAnonymousRefusal<Context: CityContext>(_ context: Context, action: String, recordType: String? = nil, recordID: String? = nil,
                                                    error: any CityError, detail: String? = nil) async throws {
        let key = "\(context.remoteAddress ?? "-")|\(action)|\(error.code)"
        guard let folded = refusals.admit(key, now: clock.now()) else { return }
        let note = [detail ?? error.code, folded > 0 ? "+\(folded) similar refusals from this address folded" : nil].compactMap { $0 }.joined(separator: "; ")
        try await audit(context, action: action, recordType: recordType, recordID: recordID, outcome: "denied", detail: note)
    }

    /// Audits a refused login: each wrong password (the throttle bounds how many an address gets),
    /// and the throttle's own refusals folded per address and minute.
    func auditLoginRefusal<Context: CityContext>(_ context: Context, action: String, recordType: String, recordID: String,
                                                 error: IdentityError, detail: String? = nil) async throws {
        if error.kind == .rateLimited {
            try await auditAnonymousRefusal(context, action: action, recordType: recordType, recordID: recordID, error: error, detail: detail)
        } else {
            try await audit(context, action: action, recordType: recordType, recordID: recordID, outcome: "denied", detail: detail ?? error.code)
        }
    }

    /// Writes a refusal to the audit log.
    func auditDenied<Context: CityContext>(request: Request, context: Context, error: any CityError) async {
        do {
            try await audit(context, action: "http.denied", recordType: "route", recordID: "\(request.method) \(request.uri.path)",
                            purpose: request.headers[.cityPurpose], outcome: "denied", detail: error.code)
        } catch {
            context.logger.error("could not audit a refusal", metadata: ["error": "\(error)"])
        }
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: echoed, and used as the request id when a caller sends a sane one.
    static let requestID = Self("X-Request-Id")!
    /// `X-Purpose`: why the caller reads personal data; written to the audit log.
    static let cityPurpose = Self("X-Purpose")!
}
