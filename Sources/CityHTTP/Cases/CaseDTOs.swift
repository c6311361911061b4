import Cases
import CityCore
import Foundation
import Hummingbird
import Identity

/// A case as the API shows it, with the actions the reader may take now.
struct CaseDTO: ResponseEncodable, APIShape {
    let number: String
    let divisionCode: String
    let channel: String
    let kind: String?
    let categoryCode: String
    let categoryName: String?
    let urgency: String
    let state: String
    let stateName: String
    let description: String
    let location: GeoPoint?
    let address: String?
    let gridCode: String?
    let reporter: ReporterDTO?
    let organisationCode: String?
    let reportedAt: Date
    let registeredAt: Date?
    let dispatchedAt: Date?
    let acceptedAt: Date?
    let reportedBackAt: Date?
    let closedAt: Date?
    let deadlineAt: Date?
    let warnedAt: Date?
    let overdueAt: Date?
    let escalations: Int
    let reworks: Int
    let returns: Int
    let extended: Bool
    let pendingRequest: PendingRequestDTO?
    let mergedInto: String?
    let handedOffTo: String?
    let callback: CallbackDTO?
    let updatedAt: Date
    let masked: Bool
    let allowedActions: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case number, divisionCode, channel, kind, categoryCode, categoryName, urgency, state, stateName, description, location, address, gridCode, reporter,
             organisationCode, reportedAt, registeredAt, dispatchedAt, acceptedAt, reportedBackAt, closedAt, deadlineAt, warnedAt, overdueAt, escalations,
             reworks, returns, extended, pendingRequest, mergedInto, handedOffTo, callback, updatedAt, masked, allowedActions
    }
    static let requiredFields: [CodingKeys] = [.number, .divisionCode, .channel, .categoryCode, .urgency, .state, .stateName, .description, .reportedAt,
                                               .escalations, .reworks, .returns, .extended, .updatedAt, .masked, .allowedActions]
    static let schemaName = "Case"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .number: Schema.string("the case number people see everywhere (Open311 service_request_id): division, YYMMDD, sequence", pattern: "^[0-9]{17}$")
        case .divisionCode: Schema.divisionCode
        case .channel: Schema.enumeration(CaseChannel.allCases.map(\.rawValue))
        case .kind: Schema.enumeration(HotlineKind.allCases.map(\.rawValue), description: "the 12345 kind of contact")
        case .categoryCode: Schema.string("component or event code", pattern: "^[0-9]{2,12}$")
        case .categoryName, .address, .gridCode, .organisationCode, .mergedInto: Schema.nullableString
        case .urgency: Schema.enumeration(CaseUrgency.allCases.map(\.rawValue))
        case .state: Schema.enumeration(CaseState.allCases.map(\.rawValue))
        case .stateName: Schema.string("the state in Chinese")
        case .description: Schema.string()
        case .location: Schema.point
        case .reporter: Schema.ref(ReporterDTO.self)
        case .reportedAt, .registeredAt, .dispatchedAt, .acceptedAt, .reportedBackAt, .closedAt, .deadlineAt, .warnedAt, .overdueAt, .updatedAt:
            Schema.string(format: "date-time")
        case .escalations, .reworks, .returns: Schema.integer
        case .extended, .masked: Schema.boolean
        case .pendingRequest: Schema.ref(PendingRequestDTO.self)
        case .handedOffTo: Schema.enumeration(EmergencyLine.allCases.map(\.rawValue))
        case .callback: Schema.ref(CallbackDTO.self)
        case .allowedActions: Schema.array(Schema.enumeration(CaseAction.allCases.map(\.rawValue)))
        }
    }

    init(_ c: Case, for caller: Principal) {
        number = c.number; divisionCode = c.divisionCode; channel = c.channel.rawValue; kind = c.kind?.rawValue; categoryCode = c.categoryCode
        categoryName = c.categoryName; urgency = c.urgency.rawValue; state = c.state.rawValue; stateName = c.state.labelZh; description = c.description
        location = c.location; address = c.address; gridCode = c.gridCode; reporter = c.reporter.map(ReporterDTO.init)
        organisationCode = c.organisationCode; reportedAt = c.reportedAt; registeredAt = c.registeredAt; dispatchedAt = c.dispatchedAt
        acceptedAt = c.acceptedAt; reportedBackAt = c.reportedBackAt; closedAt = c.closedAt; deadlineAt = c.deadlineAt; warnedAt = c.warnedAt
        overdueAt = c.overdueAt; escalations = c.escalations; reworks = c.reworks; returns = c.returns; extended = c.extended
        pendingRequest = c.pendingRequest.map { PendingRequestDTO(kind: $0.kind, limit: $0.limit.map(TimeLimitDTO.init), reason: $0.reason) }
        mergedInto = c.mergedInto; handedOffTo = c.handedOffTo?.rawValue
        callback = c.callback.map { CallbackDTO(at: $0.at, solved: $0.solved, satisfied: $0.satisfied) }
        updatedAt = c.updatedAt; masked = c.masked
        allowedActions = caller.kind == .staff || caller.kind == .commandLine
            ? c.allowedActions(for: caller).map(\.rawValue) : []
    }
}

