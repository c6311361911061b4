import CityCore
import CityHTTP
import Foundation
import Hummingbird
import Identity
import Licences
import NIOCore
import Registry

/// The web pages, on top of the API: sign-in with a session cookie, and the workbench home page.
public struct WebPages: RouteDomain {
    let signIn: SignIn
    let sessions: SessionBook
    let divisions: DivisionBook
    let organisations: OrganisationBook
    let geography: GeographyBook
    let licences: LicenceDesk
    let renderer: PageRenderer
    let settings: HTTPSettings

    public init(platform: Platform, renderer: PageRenderer) {
        self.signIn = platform.signIn
        self.sessions = platform.sessions
        self.divisions = platform.divisions
        self.organisations = platform.organisations
        self.geography = platform.geography
        self.licences = platform.licences
        self.renderer = renderer
        self.settings = platform.settings
    }

    public var api: APIFragment { WebAPI.fragment }
    /// The pages' part of the API document.
    public static var fragment: APIFragment { WebAPI.fragment }

    struct LoginForm: Decodable {
        let username: String?
        let password: String?
    }

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.add(middleware: FileMiddleware(PageRenderer.staticDirectory, urlBasePath: "/static", cacheControl: .init([(.init(type: .any), [.maxAge(300)])])))
        router.get("/", use: home)
        router.get("/screen", use: screen)
        router.get("/screen/grid", use: screenGrid)
        router.get("/login", use: loginPage)
        router.post("/login", use: loginForm)
        router.post("/logout", use: logout)
        router.get("/favicon.ico", use: favicon)
        router.get("/verify", use: verifyLicence)
    }

    /// The public verification page: paste a sealed licence, or arrive from its QR code
    /// (`?id=&d=`), and see the verdict: valid, or exactly why not, with what the licence says.
    @Sendable func verifyLicence(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard (query["id"]?.count ?? 0) <= 120, (query["d"]?.count ?? 0) <= 64 else {
            throw LicencesError.invalidField("id", zh: "证照标识或摘要过长", en: "the identifier or the digest is too long")
        }
        var verdict: Verdict? = nil
        if let token = query["licence"].map(String.init), !token.isEmpty {
            guard token.count <= 8_192 else {
                throw LicencesError.invalidField("licence", zh: "证照文本超过 8192 个字符，请使用 POST /api/v1/licences/verify", en: "a licence over 8,192 characters: use POST /api/v1/licences/verify")
            }
            verdict = try await licences.verify(token)
        } else if let id = query["id"], let digest = query["d"] {
            verdict = try await licences.verify(id: String(id), digest: String(digest))
        }
        var values: [String: Any] = ["title": "电子证照核验", "version": OpenAPIDocument.version]
        if let verdict {
            var shown: [String: Any] = ["ok": verdict.ok, "reason": verdict.reason.rawValue, "messageZh": verdict.messageZh, "messageEn": verdict.messageEn]
            if let c = verdict.claims {
                shown["licence"] = ["typeName": c.typeName, "number": c.no, "id": c.jti, "holder": c.holder.name, "issuer": c.issuerName,
                                    "issued": ChinaTime.day(c.issuedAt), "validUntil": DeskViews.validUntil(c.validUntil),
                                    "fields": c.fields.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }]
            }
            if let s = verdict.seal { shown["seal"] = ["organisation": s.organisation, "algorithm": s.algorithm.rawValue, "serial": s.serial] }
            values["verdict"] = shown
        }
        return html(renderer.render("verify", values))
    }

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = context.principal, principal.kind == .staff else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        let (scope, list, shapes) = try await mapped(by: principal)
        let organisation = try? await organisations.find(principal.organisationCode ?? "", by: principal)
        let values: [String: Any] = [
            "title": "工作台",
            "version": OpenAPIDocument.version,
            "canFile": principal.takesCalls,
            "user": ["id": principal.id, "displayName": principal.displayName, "organisationCode": principal.organisationCode ?? ""],
            "organisationName": organisation?.name ?? "",
            "scope": scope.root.rawValue,
            "scopeName": list.first { $0.code == scope.root }?.name ?? scope.root.rawValue,
            "roles": principal.roles.sorted().map { ["labelZh": $0.labelZh, "name": $0.rawValue] },
            "divisions": list.map { ["code": $0.code.rawValue, "name": $0.name, "level": $0.level.rawValue] },
            "map": MapDrawing(shapes).values,
        ]
        return html(renderer.render("home", values))
    }

    /// The command center's wall display (1920×1080, dark): the map of the city with its counties,
    /// camera sites and live case markers, key figures, trends and the latest cases, kept live by
    /// the case feed (server-sent events). Its data comes from the API; the page is the frame.
    @Sendable func screen(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = context.principal, principal.kind == .staff else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        let (scope, list, shapes) = try await mapped(by: principal)
        let map = MapDrawing(shapes, width: 1000)
        let cameras = try geography.cameraSites(by: principal).compactMap { site -> [String: String]? in
            map.place(site.point).map { ["x": String(format: "%.1f", $0.x), "y": String(format: "%.1f", $0.y), "state": site.online ? "online" : "offline"] }
        }
        return html(renderer.render("screen", [
            "title": "城市运行指挥大屏", "version": OpenAPIDocument.version,
            "scopeName": list.first { $0.code == scope.root }?.name ?? scope.root.rawValue,
            "user": ["displayName": principal.displayName],
            "map": map.values, "cameras": cameras, "cameraCount": cameras.count,
        ]))
    }

    /// The grid cells in the caller's scope drawn as one SVG path in the wall display's projection,
    /// with the box they fill: the map zooms there when asked (fetched once, on the first zoom).
    @Sendable func screenGrid(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = context.principal, principal.kind == .staff else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        let (_, _, shapes) = try await mapped(by: principal)
        let map = MapDrawing(shapes, width: 1000)
        var path = ""
        path.reserveCapacity(1 << 20)
        var (minX, minY, maxX, maxY) = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
        var cells = 0
        for grid in try geography.grids(by: principal) {
            for ring in grid.boundary.rings {
                for (i, point) in ring.enumerated() {
                    guard let (x, y) = map.place(point) else { continue }
                    path += (i == 0 ? "M" : "L") + String(format: "%.2f,%.2f", x, y)
                    (minX, minY, maxX, maxY) = (min(minX, x), min(minY, y), max(maxX, x), max(maxY, y))
                }
                path += "Z"
            }
            cells += 1
        }
        let box = cells == 0 ? "null" : String(format: "[%.1f,%.1f,%.1f,%.1f]", minX - 5, minY - 5, maxX - minX + 10, maxY - minY + 10)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "private, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(string: #"{"cells":\#(cells),"box":\#(box),"d":"\#(path)"}"#)))
    }

    func mapped(by principal: Principal) async throws -> (DivisionScope, [Division], [Division]) {
        try await MapDrawing.scope(of: principal, divisions: divisions)
    }

    @Sendable func loginPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.principal?.kind == .staff { return Response(status: .seeOther, headers: [.location: "/"]) }
        return html(renderer.render("login", ["title": "登录", "version": OpenAPIDocument.version]))
    }

    @Sendable func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Login CSRF: a form posted from another site must not sign this browser in as someone else.
        guard request.isSameOrigin else {
            return page("login", status: .forbidden, error: ("请从本站登录页面登录", "Sign in from this site's sign-in page"))
        }
        let buffer = try await request.collectBounded(upTo: 16 * 1024, context: context)
        let form = (try? URLEncodedFormDecoder().decode(LoginForm.self, from: String(buffer: buffer))) ?? LoginForm(username: nil, password: nil)
        let username = form.username ?? ""
        // Citizens sign in on the portal with their phone number, not here.
        if Phone.isMobile(username) {
            return page("login", status: .unauthorized, username: username,
                        error: ("此处为工作人员登录。市民请使用手机号在市民端登录（POST /api/v1/citizens/login）。",
                                "This sign-in is for staff. Citizens sign in with their phone number on the citizen portal (POST /api/v1/citizens/login)."))
        }
        do {
            let session = try await signIn.staff(username: username, password: form.password ?? "", channel: .web, origin: context.auditOrigin)
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(SessionCookie.make(session.token, maxAge: Int(sessions.lifetime), settings: settings))
            return response
        } catch let error as IdentityError {
            var response = page("login", status: error.kind == .rateLimited ? .tooManyRequests : .unauthorized, username: username,
                                error: (error.messageZh, error.messageEn))
            if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let principal = context.principal, context.viaCookie {
            try await sessions.signOut(context.sessionToken, by: principal, channel: .web, origin: context.auditOrigin)
        }
        // Citizens go back to their portal's sign-in, staff to theirs.
        var response = Response(status: .seeOther, headers: [.location: context.principal?.kind == .citizen ? "/my" : "/login"])
        response.setCookie(SessionCookie.make("", maxAge: 0, settings: settings))
        return response
    }

    @Sendable func favicon(_ request: Request, context: AppRequestContext) async throws -> Response {
        let url = URL(fileURLWithPath: PageRenderer.staticDirectory).appendingPathComponent("favicon.svg")
        let data = try Data(contentsOf: url)
        return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "max-age=86400"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func page(_ template: String, status: HTTPResponse.Status, username: String = "", error: (zh: String, en: String)) -> Response {
        var response = html(renderer.render(template, [
            "title": "登录", "version": OpenAPIDocument.version, "username": username,
            "error": ["messageZh": error.zh, "messageEn": error.en],
        ]))
        response.status = status
        return response
    }

    func html(_ text: String) -> Response { DeskPages.html(text) }
}
