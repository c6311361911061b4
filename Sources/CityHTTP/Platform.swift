import Cases
import CityCore
import CityStore
import Exchange
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Licences
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

/// The platform's services, built once by the composition root. Each controller is handed only
/// the services it uses.
public struct Platform: Sendable {
    public let store: Store
    public let clock: any WallClock
    public let audit: AuditLog
    public let auditReader: AuditReader
    public let jobs: JobQueue
    public let organisations: OrganisationBook
    public let staff: StaffDirectory
    public let citizens: CitizenAccounts
    public let keys: APIKeyRing
    public let sessions: SessionBook
    public let signIn: SignIn
    /// Citizens' sign-in codes by phone, sent through the configured sender (the log in demo mode).
    public let phoneCodes: PhoneCodes
    /// Callers resolved recently by this process, and the feed that evicts them.
    public let principals: PrincipalCache
    public let revocations: Revocations
    public let throttle: LoginThrottle
    public let divisions: DivisionBook
    public let persons: PersonRegistry
    public let entities: EntityRegistry
    /// Portal accounts bound to the persons they are (real-name binding).
    public let citizenBinding: CitizenBinding
    public let quality: RegistryQuality
    /// Grids, addresses and cameras, answered from this process's index.
    public let geography: GeographyBook
    /// The command center's cases and their reference data (categories, routing, deadlines, calendar).
    public let cases: CaseDesk
    public let caseCatalogue: CaseCatalogue
    /// The live feed of case changes for wall displays (a service: it follows the change log).
    public let caseFeed: CaseFeed
    /// The catalogue, datasets, share requests and grants, and the data API.
    public let catalogue: ResourceCatalogue
    public let datasets: DatasetLoader
    public let sharing: SharingDesk
    public let gateway: DataGateway
    /// Subscriptions to change events and the pull feed (the deliverer is a service of the application).
    public let subscriptions: SubscriptionBook
    /// Open resources for the public: the DCAT-AP catalogue and downloads.
    public let openData: OpenData
    /// The city root and the departments' seals, the licence types, and the licence library.
    public let seals: SealBook
    public let licenceTypes: LicenceTypeBook
    public let licences: LicenceDesk
    public let settings: HTTPSettings
    public let metrics: PrometheusCollectorRegistry
    public let logger: Logger

    /// Signs audit checkpoints with a key kept outside the database.
    public let notary: AuditNotary?

    public init(store: Store, clock: any WallClock, hasher: PasswordHasher, settings: HTTPSettings, metrics: PrometheusCollectorRegistry,
                logger: Logger, loginFailureLimit: Int = 30, notary: AuditNotary? = nil, codeSender: (any CodeSender)? = nil,
                allowPrivateReceivers: Bool = false, keyVault: KeyVault) {
        self.store = store
        self.clock = clock
        let audit = AuditLog(store: store, clock: clock)
        self.audit = audit
        self.auditReader = AuditReader(audit: audit, notary: notary)
        self.notary = notary
        self.jobs = JobQueue(store: store, clock: clock)
        self.organisations = OrganisationBook(store: store, clock: clock)
        let principals = PrincipalCache()
        self.principals = principals
        self.revocations = Revocations(store: store, cache: principals, logger: logger)
        let throttle = LoginThrottle(store: store, clock: clock, limit: loginFailureLimit)
        self.throttle = throttle
        self.staff = StaffDirectory(store: store, clock: clock, hasher: hasher, cache: principals, audit: audit, throttle: throttle)
        self.citizens = CitizenAccounts(store: store, clock: clock, hasher: hasher, throttle: throttle, audit: audit)
        self.keys = APIKeyRing(store: store, clock: clock, cache: principals)
        self.sessions = SessionBook(store: store, clock: clock, citizens: citizens, keys: keys, cache: principals)
        self.signIn = SignIn(staff: staff, citizens: citizens, sessions: sessions, throttle: throttle, audit: audit)
        self.phoneCodes = PhoneCodes(store: store, clock: clock, throttle: throttle, audit: audit, sender: codeSender ?? LogCodeSender(logger: logger),
                                     hasher: hasher)
        self.divisions = DivisionBook(store: store, clock: clock)
        self.persons = PersonRegistry(store: store, audit: audit, clock: clock)
        self.entities = EntityRegistry(store: store, audit: audit, clock: clock)
        self.citizenBinding = CitizenBinding(store: store, clock: clock, audit: audit, citizens: citizens, throttle: throttle)
        self.quality = RegistryQuality(store: store, audit: audit, clock: clock)
        let geography = GeographyBook(store: store, clock: clock, logger: logger)
        self.geography = geography
        self.cases = CaseDesk(store: store, geography: geography, clock: clock, logger: logger)
        self.caseCatalogue = CaseCatalogue(store: store, clock: clock)
        self.caseFeed = CaseFeed(store: store, logger: logger)
        self.catalogue = ResourceCatalogue(store: store, clock: clock)
        self.datasets = DatasetLoader(store: store, clock: clock)
        self.sharing = SharingDesk(store: store, clock: clock, keys: keys)
        let sources: [String: any RowSource] = [
            "persons": RegistrySources.persons(store), "entities": RegistrySources.entities(store), "geography": RegistrySources.geography(store),
            "cases": CaseSources.cases(store), "licences": LicenceSources.licences(store),
        ]
        self.gateway = DataGateway(store: store, clock: clock, sources: sources)
        self.subscriptions = SubscriptionBook(store: store, clock: clock, sources: sources, allowPrivateReceivers: allowPrivateReceivers)
        self.openData = OpenData(store: store, clock: clock, sources: sources, organisations: organisations)
        let seals = SealBook(store: store, clock: clock, vault: keyVault)
        self.seals = seals
        self.licenceTypes = LicenceTypeBook(store: store, clock: clock)
        self.licences = LicenceDesk(store: store, clock: clock, seals: seals, persons: PersonRegistry(store: store, audit: audit, clock: clock),
                                    entities: EntityRegistry(store: store, audit: audit, clock: clock))
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: echoed, and used as the request id when a caller sends a sane one.
    static let requestID = Self("X-Request-Id")!
    /// `X-Purpose`: why the caller reads personal data; written to the audit log.
    static let cityPurpose = Self("X-Purpose")!
    /// Security headers every response carries (`SecurityHeadersMiddleware`), named once.
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
