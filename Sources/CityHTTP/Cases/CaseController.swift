import Cases
import CityCore
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import NIOCore
import Registry

/// The command center's cases: intake, queues, one case with its timeline and nearest cameras,
/// each transition as its own action, photos. The handlers parse and shape; `CaseDesk` checks
/// role, scope and state and writes the timeline, audit and change log.
struct CaseController {
    let cases: CaseDesk
    let catalogue: CaseCatalogue
    let geography: GeographyBook

    func addRoutes(to api: RouterGroup<AuthenticatedContext>) {
        api.get("/cases", use: queue)
        api.post("/cases", use: file)
        api.get("/cases/categories", use: categories)
        api.get("/cases/nearby", use: nearby)
        api.get("/cases/indicators", use: indicators)
        api.get("/cases/routing-rules", use: routingRules)
        api.put("/cases/routing-rules", use: setRoutingRules)
        api.get("/cases/deadline-rules", use: deadlineRules)
        api.put("/cases/deadline-rules", use: setDeadlineRules)
        api.put("/cases/categories", use: setCategories)
        api.put("/cases/calendar/{year}", use: setCalendar)
        api.get("/cases/{number}", use: detail)
        api.get("/cases/{number}/photos/{id}", use: photo)
        api.post("/cases/{number}/photos", use: addPhoto)
        api.post("/cases/{number}/{action}", use: act)
    }