/// Who reported a case (masked unless the reader's work needs it).
struct ReporterDTO: Codable, APIShape {
    let name: String?
    let phone: String?
    let idNumber: String?
    let registeredResident: Bool?
    enum CodingKeys: String, CodingKey, CaseIterable { case name, phone, idNumber, registeredResident }
    static let requiredFields: [CodingKeys] = []
    static let schemaName = "CaseReporter"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .name: Schema.string(max: 64)
        case .phone: Schema.string("mobile (11 digits) or landline; masked as 139****5678 unless the reader calls back")
        case .idNumber: Schema.string("resident ID number, when the reporter gave it; masked unless the reader calls back")
        case .registeredResident: ["type": "boolean", "readOnly": true, "description": "whether the ID number named a resident of the persons registry when the case was filed"]
        }
    }

    init(name: String?, phone: String?, idNumber: String?) {
        self.name = name; self.phone = phone; self.idNumber = idNumber; self.registeredResident = nil
    }

    init(_ r: Reporter) {
        name = r.name; phone = r.phone; idNumber = r.idNumber; registeredResident = r.registeredResident
    }
}

/// An amount of time and its unit.
struct TimeLimitDTO: Codable, APIShape {
    let amount: Int
    let unit: String
    enum CodingKeys: String, CodingKey, CaseIterable { case amount, unit }
    static let schemaName = "TimeLimit"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .amount: ["type": "integer", "minimum": 1, "maximum": 10_000]
        case .unit: Schema.enumeration(TimeLimit.Unit.allCases.map(\.rawValue), description: "workingHours and workingDays follow the working-day calendar")
        }
    }

    init(amount: Int, unit: String) {
        self.amount = amount; self.unit = unit
    }

    init(_ limit: TimeLimit) {
        amount = limit.amount; unit = limit.unit.rawValue
    }

    var limit: TimeLimit? { TimeLimit.Unit(rawValue: unit).map { TimeLimit(amount, $0) } }
}

/// An extension or parking waiting for the shift supervisor.
struct PendingRequestDTO: Codable, APIShape {
    let kind: String
    let limit: TimeLimitDTO?
    let reason: String
    enum CodingKeys: String, CodingKey, CaseIterable { case kind, limit, reason }
    static let requiredFields: [CodingKeys] = [.kind, .reason]
    static let schemaName = "CasePendingRequest"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .kind: Schema.enumeration(["extension", "park"])
        case .limit: Schema.ref(TimeLimitDTO.self)
        case .reason: Schema.string()
        }
    }
}

/// The reporter's answers when called back.
struct CallbackDTO: Codable, APIShape {
    let at: Date
    let solved: Bool
    let satisfied: Bool
    enum CodingKeys: String, CodingKey, CaseIterable { case at, solved, satisfied }
    static let schemaName = "CaseCallback"
    static func schema(_ field: CodingKeys) -> JSONValue {
        field == .at ? Schema.string(format: "date-time") : Schema.boolean
    }
}

