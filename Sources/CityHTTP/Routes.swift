import CityWeb
import Foundation
import Hummingbird

/// Builds the router: middleware in order (request log, metrics, security headers, caller lookup,
/// problem+json), static files, pages, public API routes, then the authenticated API group.
public func buildRouter(platform: Platform) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: AuthMiddleware(platform: platform))
    router.add(middleware: ProblemMiddleware(platform: platform, routes: routes))
    router.add(middleware: InputBoundaryMiddleware())
    router.add(middleware: FileMiddleware(PageRenderer.staticDirectory, urlBasePath: "/static", cacheControl: .init([(.init(type: .any), [.maxAge(300)])])))

    SystemController(platform: platform, openAPI: OpenAPI.document.data(pretty: true)).addRoutes(to: router)
    WebController(platform: platform).addRoutes(to: router)

    let api = router.group("/api/v1")
    let auth = AuthController(platform: platform)
    auth.addPublicRoutes(to: api)

    let authenticated = api.group(context: AuthenticatedContext.self)
    auth.addRoutes(to: authenticated)
    IdentityController(platform: platform).addRoutes(to: authenticated)
    RegistryController(platform: platform).addRoutes(to: authenticated)
    AuditController(platform: platform).addRoutes(to: authenticated)
    routes.load(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
    return router
}

/// The OpenAPI document as served.
public func openAPIDocument() -> Data { OpenAPI.document.data(pretty: true) }
