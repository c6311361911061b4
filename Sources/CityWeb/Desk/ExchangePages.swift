import CityCore
import CityHTTP
import Exchange
import Foundation
import Hummingbird
import Identity

/// The exchange in the workbench: the catalogue (search, each resource's terms, fields and this
/// month's use), a request form for data stewards, and the sharing page where a provider's steward
/// approves or refuses requests and either side revokes grants. The Exchange module decides who
/// may do what; the pages show its answers and its refusals.
public struct ExchangePages: RouteDomain {
    let catalogue: ResourceCatalogue
    let sharing: SharingDesk
    let subscriptions: SubscriptionBook
    let renderer: PageRenderer

    public init(platform: Platform, renderer: PageRenderer) {
        catalogue = platform.catalogue
        sharing = platform.sharing
        subscriptions = platform.subscriptions
        self.renderer = renderer
    }

    public var api: APIFragment { Self.fragment }
    public static let fragment = APIFragment(operations: [
        .init("get", "/desk/exchange", id: "deskCatalogue", summary: "The catalogue: search (q) every department's resources and their sharing terms",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [DeskAPI.noSession]),
        .init("get", "/desk/exchange/resources/{code}", id: "deskResource", summary: "One resource: terms, fields and sensitivity, this month's use, the request form",
              tag: "web", access: .open, pathParameters: [("code", Schema.string())], success: (200, nil, APIFragment.html),
              pageAnswers: [DeskAPI.noSession, (404, "no such resource")]),
        .init("post", "/desk/exchange/resources/{code}/request", id: "deskRequestResource",
              summary: "Ask for a resource (a data steward): purpose, days, f_<field>=on for each field wanted, plain=on for plain personal values",
              tag: "web", access: .open, pathParameters: [("code", Schema.string())], success: (303, nil, APIFragment.html),
              pageAnswers: [DeskAPI.noSession, (400, "the field at fault"), (403, "not a data steward, or the form token is missing"), (404, "no such resource"),
                            (413, "the form is too large"), (422, "the resource is not shared")]),
        .init("get", "/desk/exchange/sharing", id: "deskSharing", summary: "Requests the organisation made or must decide, its grants given and held, its subscriptions",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [DeskAPI.noSession, (403, "not a data steward or auditor")]),
        .init("post", "/desk/exchange/requests/{id}/decision", id: "deskDecideRequest",
              summary: "Approve (decision=approve, optional days) or refuse (decision=refuse with a reason) a request the organisation provides for",
              tag: "web", access: .open, pathParameters: [("id", ["type": "integer", "minimum": 1])], success: (303, nil, APIFragment.html),
              pageAnswers: [DeskAPI.noSession, (400, "the field at fault"), (403, "not the provider's data steward, or the form token is missing"),
                            (404, "no such request"), (409, "decided already"), (413, "the form is too large")]),
        .init("post", "/desk/exchange/grants/{id}/revoke", id: "deskRevokeGrant", summary: "Revoke a grant with a reason",
              tag: "web", access: .open, pathParameters: [("id", ["type": "integer", "minimum": 1])], success: (303, nil, APIFragment.html),
              pageAnswers: [DeskAPI.noSession, (400, "the reason is missing"), (403, "neither side's data steward, or the form token is missing"),
                            (404, "no such live grant"), (413, "the form is too large")]),
    ])

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/desk/exchange", use: list)
        router.get("/desk/exchange/resources/{code}", use: resource)
        router.post("/desk/exchange/resources/{code}/request", use: request)
        router.get("/desk/exchange/sharing", use: sharingPage)
        router.post("/desk/exchange/requests/{id}/decision", use: decide)
        router.post("/desk/exchange/grants/{id}/revoke", use: revoke)
    }

    static let sharingLabels: [Sharing: String] = [.unconditional: "无条件共享", .conditional: "有条件共享", .notShared: "不予共享"]
    static let opennessLabels: [Openness: String] = [.open: "开放", .conditionalOpen: "有条件开放", .closed: "不开放"]
    static let sensitivityLabels: [Sensitivity: String] = [.public: "公开", .internal: "内部", .personal: "个人信息", .secret: "涉密"]
    static let stateLabels: [ShareRequestState: String] = [.pending: "待审批", .granted: "已授权", .refused: "已拒绝"]

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = DeskPages.staff(context) else { return DeskPages.toLogin }
        let q = request.uri.queryParameters["q"].map { String($0.prefix(100)) } ?? ""
        var values = DeskPages.frame(principal, context: context, title: "数据共享目录")
        values["q"] = q
        let page = try await catalogue.list(search: q.isEmpty ? nil : q, page: PageRequest(limit: 200, offset: 0), by: principal)
        values["total"] = page.total
        values["resources"] = page.items.map { r -> [String: Any] in
            ["code": r.code, "shortCode": r.shortCode ?? "", "name": r.name, "nameEn": r.nameEn ?? "", "provider": r.providerCode,
             "sharing": Self.sharingLabels[r.sharing] ?? r.sharing.rawValue, "sharingCode": r.sharing.rawValue,
             "openness": Self.opennessLabels[r.openness] ?? r.openness.rawValue, "kind": r.kind.rawValue, "fields": r.fields.count]
        }
        values["steward"] = principal.roles.contains(.dataSteward) || principal.roles.contains(.auditor) || principal.roles.contains(.platformAdmin)
        return DeskPages.html(renderer.render("desk-exchange", values))
    }

    @Sendable func resource(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = DeskPages.staff(context) else { return DeskPages.toLogin }
        return try await resourceResponse(try context.parameters.require("code"), principal: principal, context: context, form: nil, error: nil)
    }

    func resourceResponse(_ code: String, principal: Principal, context: AppRequestContext, form: WebForm?, error: (any CityError)?) async throws -> Response {
        let resource: Resource
        do {
            resource = try await catalogue.resource(code, by: principal)
        } catch ExchangeError.unknownResource {
            return CityHTTP.notFoundPage(context)
        }
        let stats = try await catalogue.statistics(resource.code, by: principal)
        var values = DeskPages.frame(principal, context: context, title: resource.name)
        values["resource"] = [
            "code": resource.code, "shortCode": resource.shortCode ?? "", "name": resource.name, "nameEn": resource.nameEn ?? "", "summary": resource.summary,
            "provider": resource.providerCode, "division": resource.divisionCode, "kind": resource.kind.rawValue, "cycle": resource.updateCycle.rawValue,
            "sharing": Self.sharingLabels[resource.sharing] ?? "", "basis": resource.sharingBasis ?? "", "openness": Self.opennessLabels[resource.openness] ?? "",
            "shared": resource.sharing != .notShared, "key": resource.keyField, "open": resource.openness == .open,
        ] as [String: Any]
        values["fields"] = resource.fields.map { f -> [String: Any] in
            ["name": f.name, "title": f.title, "type": f.type.rawValue, "sensitivity": Self.sensitivityLabels[f.sensitivity] ?? "", "sensitivityCode": f.sensitivity.rawValue,
             "required": f.required, "askable": f.sensitivity != .secret, "checked": form.map { $0["f_" + f.name] == "on" } ?? (f.sensitivity != .secret)]
        }
        values["stats"] = ["month": stats.month, "consumers": stats.consumers, "calls": stats.calls, "rows": stats.rows]
        values["steward"] = principal.roles.contains(.dataSteward) || principal.roles.contains(.platformAdmin)
        values["form"] = form?.fields ?? ["days": "90"]
        if let error { values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn, "field": error.field ?? ""] }
        return try DeskPages.answer(DeskPages.html(renderer.render("desk-resource", values)), failure: error)
    }

    @Sendable func request(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = DeskPages.staff(context) else { return DeskPages.toLogin }
        let code = try context.parameters.require("code")
        let form = try await WebForm.read(request, context: context, limit: DeskPages.formLimit)
        guard FormToken.matches(form[FormToken.field], session: context.sessionToken) else {
            throw DeskPages.forgedForm(principal, context: context, renderer: renderer)
        }
        do {
            guard let days = form["days"].flatMap(Int.init) else { throw WebFormError.field("days", zh: "请填写期限（天）", en: "Give the term in days") }
            let fields = form.fields.keys.filter { $0.hasPrefix("f_") && form[$0] == "on" }.map { String($0.dropFirst(2)) }.sorted()
            guard !fields.isEmpty else { throw WebFormError.field("fields", zh: "请至少选择一个字段", en: "Choose at least one field") }
            let asked = try await sharing.request(ShareRequestInput(resource: code, purpose: form["purpose"] ?? "", fields: fields, days: days, plain: form["plain"] == "on"),
                                                  by: principal, origin: context.auditOrigin)
            return Response(status: .seeOther, headers: [.location: "/desk/exchange/sharing?done=\(asked.state.rawValue)"])
        } catch let error as any CityError {
            if case ExchangeError.unknownResource? = error as? ExchangeError { return CityHTTP.notFoundPage(context) }
            return try await resourceResponse(code, principal: principal, context: context, form: form, error: error)
        }
    }

    @Sendable func sharingPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = DeskPages.staff(context) else { return DeskPages.toLogin }
        return try await sharingResponse(principal, context: context, done: request.uri.queryParameters["done"].map(String.init), error: nil)
    }

    func sharingResponse(_ principal: Principal, context: AppRequestContext, done: String?, error: (any CityError)?) async throws -> Response {
        var values = DeskPages.frame(principal, context: context, title: "共享申请与授权")
        let org = principal.organisationCode ?? ""
        do {
            let requests = try await sharing.requests(by: principal, page: PageRequest(limit: 100, offset: 0)).items
            let grants = try await sharing.grants(by: principal, page: PageRequest(limit: 100, offset: 0)).items
            let now = Date()
            values["toDecide"] = requests.filter { $0.state == .pending && $0.providerCode == org }.map { r -> [String: Any] in
                ["id": r.id, "resource": r.resourceCode, "consumer": r.consumerCode, "purpose": r.purpose, "fields": r.fields.joined(separator: "、"),
                 "days": r.days, "plain": r.plain, "when": DeskViews.time(r.createdAt, year: true)]
            }
            values["requests"] = requests.map { r -> [String: Any] in
                ["id": r.id, "resource": r.resourceCode, "consumer": r.consumerCode, "provider": r.providerCode, "purpose": r.purpose,
                 "state": Self.stateLabels[r.state] ?? r.state.rawValue, "stateCode": r.state.rawValue, "reason": r.reason ?? "", "mine": r.consumerCode == org]
            }
            values["grants"] = grants.map { g -> [String: Any] in
                ["id": g.id, "resource": g.resourceCode, "consumer": g.consumerCode, "provider": g.providerCode, "fields": g.fields.joined(separator: "、"),
                 "plain": g.plain, "expires": DeskViews.time(g.expiresAt, year: true), "live": g.isLive(at: now), "revoked": g.revokedAt != nil,
                 "reason": g.revokeReason ?? "", "rate": g.ratePerMinute]
            }
            values["subscriptions"] = try await subscriptions.list(by: principal).map { s -> [String: Any] in
                ["id": s.id, "resource": s.resourceCode, "url": s.url, "cursor": s.cursor, "delivered": s.delivered, "error": s.lastError ?? "", "ended": s.endedAt != nil]
            }
        } catch let refusal as any CityError {
            values["error"] = ["messageZh": refusal.messageZh, "messageEn": refusal.messageEn]
            return try DeskPages.answer(DeskPages.html(renderer.render("desk-sharing", values)), failure: refusal)
        }
        if let done { values["done"] = ["granted": "已授权。", "pending": "申请已提交，等待提供单位审批。", "refused": "已拒绝。", "revoked": "授权已吊销。"][done] ?? "" }
        if let error { values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn] }
        return try DeskPages.answer(DeskPages.html(renderer.render("desk-sharing", values)), failure: error)
    }

    /// A form posted about request or grant `id`: the signed-in steward and the form, once its token is checked.
    enum Posted { case form(Principal, Int64, WebForm), answer(Response) }

    func posted(_ request: Request, context: AppRequestContext) async throws -> Posted {
        guard let principal = DeskPages.staff(context) else { return .answer(DeskPages.toLogin) }
        guard let id = context.parameters.get("id").flatMap(Int64.init), id > 0 else { return .answer(CityHTTP.notFoundPage(context)) }
        let form = try await WebForm.read(request, context: context, limit: DeskPages.formLimit)
        guard FormToken.matches(form[FormToken.field], session: context.sessionToken) else {
            throw DeskPages.forgedForm(principal, context: context, renderer: renderer)
        }
        return .form(principal, id, form)
    }

    @Sendable func decide(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal: Principal, id: Int64, form: WebForm
        switch try await posted(request, context: context) {
        case .answer(let response): return response
        case .form(let p, let i, let f): (principal, id, form) = (p, i, f)
        }
        do {
            let decision: ShareDecision = form["decision"] == "refuse"
                ? .refuse(reason: form["reason"] ?? "")
                : .approve(days: form["days"].flatMap { $0.isEmpty ? nil : Int($0) })
            let decided = try await sharing.decide(id, decision, by: principal, origin: context.auditOrigin)
            return Response(status: .seeOther, headers: [.location: "/desk/exchange/sharing?done=\(decided.state.rawValue)"])
        } catch let error as any CityError {
            return try await sharingResponse(principal, context: context, done: nil, error: error)
        }
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal: Principal, id: Int64, form: WebForm
        switch try await posted(request, context: context) {
        case .answer(let response): return response
        case .form(let p, let i, let f): (principal, id, form) = (p, i, f)
        }
        do {
            _ = try await sharing.revoke(id, reason: form["reason"] ?? "", by: principal, origin: context.auditOrigin)
            return Response(status: .seeOther, headers: [.location: "/desk/exchange/sharing?done=revoked"])
        } catch let error as any CityError {
            return try await sharingResponse(principal, context: context, done: nil, error: error)
        }
    }
}