/// One step of a case's timeline.
struct CaseEventDTO: Codable, APIShape {
    let seq: Int
    let at: Date
    let actor: String
    let action: String
    let fromState: String?
    let toState: String
    let organisationCode: String?
    let note: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case seq, at, actor, action, fromState, toState, organisationCode, note }
    static let requiredFields: [CodingKeys] = [.seq, .at, .actor, .action, .toState]
    static let schemaName = "CaseEvent"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .seq: Schema.integer
        case .at: Schema.string(format: "date-time")
        case .actor: Schema.string("staff:username, citizen:id, apikey:id, system:router or system:deadlines")
        case .action: Schema.string("report, register, dispatch, accept, reportBack, close, callback, reopen, rework, return, warn, overdue, …")
        case .fromState: Schema.enumeration(CaseState.allCases.map(\.rawValue))
        case .toState: Schema.enumeration(CaseState.allCases.map(\.rawValue))
        case .organisationCode, .note: Schema.nullableString
        }
    }

    init(_ e: CaseEvent) {
        seq = e.seq; at = e.at; actor = e.actor; action = e.action; fromState = e.fromState?.rawValue; toState = e.toState.rawValue
        organisationCode = e.organisationCode; note = e.note
    }
}

/// A photo of a case (its bytes at `…/photos/{id}`).
struct CaseAttachmentDTO: ResponseEncodable, Codable, APIShape {
    let id: String
    let stage: String
    let contentType: String
    let size: Int
    let sha256: String
    let createdAt: Date
    enum CodingKeys: String, CodingKey, CaseIterable { case id, stage, contentType, size, sha256, createdAt }
    static let schemaName = "CasePhoto"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .id, .sha256: Schema.string()
        case .stage: Schema.enumeration(["report", "feedback", "verify"])
        case .contentType: Schema.enumeration(["image/jpeg", "image/png", "image/webp"])
        case .size: Schema.integer
        case .createdAt: Schema.string(format: "date-time")
        }
    }

    init(_ a: CaseAttachment) {
        id = a.id; stage = a.stage; contentType = a.contentType; size = a.size; sha256 = a.sha256; createdAt = a.createdAt
    }
}

/// A camera near a case, for video linkage.
struct NearCameraDTO: Codable, APIShape {
    let code: String
    let name: String
    let kind: String
    let online: Bool
    let metres: Int
    enum CodingKeys: String, CodingKey, CaseIterable { case code, name, kind, online, metres }
    static let schemaName = "CaseCamera"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code, .name: Schema.string()
        case .kind: Schema.enumeration(["fixed", "ptz"])
        case .online: Schema.boolean
        case .metres: Schema.integer
        }
    }
}

/// A case page: the case, its timeline, its photos and the cameras nearest it.
struct CaseDetailDTO: ResponseEncodable, APIShape {
    let item: CaseDTO
    let timeline: [CaseEventDTO]
    let photos: [CaseAttachmentDTO]
    let cameras: [NearCameraDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case item = "case", timeline, photos, cameras }
    static let schemaName = "CaseDetail"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .item: Schema.ref(CaseDTO.self)
        case .timeline: Schema.array(Schema.ref(CaseEventDTO.self))
        case .photos: Schema.array(Schema.ref(CaseAttachmentDTO.self))
        case .cameras: Schema.array(Schema.ref(NearCameraDTO.self))
        }
    }
}

/// Open cases near a point, offered before filing.
struct NearbyCasesDTO: ResponseEncodable, APIShape {
    let items: [CaseDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static let schemaName = "NearbyCases"
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(CaseDTO.self)) }
}

/// A case category.
struct CaseCategoryDTO: Codable, APIShape {
    let code: String
    let family: String
    let major: String
    let name: String
    let majorName: String
    enum CodingKeys: String, CodingKey, CaseIterable { case code, family, major, name, majorName }
    static let schemaName = "CaseCategory"
    static func schema(_ field: CodingKeys) -> JSONValue {
        field == .family ? Schema.enumeration(["component", "event", "hotline"]) : Schema.string()
    }
}

