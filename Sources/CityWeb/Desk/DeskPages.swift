import Cases
import CityCore
import CityHTTP
import Foundation
import Hummingbird
import Identity
import NIOCore
import Registry

/// The department workbench (`/desk`): the caller's queue with deadline colours, filters and
/// search; a case page with its timeline, photos, a map snippet, the nearest cameras and only the
/// actions the caller's role may take at this step; the operator's intake form for hotline calls.
/// Every rule is `CaseDesk`'s: the pages call the module with the signed-in caller, as the API does.
/// Forms carry an anti-forgery token (`FormToken`) beside the SameSite cookie and the origin check.
public struct DeskPages: RouteDomain {
    let cases: CaseDesk
    let catalogue: CaseCatalogue
    let geography: GeographyBook
    let organisations: OrganisationBook
    let divisions: DivisionBook
    let renderer: PageRenderer
    let clock: any WallClock

    public init(platform: Platform, renderer: PageRenderer) {
        cases = platform.cases
        catalogue = platform.caseCatalogue
        geography = platform.geography
        organisations = platform.organisations
        divisions = platform.divisions
        self.renderer = renderer
        clock = platform.clock
    }

    public var api: APIFragment { DeskAPI.fragment }
    /// The workbench's part of the API document.
    public static var fragment: APIFragment { DeskAPI.fragment }

