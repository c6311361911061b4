import Cases

/// The cases domain's operations and shapes.
enum CasesAPI {
    static let number = Schema.string("case number", pattern: "^[0-9]{17}$")

    static let fragment = APIFragment(operations: [
        .init("get", "/api/v1/cases", id: "listCases",
              summary: "A page of cases, most urgent deadline first: by default what the caller's role works on (a department's own cases, the cases to verify, to dispatch, the command center's open ones), all=true for everything within scope; citizens and systems see what they filed",
              tag: "cases", access: .signedIn,
              query: [.init("state", Schema.string("one or more states, comma-separated"), "only these states"),
                      .init("category", Schema.string(pattern: "^[0-9]{1,12}$"), "category code or its prefix"),
                      .init("organisation", Schema.string(), "the handling organisation"),
                      .init("division", Schema.divisionCode, "within this division"),
                      .init("channel", Schema.enumeration(CaseChannel.allCases.map(\.rawValue)), "how it came in"),
                      .init("overdue", Schema.boolean, "only overdue cases still being handled"),
                      .init("q", Schema.string(max: 100), "a case number, or words of the description or address"),
                      .init("all", Schema.boolean, "everything within scope, not only the caller's work")] + IdentityAPI.paging,
              success: (200, PageDTO<CaseDTO>.schemaName, APIFragment.json)),
        .init("post", "/api/v1/cases", id: "fileCase",
              summary: "File a case (hotline operator, inspector, citizen, or another system); routed and deadlined when a rule covers it; emergencies handed off at once",
              tag: "cases", access: .signedIn, body: NewCaseBody.schemaName, success: (201, CaseDetailDTO.schemaName, APIFragment.json),
              answers: [(422, "unknown category, or a place outside the city")]),
        .init("get", "/api/v1/cases/indicators", id: "caseIndicators",
              summary: "The indicator table of the cases registered in a period (closure, on-time, rework and satisfaction rates, handling time, overdue count, service levels), by organisation, division, grid or category, within scope",
              tag: "cases", access: .signedIn,
              query: [.init("by", Schema.enumeration(IndicatorGrouping.allCases.map(\.rawValue)), "grouping (default organisation)"),
                      .init("from", Schema.string(format: "date"), "first day (China), default today"),
                      .init("to", Schema.string(format: "date"), "last day, default the first"),
                      .init("division", Schema.divisionCode, "within this division")],
              success: (200, IndicatorTableDTO.schemaName, APIFragment.json), answers: [(400, "a period of more than 400 days, or ending before it starts")]),
        .init("get", "/api/v1/cases/routing-rules", id: "caseRoutingRules", summary: "The routing rules (category prefix × division prefix → organisation)",
              tag: "cases", access: .signedIn, success: (200, RoutingRulesBody.schemaName, APIFragment.json)),
        .init("put", "/api/v1/cases/routing-rules", id: "setCaseRoutingRules", summary: "Add or replace routing rules (command center, dispatchers); audited",
              tag: "cases", access: .signedIn, body: RoutingRulesBody.schemaName, success: (200, RoutingRulesBody.schemaName, APIFragment.json),
              answers: [(422, "no such organisation")]),
        .init("get", "/api/v1/cases/deadline-rules", id: "caseDeadlineRules", summary: "The deadline rules (category prefix, hotline kind, urgency → time limit)",
              tag: "cases", access: .signedIn, success: (200, DeadlineRulesBody.schemaName, APIFragment.json)),
        .init("put", "/api/v1/cases/deadline-rules", id: "setCaseDeadlineRules", summary: "Add or replace deadline rules (command center); audited",
              tag: "cases", access: .signedIn, body: DeadlineRulesBody.schemaName, success: (200, DeadlineRulesBody.schemaName, APIFragment.json)),
        .init("put", "/api/v1/cases/categories", id: "setCaseCategories", summary: "Add or change case categories (command center); audited",
              tag: "cases", access: .signedIn, body: CategoriesBody.schemaName, success: (200, CaseCategoryList.schemaName, APIFragment.json)),
        .init("put", "/api/v1/cases/calendar/{year}", id: "setWorkCalendar", summary: "Load a year's working-day schedule, replacing that year's (platform admin); audited",
              tag: "cases", access: .signedIn, body: CalendarBody.schemaName, pathParameters: [("year", ["type": "integer", "minimum": 2000, "maximum": 2100])],
              success: (204, nil, APIFragment.json)),
        .init("get", "/api/v1/cases/categories", id: "listCaseCategories", summary: "The case categories in use (components, events, hotline)", tag: "cases",
              access: .signedIn, success: (200, CaseCategoryList.schemaName, APIFragment.json)),
        .init("get", "/api/v1/cases/nearby", id: "nearbyCases", summary: "Open cases of a category within 50 m of a point, offered before filing a duplicate",
              tag: "cases", access: .signedIn,
              query: [.init("category", Schema.string(pattern: "^[0-9]{2,12}$"), "the category", required: true),
                      .init("lon", ["type": "number", "minimum": -180, "maximum": 180], "longitude", required: true),
                      .init("lat", ["type": "number", "minimum": -90, "maximum": 90], "latitude", required: true)],
              success: (200, NearbyCasesDTO.schemaName, APIFragment.json)),
        .init("get", "/api/v1/cases/{number}", id: "getCase", summary: "A case with its timeline, photos and the cameras nearest it", tag: "cases",
              access: .signedIn, pathParameters: [("number", number)], success: (200, CaseDetailDTO.schemaName, APIFragment.json),
              answers: [(404, "no such case within the caller's scope")]),
        .init("get", "/api/v1/cases/{number}/photos/{id}", id: "getCasePhoto", summary: "A photo's bytes", tag: "cases", access: .signedIn,
              pathParameters: [("number", number), ("id", Schema.string())], success: (200, nil, "image/jpeg"),
              answers: [(404, "no such case or photo within the caller's scope")]),
        Self.photoUpload,
        .init("post", "/api/v1/cases/{number}/{action}", id: "actOnCase",
              summary: "Take an action on a case (register, dispatch, accept, return, reportBack, verify, callback, extension and parking requests and approvals, escalate, merge); 409 names the current state and the actions allowed",
              tag: "cases", access: .signedIn, body: CaseActionBody.schemaName,
              pathParameters: [("number", number), ("action", Schema.enumeration(CaseAction.allCases.map(\.rawValue)))],
              success: (200, CaseDetailDTO.schemaName, APIFragment.json),
              answers: [(404, "no such case within the caller's scope"), (409, "the action does not apply in the case's state, or a request is pending"),
                        (422, "unknown organisation")]),
    ], shapes: [CaseDTO.self, PageDTO<CaseDTO>.self, ReporterDTO.self, TimeLimitDTO.self, PendingRequestDTO.self, CallbackDTO.self, CaseEventDTO.self,
                CaseAttachmentDTO.self, NearCameraDTO.self, CaseDetailDTO.self, NearbyCasesDTO.self, CaseCategoryDTO.self, CaseCategoryList.self,
                NewCaseBody.self, CaseActionBody.self, IndicatorRowDTO.self, IndicatorTableDTO.self, RoutingRuleDTO.self, RoutingRulesBody.self,
                DeadlineRuleDTO.self, DeadlineRulesBody.self, CategoriesBody.self, CaseCategoryEdit.self, CalendarBody.self, CalendarDay.self],
       schemas: [("PhotoBytes", ["type": "string", "format": "binary", "description": "a JPEG, PNG or WebP image, up to 8 MB (checked by its bytes)"])])

    /// One photo as the body: the reporter's before dispatch, the department's while handling, the inspector's at verification.
    static var photoUpload: APIOperation {
        var op = APIOperation("post", "/api/v1/cases/{number}/photos", id: "addCasePhoto",
                              summary: "Add one photo (the body: a JPEG, PNG or WebP image up to 8 MB) at the case's current step: the reporter's before dispatch, the handling department's while it handles, the inspector's at verification",
                              tag: "cases", access: .signedIn, body: "PhotoBytes", pathParameters: [("number", number)],
                              success: (201, CaseAttachmentDTO.schemaName, APIFragment.json),
                              answers: [(404, "no such case within the caller's scope"), (409, "no photo from this caller at the case's step, or the step has its 9")])
        op.bodyMedia = "image/jpeg"
        return op
    }
}
