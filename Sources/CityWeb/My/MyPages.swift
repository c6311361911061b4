import Cases
import CityCore
import CityHTTP
import Foundation
import Hummingbird
import Identity
import Licences
import NIOCore
import Registry

/// The citizen portal (`/my`, mobile first): sign in with a phone number and a code sent to it
/// (a first sign-in registers), report a problem with photos and the place (the phone's GPS or
/// a map pick), follow one's reports and their timelines, and rate the result of a closed one.
/// The rules are the modules' (`PhoneCodes`, `CaseDesk`): a citizen sees only their own cases.
public struct MyPages: RouteDomain {
    let signIn: SignIn
    let codes: PhoneCodes
    let sessions: SessionBook
    let cases: CaseDesk
    let catalogue: CaseCatalogue
    let divisions: DivisionBook
    let licences: LicenceDesk
    let licenceTypes: LicenceTypeBook
    let binding: CitizenBinding
    let renderer: PageRenderer
    let settings: HTTPSettings

    public init(platform: Platform, renderer: PageRenderer) {
        signIn = platform.signIn
        codes = platform.phoneCodes
        sessions = platform.sessions
        cases = platform.cases
        catalogue = platform.caseCatalogue
        divisions = platform.divisions
        licences = platform.licences
        licenceTypes = platform.licenceTypes
        binding = platform.citizenBinding
        self.renderer = renderer
        settings = platform.settings
    }