    @Sendable func file(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<CaseDetailDTO> {
        let body = try await request.decodeStrict(as: NewCaseBody.self, context: context)
        let caller = context.caller
        let channel = body.channel ?? Self.defaultChannel(caller)
        let new = NewCase(channel: channel, kind: body.kind, categoryCode: body.categoryCode, description: body.description, urgency: body.urgency ?? .normal,
                          location: body.location, addressCode: body.addressCode, address: body.address,
                          reporter: Reporter(name: body.reporter?.name, phone: body.reporter?.phone, idNumber: body.reporter?.idNumber),
                          photos: try (body.photos ?? []).decodedPhotos(), handOffTo: body.handOffTo)
        let detail = try await cases.file(new, by: caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, headers: [.location: "/api/v1/cases/\(detail.item.number)"], response: dto(detail, caller))
    }

    @Sendable func act(_ request: Request, context: AuthenticatedContext) async throws -> CaseDetailDTO {
        let name = try context.parameters.require("action")
        guard let action = CaseAction(rawValue: name) else {
            throw RequestProblem.invalidPath("action", zh: "没有 \(name) 这个操作；可用：\(CaseAction.allCases.map(\.rawValue).joined(separator: ", "))",
                                             en: "No action \(name); actions are \(CaseAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let body: CaseActionBody? = request.headers[.contentLength] == "0" || (request.headers[.contentType] == nil && request.headers[.contentLength] == nil)
            ? nil : try await request.decodeStrict(as: CaseActionBody.self, context: context)
        let input = CaseActionInput(note: body?.note, organisationCode: body?.organisationCode, passed: body?.passed, solved: body?.solved,
                                    satisfied: body?.satisfied, limit: try body?.limit.map(Self.limit), into: body?.into,
                                    photos: try (body?.photos ?? []).decodedPhotos())
        return dto(try await cases.act(try context.parameters.require("number"), action, input, by: context.caller, origin: context.auditOrigin), context.caller)
    }

    /// One photo as the request body (a phone's JPEG, up to 8 MB: beyond the JSON body limit).
    @Sendable func addPhoto(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<CaseAttachmentDTO> {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard ["image/jpeg", "image/png", "image/webp"].contains(where: { type.hasPrefix($0) }) else {
            throw RequestProblem.unsupportedMediaType
        }
        let body = try await request.collectBounded(upTo: Photo.maxSize, context: context)
        let number = try context.parameters.require("number")
        let stored = try await cases.addPhoto(number, Photo(Data(buffer: body)), by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, headers: [.location: "/api/v1/cases/\(number)/photos/\(stored.id)"], response: CaseAttachmentDTO(stored))
    }

    @Sendable func detail(_ request: Request, context: AuthenticatedContext) async throws -> CaseDetailDTO {
        dto(try await cases.detail(try context.parameters.require("number"), by: context.caller, origin: context.auditOrigin), context.caller)
    }

    @Sendable func queue(_ request: Request, context: AuthenticatedContext) async throws -> PageDTO<CaseDTO> {
        let query = request.uri.queryParameters
        var states: [CaseState] = []
        if let text = query["state"] {
            for part in text.split(separator: ",") {
                guard let state = CaseState(rawValue: String(part)) else {
                    throw RequestProblem.badQuery("state", zh: "state 应为 \(CaseState.allCases.map(\.rawValue).joined(separator: "、")) 之一",
                                                  en: "state is one or more of \(CaseState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                states.append(state)
            }
        }
        var channel: CaseChannel?
        if let text = query["channel"] {
            guard let value = CaseChannel(rawValue: String(text)) else {
                throw RequestProblem.badQuery("channel", zh: "channel 无效", en: "channel is one of \(CaseChannel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            channel = value
        }
        let category = try Self.categoryCode(request, minLength: 1)
        let filter = CaseFilter(states: states, categoryPrefix: category, organisationCode: query["organisation"].map(String.init),
                                division: try request.division(), channel: channel, overdueOnly: try request.flag("overdue"),
                                text: query["q"].map(String.init), mine: !(try request.flag("all")))
        let caller = context.caller
        return PageDTO(try await cases.queue(filter, page: try PageRequest(request), by: caller)) { CaseDTO($0, for: caller) }
    }

    @Sendable func nearby(_ request: Request, context: AuthenticatedContext) async throws -> NearbyCasesDTO {
        guard let category = try Self.categoryCode(request, minLength: 2) else {
            throw RequestProblem.badQuery("category", zh: "请给出案件类别 category", en: "Give the category")
        }
        let point = try GeographyController.point(request)
        let caller = context.caller
        return NearbyCasesDTO(items: try await cases.nearbyOpen(category: category, at: point, by: caller).map { CaseDTO($0, for: caller) })
    }

    @Sendable func indicators(_ request: Request, context: AuthenticatedContext) async throws -> IndicatorTableDTO {
        let query = request.uri.queryParameters
        let grouping = try query["by"].map { text in
            guard let value = IndicatorGrouping(rawValue: String(text)) else {
                throw RequestProblem.badQuery("by", zh: "by 应为 \(IndicatorGrouping.allCases.map(\.rawValue).joined(separator: "、")) 之一",
                                              en: "by is one of \(IndicatorGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        } ?? .organisation
        // Days in China; a period defaults to today.
        func day(_ name: String) throws -> Date? {
            guard let text = query[Substring(name)].map(String.init) else { return nil }
            guard let date = try? Date(text + "T00:00:00+08:00", strategy: .iso8601), let year = Int(text.prefix(4)), (1970...2199).contains(year) else {
                throw RequestProblem.badQuery(name, zh: "\(name) 应为 1970 至 2199 年间的日期 YYYY-MM-DD", en: "\(name) is a date as YYYY-MM-DD between 1970 and 2199")
            }
            return date
        }
        let today = try Date(WorkCalendar.dayKey(Date()) + "T00:00:00+08:00", strategy: .iso8601)
        let from = try day("from") ?? today
        let to = (try day("to") ?? from).addingTimeInterval(86_400)
        let rows = try await cases.indicators(by: grouping, from: from, to: to, division: try request.division(), by: context.caller)
        return IndicatorTableDTO(by: grouping.rawValue, from: WorkCalendar.dayKey(from), to: WorkCalendar.dayKey(to.addingTimeInterval(-1)),
                                 rows: rows.map(IndicatorRowDTO.init))
    }

    @Sendable func routingRules(_ request: Request, context: AuthenticatedContext) async throws -> RoutingRulesBody {
        RoutingRulesBody(rules: try await catalogue.routingRules(by: context.caller).map {
            RoutingRuleDTO(categoryPrefix: $0.categoryPrefix, divisionPrefix: $0.divisionPrefix, organisationCode: $0.organisationCode)
        })
    }

    @Sendable func setRoutingRules(_ request: Request, context: AuthenticatedContext) async throws -> RoutingRulesBody {
        let body = try await request.decodeStrict(as: RoutingRulesBody.self, context: context)
        try await catalogue.setRoutingRules(body.rules.map { RoutingRule(categoryPrefix: $0.categoryPrefix, divisionPrefix: $0.divisionPrefix, organisationCode: $0.organisationCode) },
                                            by: context.caller, origin: context.auditOrigin)
        return try await routingRules(request, context: context)
    }

    @Sendable func deadlineRules(_ request: Request, context: AuthenticatedContext) async throws -> DeadlineRulesBody {
        DeadlineRulesBody(rules: try await catalogue.deadlineRules(by: context.caller).map {
            DeadlineRuleDTO(categoryPrefix: $0.categoryPrefix, kind: $0.kind, urgency: $0.urgency, limit: TimeLimitDTO($0.limit))
        }.sorted { ($0.categoryPrefix, $0.kind, $0.urgency) < ($1.categoryPrefix, $1.kind, $1.urgency) })
    }

    @Sendable func setDeadlineRules(_ request: Request, context: AuthenticatedContext) async throws -> DeadlineRulesBody {
        let body = try await request.decodeStrict(as: DeadlineRulesBody.self, context: context)
        try await catalogue.setDeadlineRules(try body.rules.map { DeadlineRule(categoryPrefix: $0.categoryPrefix, kind: $0.kind, urgency: $0.urgency, limit: try Self.limit($0.limit)) },
                                             by: context.caller, origin: context.auditOrigin)
        return try await deadlineRules(request, context: context)
    }

    @Sendable func setCategories(_ request: Request, context: AuthenticatedContext) async throws -> CaseCategoryList {
        let body = try await request.decodeStrict(as: CategoriesBody.self, context: context)
        try await catalogue.upsert(body.categories.map { CaseCategory(code: $0.code, family: $0.family, major: $0.major, name: $0.name, majorName: $0.majorName, active: $0.active) },
                                   by: context.caller, origin: context.auditOrigin)
        return try await categories(request, context: context)
    }

    @Sendable func setCalendar(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        guard let year = Int(try context.parameters.require("year")), (2000...2100).contains(year) else {
            throw RequestProblem.invalidPath("year", zh: "年份应为 2000 到 2100", en: "year is 2000 to 2100")
        }
        let body = try await request.decodeStrict(as: CalendarBody.self, context: context)
        try await catalogue.loadCalendar(year: year, holidays: body.holidays.map { ($0.date, $0.name) }, workdays: body.workdays.map { ($0.date, $0.name) },
                                         by: context.caller, origin: context.auditOrigin)
        return Response(status: .noContent)
    }

    @Sendable func categories(_ request: Request, context: AuthenticatedContext) async throws -> CaseCategoryList {
        CaseCategoryList(items: try await catalogue.categories().map {
            CaseCategoryDTO(code: $0.code, family: $0.family, major: $0.major, name: $0.name, majorName: $0.majorName)
        })
    }

    @Sendable func photo(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let (attachment, data) = try await cases.photo(try context.parameters.require("number"), id: try context.parameters.require("id"), by: context.caller)
        return Response(status: .ok, headers: [.contentType: attachment.contentType, .contentLength: String(data.count), .cacheControl: "private, max-age=86400",
                                               .eTag: "\"\(attachment.sha256)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The case page: the nearest cameras come from the geography index for staff (citizens get none).
    private func dto(_ detail: CaseDetail, _ caller: Principal) -> CaseDetailDTO {
        var cameras: [NearCameraDTO] = []
        if caller.scope != nil, let point = detail.item.location {
            cameras = ((try? geography.nearestCameras(to: point, count: 5, within: 1_000, by: caller)) ?? []).map {
                NearCameraDTO(code: $0.camera.code, name: $0.camera.name, kind: $0.camera.kind.rawValue, online: $0.camera.online, metres: Int($0.metres.rounded()))
            }
        }
        return CaseDetailDTO(item: CaseDTO(detail.item, for: caller), timeline: detail.timeline.map(CaseEventDTO.init),
                             photos: detail.attachments.map(CaseAttachmentDTO.init), cameras: cameras)
    }

    /// The `category` query parameter: a code (or its prefix) of digits, as the document says.
    static func categoryCode(_ request: Request, minLength: Int) throws -> String? {
        guard let text = request.uri.queryParameters["category"].map(String.init) else { return nil }
        guard (minLength...12).contains(text.count), text.allSatisfy(\.isASCIIDigit) else {
            throw RequestProblem.badQuery("category", zh: "category 应为 \(minLength) 到 12 位数字", en: "category is \(minLength) to 12 digits")
        }
        return text
    }

    static func defaultChannel(_ caller: Principal) -> CaseChannel {
        switch caller.kind {
        case .citizen: .citizen
        case .apiKey: .system
        case .staff, .commandLine: caller.roles.contains(.commandOperator) ? .hotline : .inspector
        }
    }

    static func limit(_ dto: TimeLimitDTO) throws -> TimeLimit {
        guard let limit = dto.limit else {
            throw CasesError.invalidField("limit.unit", zh: "时限单位无效", en: "limit.unit is one of \(TimeLimit.Unit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return limit
    }
}