struct CaseCategoryList: ResponseEncodable, APIShape {
    let items: [CaseCategoryDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case items }
    static func schema(_ field: CodingKeys) -> JSONValue { Schema.array(Schema.ref(CaseCategoryDTO.self)) }
}

/// A case to file.
struct NewCaseBody: JSONBody {
    let channel: CaseChannel?
    let kind: HotlineKind?
    let categoryCode: String
    let description: String
    let urgency: CaseUrgency?
    let location: GeoPoint?
    let addressCode: String?
    let address: String?
    let reporter: ReporterDTO?
    let photos: [String]?
    let handOffTo: EmergencyLine?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case channel, kind, categoryCode, description, urgency, location, addressCode, address, reporter, photos, handOffTo
    }
    static let requiredFields: [CodingKeys] = [.categoryCode, .description]
    static let isClosed = true
    static let schemaName = "NewCase"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .channel: Schema.enumeration(CaseChannel.allCases.map(\.rawValue), description: "default: hotline for operators, inspector for inspectors, citizen for citizens, system for API keys")
        case .kind: Schema.enumeration(HotlineKind.allCases.map(\.rawValue), description: "required on the hotline channel")
        case .categoryCode: Schema.string(pattern: "^[0-9]{2,12}$")
        case .description: Schema.string(min: 1, max: 2_000)
        case .urgency: Schema.enumeration(CaseUrgency.allCases.map(\.rawValue))
        case .location: Schema.point
        case .addressCode: Schema.string("an address or point of interest of the geography registry")
        case .address: Schema.string(max: 200)
        case .reporter: Schema.ref(ReporterDTO.self)
        case .photos: ["type": "array", "maxItems": .number(Double(Photo.maxCount)), "items": Schema.string("base64 of a JPEG, PNG or WebP image (checked by its bytes)")]
        case .handOffTo: Schema.enumeration(EmergencyLine.allCases.map(\.rawValue), description: "an emergency handed off at once to 110, 119 or 120")
        }
    }
}

/// What an action carries; each action reads the fields it needs.
struct CaseActionBody: JSONBody {
    let note: String?
    let organisationCode: String?
    let passed: Bool?
    let solved: Bool?
    let satisfied: Bool?
    let limit: TimeLimitDTO?
    let into: String?
    let photos: [String]?
    enum CodingKeys: String, CodingKey, CaseIterable { case note, organisationCode, passed, solved, satisfied, limit, into, photos }
    static let requiredFields: [CodingKeys] = []
    static let isClosed = true
    static let schemaName = "CaseActionInput"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .note: Schema.string("the reason (required to reject, return, request an extension or parking, and for a failed verification)", max: 1_000)
        case .organisationCode: Schema.string("dispatch: the handling organisation")
        case .passed: ["type": "boolean", "description": "verify: whether the result holds on site (false: rework)"]
        case .solved, .satisfied: ["type": "boolean", "description": "callback: the reporter's answers (false reopens the case)"]
        case .limit: Schema.ref(TimeLimitDTO.self)
        case .into: Schema.string("merge: the case number this one joins", pattern: "^[0-9]{17}$")
        case .photos: ["type": "array", "maxItems": .number(Double(Photo.maxCount)), "items": Schema.string("base64 of a JPEG, PNG or WebP image")]
        }
    }
}

extension Array where Element == String {
    /// Base64 photos decoded, or a 400 naming the one that is not base64.
    func decodedPhotos() throws -> [Photo] {
        try enumerated().map { i, text in
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                throw CasesError.badAttachment(zh: "第 \(i + 1) 张照片不是 base64", en: "Photo \(i + 1) is not base64")
            }
            return Photo(data)
        }
    }
}