    /// The largest form a page posts: a few phone photos and the text.
    static let formLimit = 3 * Photo.maxSize + 64 * 1024

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/desk", use: queue)
        router.get("/desk/new", use: intakePage)
        router.post("/desk/new", use: intake)
        router.get("/desk/cases/{number}", use: casePage)
        router.post("/desk/cases/{number}/{action}", use: act)
    }

    // MARK: Queue

    @Sendable func queue(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.staff(context) else { return Self.toLogin }
        let query = request.uri.queryParameters
        let state = query["state"].flatMap { CaseState(rawValue: String($0)) }
        let category = query["category"].map(String.init).flatMap { $0.isEmpty || !$0.allSatisfy(\.isASCIIDigit) ? nil : String($0.prefix(12)) }
        let text = query["q"].map(String.init).flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let overdue = query["overdue"] == "1"
        let all = query["all"] == "1"
        let offset = max(Int(query["offset"].map(String.init) ?? "") ?? 0, 0)
        let division = query["division"].flatMap { DivisionCode(String($0)) }
        let filter = CaseFilter(states: state.map { [$0] } ?? [], categoryPrefix: category, division: division, overdueOnly: overdue, text: text, mine: !all)
        var values = Self.frame(principal, context: context, title: "案件队列")
        var failure: (any CityError)?
        do {
            let page = try await cases.queue(filter, page: PageRequest(limit: 30, offset: offset), by: principal)
            let names = try await divisionNames(principal)
            let now = clock.now()
            values["rows"] = page.items.map { DeskViews.row($0, now: now, divisionNames: names) }
            values["total"] = page.total
            values["from"] = page.items.isEmpty ? 0 : offset + 1
            values["to"] = offset + page.items.count
            var link = URLComponents()
            link.queryItems = [("state", state?.rawValue), ("category", category), ("division", division?.rawValue), ("q", text),
                               ("overdue", overdue ? "1" : nil), ("all", all ? "1" : nil)]
                .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
            func pageLink(_ at: Int) -> String {
                var l = link
                l.queryItems = (l.queryItems ?? []) + [URLQueryItem(name: "offset", value: String(at))]
                return "/desk" + (l.percentEncodedQuery.map { "?" + $0 } ?? "")
            }
            if offset > 0 { values["previous"] = pageLink(max(offset - 30, 0)) }
            if offset + page.items.count < page.total { values["next"] = pageLink(offset + 30) }
        } catch let error as any CityError {
            values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn]
            failure = error
        }
        values["divisions"] = ((try? await divisions.list(by: principal)) ?? []).filter { $0.level <= .county }
            .map { ["code": $0.code.rawValue, "name": $0.name, "selected": $0.code == division] }
        values["states"] = CaseState.allCases.map { ["value": $0.rawValue, "zh": $0.labelZh, "en": DeskViews.stateEn($0), "selected": $0 == state] }
        values["filter"] = ["category": category ?? "", "q": text ?? "", "overdue": overdue, "all": all]
        return try Self.answer(Self.html(renderer.render("desk", values)), failure: failure)
    }

    // MARK: One case

    @Sendable func casePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        // A number of the wrong form names no case: not found, before anything else is asked.
        guard DeskPages.isCaseNumber(context.parameters.get("number")) else { return DeskPages.notFound(context) }
        guard let principal = Self.staff(context) else { return Self.toLogin }
        let number = try context.parameters.require("number")
        let done = request.uri.queryParameters["done"].flatMap { name -> String? in
            if name == "file" { return "已登记 Filed" }
            return CaseAction(rawValue: String(name)).map { "已\($0.labelZh) Done: \(DeskViews.actionEn($0))" }
        }
        return try await caseResponse(number, principal: principal, context: context, notice: done)
    }

    func caseResponse(_ number: String, principal: Principal, context: AppRequestContext, error: (any CityError)? = nil,
                      notice: String? = nil) async throws -> Response {
        var values = Self.frame(principal, context: context, title: "案件 \(number)")
        let detail: CaseDetail
        do {
            detail = try await cases.detail(number, by: principal, origin: context.auditOrigin)
        } catch let failure as any CityError {
            values["error"] = ["messageZh": failure.messageZh, "messageEn": failure.messageEn]
            return try Self.answer(Self.html(renderer.render("desk-case", values)), failure: failure)
        }
        let c = detail.item
        let now = clock.now()
        let names = try await divisionNames(principal)
        var item = DeskViews.row(c, now: now, divisionNames: names)
        item["description"] = c.description
        item["kind"] = c.kind.map { "\($0.labelZh) \($0.rawValue)" }
        item["channel"] = c.channel.rawValue
        item["division"] = "\(names[c.divisionCode] ?? "") \(c.divisionCode)"
        item["grid"] = c.gridCode
        item["reportedAt"] = DeskViews.time(c.reportedAt, year: true)
        item["deadlineAt"] = c.deadlineAt.map { DeskViews.time($0, year: true) }
        item["closedAt"] = c.closedAt.map { DeskViews.time($0, year: true) }
        item["escalations"] = c.escalations > 0 ? c.escalations : nil
        item["reworks"] = c.reworks > 0 ? c.reworks : nil
        item["mergedInto"] = c.mergedInto
        if let code = c.organisationCode, let organisation = try? await organisations.find(code) {
            item["organisation"] = "\(organisation.name) \(code)"
        }
        item["handedOffTo"] = c.handedOffTo?.rawValue
        if let r = c.reporter {
            item["reporter"] = ["name": r.name ?? "", "phone": r.phone ?? "", "idNumber": r.idNumber ?? "",
                                "resident": r.registeredResident == true, "masked": c.masked] as [String: Any]
        }
        if let p = c.pendingRequest {
            item["pending"] = ["kind": p.kind == "park" ? "挂账 parking" : "延期 extension", "limit": p.limit.map { "\($0.amount) \($0.unit.rawValue)" } ?? "",
                               "reason": p.reason]
        }
        if let cb = c.callback {
            item["callback"] = ["at": DeskViews.time(cb.at, year: true), "solved": cb.solved ? "已解决 solved" : "未解决 not solved",
                                "satisfied": cb.satisfied ? "满意 satisfied" : "不满意 not satisfied"]
        }
        values["case"] = item
        values["found"] = true
        values["timeline"] = detail.timeline.map { e -> [String: Any] in
            let row: [String: Any?] = ["at": DeskViews.time(e.at, year: true), "actor": e.actor, "action": DeskViews.eventLabel(e.action),
                                       "to": "\(e.toState.labelZh) \(DeskViews.stateEn(e.toState))", "organisation": e.organisationCode, "note": e.note]
            return row.compactMapValues { $0 }
        }
        values["photos"] = detail.attachments.map { a -> [String: Any] in
            ["url": "/api/v1/cases/\(c.number)/photos/\(a.id)", "stage": a.stage, "at": DeskViews.time(a.createdAt), "size": a.size / 1024]
        }
        if let point = c.location {
            let near = (try? geography.nearestCameras(to: point, count: 5, within: 1_000, by: principal)) ?? []
            let cell = c.gridCode.flatMap { try? geography.grid($0, by: principal) }
            values["map"] = LocalMap(center: point, radius: 700, cell: cell, cameras: near).values
            values["cameras"] = near.map { ["code": $0.camera.code, "name": $0.camera.name, "kind": $0.camera.kind == .ptz ? "球机 PTZ" : "枪机 fixed",
                                            "online": $0.camera.online, "metres": Int($0.metres.rounded())] }
            values["point"] = String(format: "%.6f, %.6f", point.lon, point.lat)
        }
        let actions = c.allowedActions(for: principal)
        values["actions"] = actions.map(DeskViews.form(for:))
        if actions.contains(.dispatch) {
            let list = try await organisations.list(by: principal, page: PageRequest(limit: 500, offset: 0)).items
            let county = String(c.divisionCode.prefix(6))
            values["organisations"] = list.filter { $0.divisionCode.rawValue.hasPrefix(county) || $0.divisionCode.rawValue.hasSuffix("00") }
                .map { ["code": $0.code, "name": $0.name, "selected": $0.code == c.organisationCode] }
        }
        values["units"] = TimeLimit.Unit.allCases.map { ["value": $0.rawValue] }
        if let error { values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn] }
        if let notice { values["notice"] = notice }
        return try Self.answer(Self.html(renderer.render("desk-case", values)), failure: error)
    }

    @Sendable func act(_ request: Request, context: AppRequestContext) async throws -> Response {
        // A number of the wrong form names no case: not found, before anything else is asked.
        guard DeskPages.isCaseNumber(context.parameters.get("number")) else { return DeskPages.notFound(context) }
        guard let principal = Self.staff(context) else { return Self.toLogin }
        let number = try context.parameters.require("number")
        let name = try context.parameters.require("action")
        let form = try await WebForm.read(request, context: context, limit: Self.formLimit)
        guard FormToken.matches(form[FormToken.field], session: context.sessionToken) else { throw forgedForm(principal, context: context) }
        guard let action = CaseAction(rawValue: name) else {
            return try await caseResponse(number, principal: principal, context: context, error: WebFormError.field("action", zh: "没有这个操作", en: "No such action"))
        }
        do {
            var limit: TimeLimit?
            if action == .requestExtension {
                guard let amount = form["amount"].flatMap(Int.init), let unit = form["unit"].flatMap(TimeLimit.Unit.init) else {
                    throw WebFormError.field("amount", zh: "请填写延长的时限", en: "Give how much more time")
                }
                limit = TimeLimit(amount, unit)
            }
            let input = CaseActionInput(note: form["note"], organisationCode: form["organisationCode"], passed: form["passed"].map { $0 == "yes" },
                                        solved: form["solved"].map { $0 == "yes" }, satisfied: form["satisfied"].map { $0 == "yes" }, limit: limit,
                                        into: form["into"], photos: form.files.filter { $0.field == "photos" }.map { Photo($0.data) })
            _ = try await cases.act(number, action, input, by: principal, origin: context.auditOrigin)
        } catch let error as any CityError {
            return try await caseResponse(number, principal: principal, context: context, error: error)
        }
        return Response(status: .seeOther, headers: [.location: "/desk/cases/\(number)?done=\(action.rawValue)"])
    }

    // MARK: Intake

    @Sendable func intakePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.staff(context) else { return Self.toLogin }
        return try await intakeResponse(principal, context: context, form: nil, error: nil)
    }

    func intakeResponse(_ principal: Principal, context: AppRequestContext, form: WebForm?, error: (any CityError)?) async throws -> Response {
        var values = Self.frame(principal, context: context, title: "热线登记")
        values["groups"] = DeskViews.categoryGroups(try await catalogue.categories(), chosen: form?["categoryCode"])
        values["kinds"] = HotlineKind.allCases.map { ["value": $0.rawValue, "zh": $0.labelZh, "selected": $0.rawValue == (form?["kind"] ?? "complaint")] }
        values["form"] = form?.fields ?? [:]
        let (_, _, shapes) = try await MapDrawing.scope(of: principal, divisions: divisions)
        values["map"] = MapDrawing(shapes, width: 560).values
        if let error {
            values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn, "field": error.field ?? ""]
        }
        return try Self.answer(Self.html(renderer.render("desk-new", values)), failure: error)
    }

    @Sendable func intake(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = Self.staff(context) else { return Self.toLogin }
        let form = try await WebForm.read(request, context: context, limit: Self.formLimit)
        guard FormToken.matches(form[FormToken.field], session: context.sessionToken) else { throw forgedForm(principal, context: context) }
        do {
            var location: GeoPoint?
            if let lon = form["lon"], let lat = form["lat"] {
                guard let x = Double(lon), let y = Double(lat), (-180...180).contains(x), (-90...90).contains(y) else {
                    throw WebFormError.field("lon", zh: "位置的经纬度无效", en: "The place's longitude and latitude are not valid")
                }
                location = GeoPoint(lon: x, lat: y)
            }
            let kind = form["kind"].flatMap(HotlineKind.init)
            let urgency = form["urgency"].flatMap(CaseUrgency.init) ?? .normal
            let new = NewCase(channel: .hotline, kind: kind, categoryCode: form["categoryCode"] ?? "", description: form["description"] ?? "",
                              urgency: urgency, location: location, addressCode: form["addressCode"], address: form["address"],
                              reporter: Reporter(name: form["reporterName"], phone: form["reporterPhone"], idNumber: form["reporterId"]),
                              photos: form.files.filter { $0.field == "photos" }.map { Photo($0.data) },
                              handOffTo: form["handOffTo"].flatMap(EmergencyLine.init))
            let filed = try await cases.file(new, by: principal, origin: context.auditOrigin)
            // Joining an open case nearby instead of a second one: file it (the caller is on record),
            // then merge it there, so the two share one outcome and both reporters are told.
            if let into = form["joinInto"] {
                _ = try await cases.act(filed.item.number, .merge, CaseActionInput(note: "热线登记时并入 joined at intake", into: into),
                                        by: principal, origin: context.auditOrigin)
                return Response(status: .seeOther, headers: [.location: "/desk/cases/\(into)?done=merge"])
            }
            return Response(status: .seeOther, headers: [.location: "/desk/cases/\(filed.item.number)?done=file"])
        } catch let error as any CityError {
            return try await intakeResponse(principal, context: context, form: form, error: error)
        }
    }

    // MARK: Shared

    static func staff(_ context: AppRequestContext) -> Principal? {
        guard let principal = context.principal, principal.kind == .staff, principal.scope != nil else { return nil }
        return principal
    }

    /// Whether a path's case number has a case number's form (digits).
    static func isCaseNumber(_ text: String?) -> Bool {
        guard let text else { return false }
        return (1...40).contains(text.count) && text.allSatisfy(\.isASCIIDigit)
    }

    static func notFound(_ context: AppRequestContext) -> Response {
        CityHTTP.notFoundPage(context)
    }

    static var toLogin: Response { Response(status: .seeOther, headers: [.location: "/login"]) }

    /// What every workbench page shows around its content: the user, the form token, the menu.
    static func frame(_ principal: Principal, context: AppRequestContext, title: String) -> [String: Any] {
        return [
            "title": title, "version": OpenAPIDocument.version,
            "user": ["id": principal.id, "displayName": principal.displayName, "organisationCode": principal.organisationCode ?? ""],
            "csrf": context.sessionToken.map(FormToken.make(for:)) ?? "",
            "canFile": principal.takesCalls,
        ]
    }

    func divisionNames(_ principal: Principal) async throws -> [String: String] {
        Dictionary(try await divisions.list(by: principal).map { ($0.code.rawValue, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    /// A form without this session's token: nothing changes; the refusal is audited.
    func forgedForm(_ principal: Principal, context: AppRequestContext) -> PageFailure {
        Self.forgedForm(principal, context: context, renderer: renderer)
    }

    static func forgedForm(_ principal: Principal, context: AppRequestContext, renderer: PageRenderer) -> PageFailure {
        let failure = WebFormError.formToken
        var response = Self.html(renderer.render("desk-refused", ["title": "表单已失效", "version": OpenAPIDocument.version,
                                                                   "user": ["displayName": principal.displayName, "organisationCode": principal.organisationCode ?? ""]]))
        response.status = .forbidden
        return PageFailure(failure, page: response)
    }

    /// The page; or, when it shows a failure, the page with the failure's status, thrown so the
    /// refusal is audited on the way out.
    static func answer(_ page: Response, failure: (any CityError)?) throws -> Response {
        guard let failure else { return page }
        var response = page
        response.status = failure.kind.status
        throw PageFailure(failure, page: response)
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A form field the page itself checks before the module does (a number, a point).
struct WebFormError: CityError {
    var code = "web.invalid-form"
    var kind = ErrorKind.invalidInput
    let messageZh: String
    let messageEn: String
    let field: String?

    static func field(_ name: String, zh: String, en: String) -> WebFormError {
        WebFormError(messageZh: zh, messageEn: en, field: name)
    }

    /// A form without this session's token (audited as a refusal; nothing changes).
    static let formToken = WebFormError(code: "web.form-token", kind: .forbidden, messageZh: "表单缺少有效的校验码，未做任何修改",
                                        messageEn: "The form carried no valid token for this session; nothing was changed", field: FormToken.field)
}

extension Principal {
    /// Whether the menu offers the hotline intake form (command center operators, administrators).
    var takesCalls: Bool { roles.contains(.platformAdmin) || roles.contains(.commandOperator) }
}
