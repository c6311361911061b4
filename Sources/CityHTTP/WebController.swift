import CityCore
import CityWeb
import Foundation
import Hummingbird
import Identity
import NIOCore
import Registry

/// The web pages: sign-in with a session cookie, and the workbench home page.
struct WebController {
    let platform: Platform
    static let version = "0.1.0"

    struct LoginForm: Decodable {
        let username: String?
        let password: String?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/") { _, context -> Response in
            guard let principal = context.principal, principal.kind == .staff else {
                return Response(status: .seeOther, headers: [.location: "/login"])
            }
            return try await home(principal)
        }
        router.get("/login") { _, context -> Response in
            if context.principal != nil { return Response(status: .seeOther, headers: [.location: "/"]) }
            return html(platform.pages.render("login", ["title": "登录", "version": Self.version]))
        }
        router.post("/login") { request, context -> Response in
            let buffer = try await request.collectBounded(upTo: 16 * 1024, context: context)
            let form = (try? URLEncodedFormDecoder().decode(LoginForm.self, from: String(buffer: buffer))) ?? LoginForm(username: nil, password: nil)
            let username = form.username ?? ""
            do {
                let principal = try await platform.throttle.guarding(source: context.remoteAddress, account: username) {
                    try await platform.staff.authenticate(username: username, password: form.password ?? "")
                }
                let session = try await platform.sessions.issue(for: principal, channel: .web)
                try await platform.audit.append(.init(actor: principal.auditActor, action: "identity.login", recordType: "staff", recordID: principal.id,
                                                      divisionCode: principal.scope?.rawValue, source: context.remoteAddress, requestID: context.requestID,
                                                      detail: "web"))
                var response = Response(status: .seeOther, headers: [.location: "/"])
                response.setCookie(sessionCookie(session.token, maxAge: Int(platform.sessions.lifetime)))
                return response
            } catch let error as IdentityError {
                try await platform.auditLoginRefusal(context, action: "identity.login", recordType: "staff", recordID: username, error: error, detail: "web \(error.code)")
                var response = html(platform.pages.render("login", [
                    "title": "登录", "version": Self.version, "username": username,
                    "error": ["messageZh": error.messageZh, "messageEn": error.messageEn],
                ]))
                response.status = error.kind == .rateLimited ? .tooManyRequests : .unauthorized
                if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
                return response
            }
        }
        router.post("/logout") { _, context -> Response in
            if let token = context.sessionToken, context.viaCookie {
                try await platform.sessions.revoke(token)
                try await platform.audit(context, action: "identity.logout", recordType: "staff", recordID: context.principal?.id, detail: "web")
            }
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            response.setCookie(sessionCookie("", maxAge: 0))
            return response
        }
    }

    func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: AuthMiddleware.cookieName, value: value, maxAge: maxAge, path: "/", secure: platform.settings.secureCookies, httpOnly: true, sameSite: .lax)
    }

    func home(_ principal: Principal) async throws -> Response {
        let scope = principal.scope ?? .zhoukou
        let divisions = try await platform.divisions.list(within: scope)
        var shapes: [Division] = []
        for d in divisions where d.level == .county || (scope.level == .county && d.code == scope) {
            if let full = try await platform.divisions.find(d.code) { shapes.append(full) }
        }
        let organisation = try await platform.organisations.find(principal.organisationCode ?? "")
        let values: [String: Any] = [
            "title": "工作台",
            "version": Self.version,
            "user": ["id": principal.id, "displayName": principal.displayName, "organisationCode": principal.organisationCode ?? ""],
            "organisationName": organisation?.name ?? "",
            "scope": scope.rawValue,
            "scopeName": divisions.first { $0.code == scope }?.name ?? scope.rawValue,
            "roles": principal.roles.sorted().map { ["labelZh": $0.labelZh, "name": $0.rawValue] },
            "divisions": divisions.map { ["code": $0.code.rawValue, "name": $0.name, "level": $0.level.rawValue] },
            "map": MapDrawing(shapes).values,
        ]
        return html(platform.pages.render("home", values))
    }

    func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Draws division boundaries as SVG paths in an equirectangular projection scaled by cos(latitude).
struct MapDrawing {
    let values: [String: Any]

    init(_ divisions: [Division], width: Double = 600) {
        var rings: [(Division, [[GeoPoint]])] = []
        for d in divisions {
            guard let text = d.boundaryGeoJSON, let data = text.data(using: .utf8),
                  let geometry = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            var list: [[GeoPoint]] = []
            let polygons: [Any] = geometry["type"] as? String == "MultiPolygon" ? (geometry["coordinates"] as? [Any] ?? []) : [geometry["coordinates"] as Any]
            for polygon in polygons {
                for ring in polygon as? [[[Double]]] ?? [] {
                    list.append(ring.compactMap { $0.count >= 2 ? GeoPoint(lon: $0[0], lat: $0[1]) : nil })
                }
            }
            rings.append((d, list))
        }
        let all = rings.flatMap { $0.1.flatMap { $0 } }
        guard let minLon = all.map(\.lon).min(), let maxLon = all.map(\.lon).max(),
              let minLat = all.map(\.lat).min(), let maxLat = all.map(\.lat).max(), maxLon > minLon, maxLat > minLat else {
            values = ["width": 10, "height": 10, "shapes": [Any](), "labels": [Any]()]
            return
        }
        let kx = cos((minLat + maxLat) / 2 * .pi / 180)
        let scale = (width - 20) / ((maxLon - minLon) * kx)
        let height = (maxLat - minLat) * scale + 20
        func x(_ p: GeoPoint) -> Double { 10 + (p.lon - minLon) * kx * scale }
        func y(_ p: GeoPoint) -> Double { 10 + (maxLat - p.lat) * scale }
        let shapes = rings.map { (d, list) -> [String: String] in
            let path = list.map { ring in
                ring.enumerated().map { i, p in (i == 0 ? "M" : "L") + String(format: "%.1f,%.1f", x(p), y(p)) }.joined() + "Z"
            }.joined()
            return ["d": path, "code": d.code.rawValue, "name": d.name]
        }
        let labels = rings.compactMap { (d, _) -> [String: String]? in
            d.label.map { ["x": String(format: "%.1f", x($0)), "y": String(format: "%.1f", y($0)), "name": d.name] }
        }
        values = ["width": Int(width), "height": Int(height.rounded()), "shapes": shapes, "labels": labels]
    }
}