/// One group's indicators (formulas in `IndicatorRow`'s documentation and the README).
struct IndicatorRowDTO: Codable, APIShape {
    let key: String?
    let registered, closed, parked, due, dueParked, onTime, handled, reworked, callbacks, satisfied, overdue, dispatched, registeredInTime, dispatchedInTime: Int
    let closureRate, onTimeRate, reworkRate, satisfactionRate, averageHandlingHours, registeredInTimeRate, dispatchedInTimeRate: Double?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, registered, closed, parked, due, dueParked, onTime, handled, reworked, callbacks, satisfied, overdue, dispatched, registeredInTime, dispatchedInTime,
             closureRate, onTimeRate, reworkRate, satisfactionRate, averageHandlingHours, registeredInTimeRate, dispatchedInTimeRate
    }
    static let requiredFields: [CodingKeys] = [.registered, .closed, .parked, .due, .dueParked, .onTime, .handled, .reworked, .callbacks, .satisfied, .overdue, .dispatched,
                                               .registeredInTime, .dispatchedInTime]
    static let schemaName = "CaseIndicators"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .key: ["type": ["string", "null"], "description": "the organisation, division, grid or category (null for the total)"]
        case .closureRate: ["type": ["number", "null"], "description": "closed / (registered − parked)"]
        case .due: ["type": "integer", "description": "cases with a deadline handled (reported back or closed) or marked overdue by the scheduler"]
        case .dueParked: ["type": "integer", "description": "parked cases among the due ones"]
        case .onTimeRate: ["type": ["number", "null"], "description": "handled before going overdue / (due − parked due)"]
        case .reworkRate: ["type": ["number", "null"], "description": "reworked / handled"]
        case .satisfactionRate: ["type": ["number", "null"], "description": "satisfied callbacks / callbacks"]
        case .averageHandlingHours: ["type": ["number", "null"], "description": "mean hours from dispatch to closure"]
        case .registeredInTimeRate: ["type": ["number", "null"], "description": "registered within 5 minutes of the report / registered"]
        case .dispatchedInTimeRate: ["type": ["number", "null"], "description": "dispatched within 3 minutes of registration / dispatched"]
        default: Schema.integer
        }
    }

    init(_ r: IndicatorRow) {
        key = r.key; registered = r.registered; closed = r.closed; parked = r.parked; due = r.due; dueParked = r.dueParked; onTime = r.onTime; handled = r.handled
        reworked = r.reworked; callbacks = r.callbacks; satisfied = r.satisfied; overdue = r.overdue; dispatched = r.dispatched
        registeredInTime = r.registeredInTime; dispatchedInTime = r.dispatchedInTime; closureRate = r.closureRate; onTimeRate = r.onTimeRate
        reworkRate = r.reworkRate; satisfactionRate = r.satisfactionRate; averageHandlingHours = r.averageHandlingHours
        registeredInTimeRate = r.registeredInTimeRate; dispatchedInTimeRate = r.dispatchedInTimeRate
    }
}

/// The indicator table of a period.
struct IndicatorTableDTO: ResponseEncodable, APIShape {
    let by: String
    let from: String
    let to: String
    let rows: [IndicatorRowDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case by, from, to, rows }
    static let schemaName = "CaseIndicatorTable"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .by: Schema.enumeration(IndicatorGrouping.allCases.map(\.rawValue))
        case .from, .to: Schema.string("first and last day (China), as YYYY-MM-DD", format: "date")
        case .rows: Schema.array(Schema.ref(IndicatorRowDTO.self))
        }
    }
}

/// A routing rule as the API shows and takes it.
struct RoutingRuleDTO: Codable, APIShape {
    let categoryPrefix: String
    let divisionPrefix: String
    let organisationCode: String
    enum CodingKeys: String, CodingKey, CaseIterable { case categoryPrefix, divisionPrefix, organisationCode }
    static let schemaName = "CaseRoutingRule"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .categoryPrefix: Schema.string("a category code or its beginning ('' for every category)", pattern: "^[0-9]{0,12}$")
        case .divisionPrefix: Schema.string("a division code or its beginning", pattern: "^[0-9]{0,12}$")
        case .organisationCode: Schema.string("the handling organisation")
        }
    }
}

