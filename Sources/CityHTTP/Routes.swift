// CityHTTP: the Hummingbird application. Request contexts, authentication, one controller per
// module, problem+json, the OpenAPI document. Handlers are thin: they parse, authorise, call a
// module's API and shape the answer; rules live in the modules.
import Foundation
import Hummingbird

/// Routes that sit on top of the API (the pages): they add their own routes and middleware to the
/// router and their operations to the document.
public protocol RouteDomain: Sendable {
    /// This domain's part of the API document.
    var api: APIFragment { get }
    /// Adds the domain's middleware and routes.
    func addRoutes(to router: Router<AppRequestContext>)
}

/// The API's own domains' parts of the document.
let apiFragments = [SystemAPI.fragment, AuthAPI.fragment, IdentityAPI.fragment, RegistryAPI.fragment, GeographyAPI.fragment, CasesAPI.fragment, ExchangeAPI.fragment, LicencesAPI.fragment, Open311API.fragment, AuditAPI.fragment]

/// The OpenAPI document for the API and the domains on top of it.
public func openAPIDocument(with domains: [APIFragment] = []) -> Data {
    OpenAPIDocument.build(apiFragments + domains).data(pretty: true)
}

/// Builds the router: middleware in order (request log, metrics, security headers, caller lookup,
/// problem+json, input checks), the domains on top (pages), then the API: public routes, the
/// routes for any signed-in caller, and the staff routes, which need a division scope.
public func buildRouter(platform: Platform, domains: [any RouteDomain] = []) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: AuthMiddleware(sessions: platform.sessions, keys: platform.keys, settings: platform.settings))
    router.add(middleware: ProblemMiddleware(audit: platform.audit, signIn: platform.signIn, routes: routes))
    router.add(middleware: InputBoundaryMiddleware())

    SystemController(store: platform.store, jobs: platform.jobs, metrics: platform.metrics,
                     openAPI: openAPIDocument(with: domains.map(\.api))).addRoutes(to: router)
    for domain in domains { domain.addRoutes(to: router) }
    Open311Controller(cases: platform.cases, catalogue: platform.caseCatalogue, keys: platform.keys).addRoutes(to: router)
    OpenDataController(openData: platform.openData).addRoutes(to: router)

    let api = router.group("/api/v1")
    let auth = AuthController(signIn: platform.signIn, sessions: platform.sessions, citizens: platform.citizens)
    auth.addPublicRoutes(to: api)
    let licences = LicencesController(licences: platform.licences, seals: platform.seals, types: platform.licenceTypes)
    licences.addPublicRoutes(to: api)
    let signedIn = api.group(context: AuthenticatedContext.self)
    auth.addRoutes(to: signedIn)
    CaseController(cases: platform.cases, catalogue: platform.caseCatalogue, geography: platform.geography).addRoutes(to: signedIn)
    ScreenController(cases: platform.cases, feed: platform.caseFeed).addRoutes(to: signedIn)
    let staff = signedIn.group(context: StaffContext.self)
    IdentityController(organisations: platform.organisations, staff: platform.staff, keys: platform.keys).addRoutes(to: staff)
    RegistryController(divisions: platform.divisions, geography: platform.geography).addRoutes(to: staff)
    GeographyController(geography: platform.geography).addRoutes(to: staff)
    PersonController(persons: platform.persons).addRoutes(to: staff)
    EntityController(entities: platform.entities).addRoutes(to: staff)
    QualityController(quality: platform.quality).addRoutes(to: staff)
    ExchangeController(catalogue: platform.catalogue, datasets: platform.datasets, sharing: platform.sharing, gateway: platform.gateway,
                       subscriptions: platform.subscriptions).addRoutes(to: staff)
    licences.addRoutes(to: staff)
    AuditController(reader: platform.auditReader).addRoutes(to: staff)
    routes.load(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
    return router
}