    public var api: APIFragment { Self.fragment }
    public static let fragment = APIFragment(operations: [
        .init("get", "/my", id: "myPortal", summary: "The citizen portal: sign-in by phone code, or one's reports with their states", tag: "web", access: .open,
              success: (200, nil, APIFragment.html)),
        .init("post", "/my/code", id: "myCodeForm", summary: "Sends a sign-in code to a phone (the server log in demo mode); the form for the code",
              tag: "web", access: .open, success: (200, nil, APIFragment.html),
              pageAnswers: [(400, "not a mainland mobile number"), (403, "the form was posted from another site"), (429, "a code was just sent, or too many from this address")]),
        .init("post", "/my/login", id: "myLoginForm", summary: "Signs in with the phone and its code (registers on first sign-in); sets the session cookie",
              tag: "web", access: .open, success: (303, nil, APIFragment.html),
              pageAnswers: [(401, "wrong or expired code"), (403, "the form was posted from another site"), (429, "too many wrong codes")]),
        .init("get", "/my/report", id: "myReportPage", summary: "The form to report a problem: category, words, photos, the place by GPS or map",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [(303, "not signed in: to /my")]),
        .init("post", "/my/report", id: "myReportForm", summary: "Files the report (multipart with photos; carries the form token)",
              tag: "web", access: .open, success: (303, nil, APIFragment.html),
              pageAnswers: [(303, "not signed in: to /my"), (400, "a field at fault: the form again"), (403, "the form token is missing"), (413, "form over the limit"),
                            (422, "the category or place is not known")]),
        .init("get", "/my/cases/{number}", id: "myCasePage", summary: "One of my reports: its state, timeline and photos; the rating form once it is closed",
              tag: "web", access: .open, pathParameters: [("number", DeskAPI.number)], success: (200, nil, APIFragment.html),
              pageAnswers: [(303, "not signed in: to /my"), (404, "not one of my reports")]),
        .init("post", "/my/cases/{number}/rate", id: "myRateForm", summary: "Rates the result of my closed report (solved? satisfied?); a bad answer reopens it",
              tag: "web", access: .open, pathParameters: [("number", DeskAPI.number)], success: (303, nil, APIFragment.html),
              pageAnswers: [(303, "not signed in: to /my"), (403, "the form token is missing"), (404, "not one of my reports"), (409, "not closed, or already rated")]),
        .init("get", "/my/licences", id: "myLicencesPage", summary: "My licences (those held by the person this account is bound to), or the real-name binding form",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [(303, "not signed in: to /my")]),
        .init("post", "/my/licences/bind", id: "myBindForm",
              summary: "Real-name binding: the ID number and name, which the registry must hold with this account's code-verified phone (carries the form token)",
              tag: "web", access: .open, success: (303, nil, APIFragment.html),
              pageAnswers: [(303, "not signed in: to /my"), (400, "a field at fault"), (403, "the form token is missing, or the phone was never verified by a code"),
                            (422, "the ID number, name and phone do not agree"), (429, "too many attempts")]),
        .init("get", "/my/licences/{id}", id: "myLicencePage", summary: "One of my licences with its verification QR code",
              tag: "web", access: .open, pathParameters: [("id", Schema.string("the national identifier", max: 120))], success: (200, nil, APIFragment.html),
              pageAnswers: [(303, "not signed in: to /my"), (404, "not one of my licences, or not a licence identifier")]),
        .init("get", "/my/licences/{id}/licence.jws", id: "myLicenceFile", summary: "One of my licences as the sealed file (compact JWS), to hand over or verify offline",
              tag: "web", access: .open, pathParameters: [("id", Schema.string("the national identifier", max: 120))], success: (200, nil, "application/jose"),
              pageAnswers: [(303, "not signed in: to /my"), (404, "not one of my licences")]),
    ])

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/my", use: home)
        router.post("/my/code", use: sendCode)
        router.post("/my/login", use: login)
        router.get("/my/report", use: reportPage)
        router.post("/my/report", use: report)
        router.get("/my/cases/{number}", use: casePage)
        router.post("/my/cases/{number}/rate", use: rate)
        router.get("/my/licences", use: licencesPage)
        router.post("/my/licences/bind", use: bind)
        router.get("/my/licences/{id}", use: licencePage)
        router.get("/my/licences/{id}/licence.jws", use: licenceFile)
    }

    static func citizen(_ context: AppRequestContext) -> Principal? {
        context.principal?.kind == .citizen ? context.principal : nil
    }

    static var toPortal: Response { Response(status: .seeOther, headers: [.location: "/my"]) }

    func frame(_ title: String, _ principal: Principal?, context: AppRequestContext?) -> [String: Any] {
        var values: [String: Any] = ["title": title, "version": OpenAPIDocument.version]
        if let principal {
            values["citizen"] = ["displayName": principal.displayName]
            values["csrf"] = context?.sessionToken.map(FormToken.make(for:)) ?? ""
        }
        return values
    }

    // MARK: Sign-in

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.citizen(context) else {
            return DeskPages.html(renderer.render("my-signin", frame("市民登录", nil, context: context)))
        }
        var values = frame("我的上报", principal, context: context)
        let page = try await cases.queue(CaseFilter(), page: PageRequest(limit: 50, offset: 0), by: principal)
        values["reports"] = page.items.map { c -> [String: Any] in
            ["number": c.number, "state": c.state.rawValue, "stateZh": c.state.labelZh, "stateEn": DeskViews.stateEn(c.state),
             "category": c.categoryName ?? c.categoryCode, "summary": String(c.description.prefix(30)), "reportedAt": DeskViews.time(c.reportedAt),
             "rate": c.state == .closed && !c.calledBack]
        }
        return DeskPages.html(renderer.render("my-home", values))
    }

    struct CodeForm: Decodable { let phone: String? }
    struct LoginForm: Decodable { let phone: String?; let code: String? }

    @Sendable func sendCode(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard request.isSameOrigin else { return try signInFailure(IdentityError.invalidField("origin", zh: "请从本站页面登录", en: "Sign in from this site's page"), status: .forbidden) }
        let form = try await WebForm.read(request, context: context, limit: 16 * 1024)
        let phone = form["phone"] ?? ""
        do {
            try await codes.request(phone: phone, origin: context.auditOrigin)
        } catch let error as IdentityError {
            return try signInFailure(error, phone: phone)
        }
        var values = frame("输入验证码", nil, context: context)
        values["phone"] = phone
        values["sent"] = true
        return DeskPages.html(renderer.render("my-signin", values))
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard request.isSameOrigin else { return try signInFailure(IdentityError.invalidField("origin", zh: "请从本站页面登录", en: "Sign in from this site's page"), status: .forbidden) }
        let form = try await WebForm.read(request, context: context, limit: 16 * 1024)
        let phone = form["phone"] ?? ""
        do {
            let session = try await signIn.citizen(phone: phone, code: form["code"] ?? "", codes: codes, channel: .web, origin: context.auditOrigin)
            var response = Self.toPortal
            response.setCookie(SessionCookie.make(session.token, maxAge: Int(sessions.lifetime), settings: settings))
            return response
        } catch let error as IdentityError {
            return try signInFailure(error, phone: phone, sent: true)
        }
    }

    /// The sign-in page again with the message (its status from the error; Retry-After when it says).
    func signInFailure(_ error: IdentityError, phone: String = "", sent: Bool = false, status: HTTPResponse.Status? = nil) throws -> Response {
        var values = frame("市民登录", nil, context: nil)
        values["phone"] = phone
        if sent { values["sent"] = true }
        values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn]
        var response = DeskPages.html(renderer.render("my-signin", values))
        response.status = status ?? error.kind.status
        if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    // MARK: Reporting

    @Sendable func reportPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        return try await reportResponse(principal, context: context, form: nil, error: nil)
    }

    func reportResponse(_ principal: Principal, context: AppRequestContext, form: WebForm?, error: (any CityError)?) async throws -> Response {
        var values = frame("我要上报", principal, context: context)
        values["groups"] = DeskViews.categoryGroups(try await catalogue.categories(), chosen: form?["categoryCode"]) { $0.family != "hotline" }
        values["form"] = form?.fields ?? [:]
        values["map"] = MapDrawing(try await divisions.countyMap(), width: 340).values
        if let error { values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn] }
        return try DeskPages.answer(DeskPages.html(renderer.render("my-report", values)), failure: error)
    }

    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        let form = try await WebForm.read(request, context: context, limit: DeskPages.formLimit)
        guard FormToken.matches(form[FormToken.field], session: context.sessionToken) else { throw formRefused(principal, context: context) }
        do {
            var location: GeoPoint?
            if let lon = form["lon"].flatMap(Double.init), let lat = form["lat"].flatMap(Double.init) { location = GeoPoint(lon: lon, lat: lat) }
            guard location != nil else {
                throw WebFormError.field("lon", zh: "请用定位或在地图上点选问题所在位置", en: "Give the place: use your location or pick it on the map")
            }
            let filed = try await cases.file(NewCase(channel: .citizen, categoryCode: form["categoryCode"] ?? "", description: form["description"] ?? "",
                                                     location: location, address: form["address"],
                                                     photos: form.files.filter { $0.field == "photos" }.map { Photo($0.data) }),
                                             by: principal, origin: context.auditOrigin)
            return Response(status: .seeOther, headers: [.location: "/my/cases/\(filed.item.number)?done=file"])
        } catch let error as any CityError {
            return try await reportResponse(principal, context: context, form: form, error: error)
        }
    }

    // MARK: Following

    @Sendable func casePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        // A number of the wrong form names no case: not found, before anything else is asked.
        guard DeskPages.isCaseNumber(context.parameters.get("number")) else { return DeskPages.notFound(context) }
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        let number = try context.parameters.require("number")
        let done = request.uri.queryParameters["done"].map { $0 == "file" ? "已上报，请留意办理进度 Filed: follow it here" : "感谢评价 Thank you for rating" }
        return try await caseResponse(number, principal: principal, context: context, notice: done, error: nil)
    }

    func caseResponse(_ number: String, principal: Principal, context: AppRequestContext, notice: String?, error: (any CityError)?) async throws -> Response {
        var values = frame("我的上报 \(number)", principal, context: context)
        do {
            let detail = try await cases.detail(number, by: principal, origin: context.auditOrigin)
            let c = detail.item
            var item: [String: Any] = ["number": c.number, "state": c.state.rawValue, "stateZh": c.state.labelZh, "stateEn": DeskViews.stateEn(c.state),
                                       "category": c.categoryName ?? c.categoryCode, "description": c.description, "reportedAt": DeskViews.time(c.reportedAt, year: true)]
            item["address"] = c.address
            item["rate"] = c.state == .closed && !c.calledBack
            if let cb = c.callback {
                item["callback"] = ["solved": cb.solved ? "已解决 solved" : "未解决 not solved", "satisfied": cb.satisfied ? "满意 satisfied" : "不满意 not satisfied"]
            }
            values["case"] = item
            // What a citizen follows: the steps and who holds the case, not the staff's names.
            values["timeline"] = detail.timeline.map { e -> [String: Any] in
                var row: [String: Any] = ["at": DeskViews.time(e.at, year: true), "action": DeskViews.eventLabel(e.action),
                                          "to": "\(e.toState.labelZh) \(DeskViews.stateEn(e.toState))"]
                if let note = e.note, ["reportBack", "verify", "return", "reject", "callback"].contains(e.action) { row["note"] = note }
                return row
            }
            values["photos"] = detail.attachments.map { ["url": "/api/v1/cases/\(c.number)/photos/\($0.id)", "stage": $0.stage, "at": DeskViews.time($0.createdAt)] }
        } catch let failure as any CityError {
            values["error"] = ["messageZh": failure.messageZh, "messageEn": failure.messageEn]
            return try DeskPages.answer(DeskPages.html(renderer.render("my-case", values)), failure: failure)
        }
        if let notice { values["notice"] = notice }
        if let error { values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn] }
        return try DeskPages.answer(DeskPages.html(renderer.render("my-case", values)), failure: error)
    }

    @Sendable func rate(_ request: Request, context: AppRequestContext) async throws -> Response {
        // A number of the wrong form names no case: not found, before anything else is asked.
        guard DeskPages.isCaseNumber(context.parameters.get("number")) else { return DeskPages.notFound(context) }
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        let number = try context.parameters.require("number")
        let form = try await WebForm.read(request, context: context, limit: 64 * 1024)
        guard FormToken.matches(form[FormToken.field], session: context.sessionToken) else { throw formRefused(principal, context: context) }
        do {
            guard let solved = form["solved"], let satisfied = form["satisfied"] else {
                throw WebFormError.field("solved", zh: "请选择问题是否解决、是否满意", en: "Say whether it was solved and whether you are satisfied")
            }
            _ = try await cases.rate(number, solved: solved == "yes", satisfied: satisfied == "yes", note: form["note"], by: principal, origin: context.auditOrigin)
        } catch let error as any CityError {
            return try await caseResponse(number, principal: principal, context: context, notice: nil, error: error)
        }
        return Response(status: .seeOther, headers: [.location: "/my/cases/\(number)?done=rate"])
    }

    // MARK: Licences

    @Sendable func licencesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        return try await licencesResponse(principal, context: context, form: nil, error: nil)
    }

    func licencesResponse(_ principal: Principal, context: AppRequestContext, form: WebForm?, error: (any CityError)?) async throws -> Response {
        var values = frame("我的证照", principal, context: context)
        if let person = try await binding.person(of: principal) {
            let types = Dictionary(try await licenceTypes.all().map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
            let own = try await licences.ownLicences(by: principal, binding: binding, origin: context.auditOrigin)
            values["bound"] = ["person": Mask.idNumber(person.rawValue),
                               "licences": own.map { l -> [String: Any] in
                                   ["id": l.id, "number": l.number, "typeName": types[l.type] ?? l.type, "status": l.status.rawValue, "statusZh": Self.statusZh(l.status),
                                    "issued": ChinaTime.day(l.issuedAt), "validUntil": DeskViews.validUntil(l.validUntil)]
                               }]
        } else {
            values["unbound"] = true
            values["form"] = ["idNumber": form?["idNumber"] ?? "", "name": form?["name"] ?? ""]
        }
        if let error { values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn] }
        return try DeskPages.answer(DeskPages.html(renderer.render("my-licences", values)), failure: error)
    }

    static func statusZh(_ status: LicenceStatus) -> String {
        switch status {
        case .valid: "有效"
        case .suspended: "已暂停"
        case .revoked: "已吊销"
        }
    }

    @Sendable func bind(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        let form = try await WebForm.read(request, context: context, limit: 16 * 1024)
        guard FormToken.matches(form[FormToken.field], session: context.sessionToken) else { throw formRefused(principal, context: context) }
        do {
            _ = try await binding.bind(idNumber: form["idNumber"] ?? "", name: form["name"] ?? "", by: principal, origin: context.auditOrigin)
        } catch let error as any CityError {
            var response = try await licencesResponse(principal, context: context, form: form, error: error)
            if let identity = error as? IdentityError, let seconds = identity.retryAfter { response.headers[.retryAfter] = String(seconds) }
            return response
        }
        return Response(status: .seeOther, headers: [.location: "/my/licences"])
    }

    /// A licence identifier's plausible form (what the document says of the path): anything else
    /// names no licence, before anything else is asked.
    static func isLicenceID(_ text: String?) -> Bool {
        guard let text, (1...120).contains(text.utf8.count) else { return false }
        return text.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || $0 == UInt8(ascii: ".") }
    }

    @Sendable func licencePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard Self.isLicenceID(context.parameters.get("id")) else { return DeskPages.notFound(context) }
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        var values = frame("我的证照", principal, context: context)
        do {
            let l = try await licences.ownLicence(try context.parameters.require("id"), by: principal, binding: binding, origin: context.auditOrigin)
            let type = try await licenceTypes.find(l.type)
            let fields: [[String: String]] = (type?.fields ?? []).compactMap { f in l.fields[f.name].map { ["title": f.title, "value": $0] } }
            var shown: [String: Any] = ["id": l.id, "number": l.number, "typeName": type?.name ?? l.type, "status": l.status.rawValue]
            shown["statusZh"] = Self.statusZh(l.status)
            shown["holderName"] = l.holderName
            shown["issued"] = ChinaTime.day(l.issuedAt)
            shown["validUntil"] = DeskViews.validUntil(l.validUntil)
            shown["fields"] = fields
            shown["qr"] = Data(try LicenceDesk.qr(l, base: request.siteBase).svg().utf8).base64EncodedString()
            values["licence"] = shown
        } catch LicencesError.unknownLicence {
            return DeskPages.notFound(context)
        }
        return DeskPages.html(renderer.render("my-licences", values))
    }

    @Sendable func licenceFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard Self.isLicenceID(context.parameters.get("id")) else { return DeskPages.notFound(context) }
        guard let principal = Self.citizen(context) else { return Self.toPortal }
        do {
            let l = try await licences.ownLicence(try context.parameters.require("id"), by: principal, binding: binding, origin: context.auditOrigin)
            return Response(status: .ok, headers: [.contentType: "application/jose", .contentDisposition: "attachment; filename=\"\(l.number).jws\""],
                            body: .init(byteBuffer: ByteBuffer(string: l.jws + "\n")))
        } catch LicencesError.unknownLicence {
            return DeskPages.notFound(context)
        }
    }

    func formRefused(_ principal: Principal, context: AppRequestContext) -> PageFailure {
        let failure = WebFormError.formToken
        var values = frame("表单已失效", principal, context: context)
        values["error"] = ["messageZh": failure.messageZh, "messageEn": failure.messageEn]
        var response = DeskPages.html(renderer.render("my-case", values))
        response.status = .forbidden
        return PageFailure(failure, page: response)
    }
}