/// The routing rules, to read or to set (a rule for the same prefixes is replaced).
struct RoutingRulesBody: JSONBody, ResponseEncodable {
    let rules: [RoutingRuleDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case rules }
    static let isClosed = true
    static let schemaName = "CaseRoutingRules"
    static func schema(_ field: CodingKeys) -> JSONValue { ["type": "array", "maxItems": 1_000, "items": Schema.ref(RoutingRuleDTO.self)] }
}

/// A deadline rule as the API shows and takes it.
struct DeadlineRuleDTO: Codable, APIShape {
    let categoryPrefix: String
    let kind: String
    let urgency: String
    let limit: TimeLimitDTO
    enum CodingKeys: String, CodingKey, CaseIterable { case categoryPrefix, kind, urgency, limit }
    static let schemaName = "CaseDeadlineRule"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .categoryPrefix: Schema.string("a category code or its beginning ('' for every category)", pattern: "^[0-9]{0,12}$")
        case .kind: Schema.enumeration([""] + HotlineKind.allCases.map(\.rawValue), description: "'' for any kind")
        case .urgency: Schema.enumeration([""] + CaseUrgency.allCases.map(\.rawValue), description: "'' for any urgency")
        case .limit: Schema.ref(TimeLimitDTO.self)
        }
    }
}

/// The deadline rules, to read or to set.
struct DeadlineRulesBody: JSONBody, ResponseEncodable {
    let rules: [DeadlineRuleDTO]
    enum CodingKeys: String, CodingKey, CaseIterable { case rules }
    static let isClosed = true
    static let schemaName = "CaseDeadlineRules"
    static func schema(_ field: CodingKeys) -> JSONValue { ["type": "array", "maxItems": 1_000, "items": Schema.ref(DeadlineRuleDTO.self)] }
}

/// Categories to add or change.
struct CategoriesBody: JSONBody {
    let categories: [CaseCategoryEdit]
    enum CodingKeys: String, CodingKey, CaseIterable { case categories }
    static let isClosed = true
    static let schemaName = "CaseCategoriesEdit"
    static func schema(_ field: CodingKeys) -> JSONValue { ["type": "array", "maxItems": 1_000, "items": Schema.ref(CaseCategoryEdit.self)] }
}

struct CaseCategoryEdit: Codable, APIShape {
    let code: String
    let family: String
    let major: String
    let name: String
    let majorName: String
    let active: Bool
    enum CodingKeys: String, CodingKey, CaseIterable { case code, family, major, name, majorName, active }
    static let schemaName = "CaseCategoryEdit"
    static func schema(_ field: CodingKeys) -> JSONValue {
        switch field {
        case .code: Schema.string(pattern: "^[0-9]{2,12}$")
        case .family: Schema.enumeration(["component", "event", "hotline"])
        case .major: Schema.string(pattern: "^[0-9]{1,12}$")
        case .name, .majorName: Schema.string(min: 1, max: 64)
        case .active: Schema.boolean
        }
    }
}

/// A year's working-day schedule.
struct CalendarBody: JSONBody {
    let holidays: [CalendarDay]
    let workdays: [CalendarDay]
    enum CodingKeys: String, CodingKey, CaseIterable { case holidays, workdays }
    static let isClosed = true
    static let schemaName = "WorkCalendarYear"
    static func schema(_ field: CodingKeys) -> JSONValue {
        ["type": "array", "maxItems": 366, "items": Schema.ref(CalendarDay.self),
         "description": field == .holidays ? "days off that would be working days" : "weekend days that are working days (调休上班)"]
    }
}

struct CalendarDay: Codable, APIShape {
    let date: String
    let name: String
    enum CodingKeys: String, CodingKey, CaseIterable { case date, name }
    static let schemaName = "WorkCalendarDay"
    static func schema(_ field: CodingKeys) -> JSONValue {
        field == .date ? Schema.string(format: "date") : Schema.string(min: 1, max: 40)
    }
}
