import CityCore
import CityStore
import Crypto
import Foundation
import Identity
import Logging
import Registry
import SQLKit
import Synchronization

/// The command center's desk: files cases from every channel, runs them through the closed loop
/// (`CaseAction`), answers queues and case pages, and keeps each case's deadline. Every change,
/// its timeline event, its audit entry, its change-log row and the deadline jobs it schedules
/// commit in one transaction; role, division scope and the handling department are checked here,
/// so the API, the pages and the CLI obey one set of rules.
public struct CaseDesk: Sendable {
    let store: Store
    let clock: any WallClock
    let geography: GeographyBook
    let photos: any PhotoStorage
    let logger: Logger
    /// Years whose missing schedule has been logged by this process (once each).
    let warnedYears = YearsWarned()
    /// The reference data, cached and checked in each transaction.
    let reference = CatalogueCache()

    /// The job kind of deadline checks.
    public static let deadlineJob = "cases.deadline"
    /// How near an open case of the same category must be to be offered as a duplicate.
    public static let duplicateRadius = 50.0

    public init(store: Store, geography: GeographyBook, photos: any PhotoStorage = DatabasePhotoStorage(), clock: any WallClock = SystemClock(),
                logger: Logger = Logger(label: "cityhub.cases")) {
        self.store = store
        self.photos = photos
        self.geography = geography
        self.clock = clock
        self.logger = logger
    }

    // MARK: Intake

    /// Open cases of `category` within 50 m of `point`, nearest first: offered to a reporter
    /// before filing, so they can join one instead of filing a duplicate.
    public func nearbyOpen(category: String, at point: GeoPoint, by caller: Principal) async throws -> [Case] {
        try requireIntake(caller)
        // About 50 m either way in degrees (latitude 33-34°N), then the exact distance.
        let dLat = Self.duplicateRadius / 111_320, dLon = Self.duplicateRadius / (111_320 * cos(point.lat * .pi / 180))
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        let rows = try await store.read { db in
            try await db.raw("""
                SELECT * FROM cases WHERE category_code = \(bind: category)
                  AND lat BETWEEN \(bind: point.lat - dLat) AND \(bind: point.lat + dLat) AND lon BETWEEN \(bind: point.lon - dLon) AND \(bind: point.lon + dLon)
                  AND state IN \(SQLBind.group(open))
                """).all(decoding: CaseRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return rows.compactMap { row -> (Case, Double)? in
            guard let lon = row.lon, let lat = row.lat else { return nil }
            let metres = GeoPoint(lon: lon, lat: lat).distance(to: point)
            return metres <= Self.duplicateRadius ? (row.view(masked: true, categoryName: nil), metres) : nil
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// Files a case. A hotline operator's case is registered at once (the operator takes the
    /// call and checks it); an inspector's, a citizen's or another system's waits for the command
    /// center to register it. An emergency with `handOffTo` is handed off at once and recorded.
    /// A registered case whose category and division a routing rule covers is dispatched at once.
    public func file(_ new: NewCase, by caller: Principal, origin: AuditOrigin) async throws -> CaseDetail {
        try requireIntake(caller, channel: new.channel)
        let description = new.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty, description.count <= 2_000, !Text.hasForbiddenControl(description) else {
            throw CasesError.invalidField("description", zh: "请描述问题（1 到 2000 字）", en: "Describe the problem in 1 to 2,000 characters")
        }
        if new.channel == .hotline, new.kind == nil {
            throw CasesError.invalidField("kind", zh: "热线来电须说明类型（咨询、求助、投诉、举报、建议、表扬）", en: "A hotline case needs its kind")
        }
        for (field, text, max) in [("address", new.address, 200), ("reporter.name", new.reporter.name, 64)] {
            if let text, text.count > max || Text.hasForbiddenControl(text) {
                throw CasesError.invalidField(field, zh: "\(field) 过长或含控制字符", en: "\(field) is too long or holds control characters")
            }
        }
        var phone: String?
        if let given = new.reporter.phone, !given.isEmpty {
            guard let normalised = Phone.normalised(given) else {
                throw CasesError.invalidField("reporter.phone", zh: "电话号码格式不正确", en: "The phone number is neither a mobile number nor a landline")
            }
            phone = normalised
        }
        var idNumber: ResidentID?
        if let given = new.reporter.idNumber, !given.isEmpty {
            do { idNumber = try ResidentID.checked(given) } catch {
                throw CasesError.invalidField("reporter.idNumber", zh: "身份证号码无效：\(error.messageZh)", en: "Invalid ID number: \(error.messageEn)")
            }
        }
        let photos = try Self.checked(new.photos)
        var point = new.location
        var address = new.address
        if let code = new.addressCode {
            guard let found = geography.address(code) else {
                throw CasesError.invalidField("addressCode", zh: "地址编码 \(code) 不存在", en: "No address with code \(code)")
            }
            point = point ?? found.point
            address = address ?? found.name
        }
        guard let point, point.isValid else {
            throw CasesError.invalidField("location", zh: "请在地图上选点或给出地址编码", en: "Give a map point (lon, lat) or an address code")
        }
        guard let place = geography.place(point) else { throw CasesError.outsideCity }
        let (phoneValue, idValue, addressValue) = (phone, idNumber, address)
        if caller.kind != .citizen { try caller.requireScope(place.division.code) }
        let division = String(place.division.code.rawValue.prefix(6))
        let now = clock.now()

        let (row, events, attachments, categoryName) = try await store.writeBatched { db, deferred -> (CaseRow, [CaseEvent], [CaseAttachment], String) in
            let reference = try await snapshot(on: db, deferred)
            guard let category = reference.categories[new.categoryCode], category.active else {
                throw CasesError.unknownCategory(new.categoryCode)
            }
            let number = try await CaseNumber.next(division: division, at: now, on: db, deferred)
            var registered: Bool?
            if let idValue { registered = try await PersonRegistry.isRegistered(idValue, on: db) }
            var row = CaseRow(
                divisionCode: division, number: number, channel: new.channel.rawValue, kind: new.kind?.rawValue, categoryCode: category.code,
                urgency: new.urgency.rawValue, state: CaseState.reported.rawValue, description: description, lon: point.lon, lat: point.lat,
                address: addressValue ?? place.nearestAddress?.name, gridCode: place.grid?.code, reporterName: new.reporter.name, reporterPhone: phoneValue,
                reporterIdNumber: idValue?.rawValue, reporterAccount: caller.kind == .staff ? nil : caller.auditActor, organisationCode: nil,
                reportedAt: now, escalations: 0, reworks: 0, returns: 0, extended: false, updatedAt: now,
                reporterRegistered: registered)
            var events = [Event(action: "report", from: nil, to: .reported, actor: caller.auditActor, organisation: caller.organisationCode, note: nil)]
            if let line = new.handOffTo {
                row.state = CaseState.handedOff.rawValue
                row.handedOffTo = line.rawValue
                row.closedAt = now
                events.append(Event(action: "handOff", from: .reported, to: .handedOff, actor: caller.auditActor, organisation: caller.organisationCode,
                                    note: "转 \(line.rawValue)"))
            } else if new.channel == .hotline {
                events += try await register(&row, at: now, by: caller, reference: reference, deferred)
            }
            // A new case is read back by nobody in this transaction: its row goes in with the
            // batch's other new cases, in one insert.
            deferred.insert(into: "cases", columns: CaseRow.columns, values: row.binds)
            let attachments = try await store(photos, stage: "report", of: row, by: caller, at: now, on: db)
            let timeline = try await finish(row, events: events, operation: .created, action: "cases.file", by: caller, origin: origin, at: now,
                                            on: db, deferred)
            return (row, timeline, attachments, category.name)
        }
        // The case as it was written: no second read.
        return CaseDetail(item: row.view(masked: !Self.seesReporter(caller, row), categoryName: categoryName), timeline: events, attachments: attachments)
    }

    // MARK: The loop

    /// Takes `action` on case `number`. The state must allow it (otherwise `wrongState` names the
    /// state and what it allows), the caller must hold one of its roles, see the case's division,
    /// and for the handling department's actions belong to the organisation it is dispatched to.
    public func act(_ number: String, _ action: CaseAction, _ input: CaseActionInput = CaseActionInput(), by caller: Principal,
                    origin: AuditOrigin) async throws -> CaseDetail {
        try await perform(number, action, input, by: caller, origin: origin) { row in
            guard let division = DivisionCode(row.divisionCode), caller.canSee(division) else { throw CasesError.unknownCase }
            guard action.from.contains(row.caseState) else {
                throw CasesError.wrongState(action: action, state: row.caseState, allowed: Self.allowed(for: caller, in: row))
            }
            guard caller.roles.contains(.platformAdmin) || !caller.roles.isDisjoint(with: action.roles) else {
                throw IdentityError.missingRole(action.roles.sorted())
            }
            if action.byHandlingDepartment, !caller.roles.contains(.platformAdmin), caller.organisationCode != row.organisationCode {
                throw CasesError.notTheHandlingDepartment
            }
        }
    }

    /// The reporter's own rating of their closed case on the portal (评价): recorded as the
    /// callback is (solved? satisfied?), once per closure, and an unsolved or unsatisfied answer
    /// reopens the case with the same department, as a callback's does. Only the citizen account
    /// that filed the case may rate it; to anyone else it is unknown.
    public func rate(_ number: String, solved: Bool, satisfied: Bool, note: String? = nil, by caller: Principal,
                     origin: AuditOrigin) async throws -> CaseDetail {
        try await perform(number, .callback, CaseActionInput(note: note, solved: solved, satisfied: satisfied), by: caller, origin: origin) { row in
            guard caller.kind == .citizen, row.reporterAccount == caller.auditActor else { throw CasesError.unknownCase }
            guard row.caseState == .closed else { throw CasesError.wrongState(action: .callback, state: row.caseState, allowed: []) }
        }
    }

    /// Takes `action` on the case once `authorize` passes on its locked row: the transition, the
    /// timeline, the audit entry and the change-log row in one transaction.
    private func perform(_ number: String, _ action: CaseAction, _ input: CaseActionInput, by caller: Principal, origin: AuditOrigin,
                         authorize: @escaping @Sendable (CaseRow) throws -> Void) async throws -> CaseDetail {
        if let note = input.note, note.count > 1_000 || Text.hasForbiddenControl(note) {
            throw CasesError.invalidField("note", zh: "说明过长或含控制字符", en: "The note is longer than 1,000 characters or holds control characters")
        }
        let photos = try Self.checked(input.photos)
        let now = clock.now()
        let dialect = store.dialect
        try await store.writeBatched { db, deferred in
            guard var row = try await CaseRow.load(number, forUpdate: true, dialect: dialect, on: db) else { throw CasesError.unknownCase }
            try authorize(row)
            let events = try await apply(action, input, to: &row, photos: photos, at: now, by: caller, reference: try await snapshot(on: db, deferred),
                                         on: db, deferred)
            row.updatedAt = now
            try await row.update(on: db)
            try await finish(row, events: events, operation: .updated, action: "cases.\(action.rawValue)", by: caller, origin: origin, at: now,
                             on: db, deferred)
        }
        return try await detail(number, by: caller, origin: origin)
    }

    /// The actions `caller` could take on `row` now (state, role and department).
    static func allowed(for caller: Principal, in row: CaseRow) -> [CaseAction] {
        CaseAction.allowed(for: caller, state: row.caseState, organisationCode: row.organisationCode, pendingRequest: row.pendingRequest,
                           calledBack: row.callbackAt.map { at in row.closedAt.map { at >= $0 } ?? false } ?? false)
    }

    /// A step of the timeline, before it is numbered.
    struct Event {
        var action: String
        var from: CaseState?
        var to: CaseState
        var actor: String
        var organisation: String?
        var note: String?
    }

    private func apply(_ action: CaseAction, _ input: CaseActionInput, to row: inout CaseRow, photos: [(Photo, String)], at now: Date,
                       by caller: Principal, reference: CatalogueCache.Snapshot, on db: any SQLDatabase, _ deferred: BatchedWrites) async throws -> [Event] {
        let from = row.caseState
        func event(_ to: CaseState, _ name: String = action.rawValue, note: String? = input.note, organisation: String? = nil) -> Event {
            Event(action: name, from: from, to: to, actor: caller.auditActor, organisation: organisation ?? row.organisationCode, note: note)
        }
        func requireNote(_ what: String) throws -> String {
            guard let note = input.note?.trimmingCharacters(in: .whitespacesAndNewlines), !note.isEmpty else {
                throw CasesError.invalidField("note", zh: "请说明\(what)理由", en: "Give the reason for the \(action.rawValue)")
            }
            return note
        }
        switch action {
        case .register:
            return try await register(&row, at: now, by: caller, note: input.note, reference: reference, deferred)
        case .reject:
            let note = try requireNote("不予立案")
            row.state = CaseState.rejected.rawValue
            row.closedAt = now
            return [event(.rejected, note: note)]
        case .dispatch:
            guard let code = input.organisationCode else {
                throw CasesError.invalidField("organisationCode", zh: "请选择承办部门", en: "Name the organisation to dispatch to")
            }
            try await CaseCatalogue.requireOrganisation(code, on: db)
            return try await dispatch(&row, to: code, at: now, actor: caller.auditActor, note: input.note, reference: reference, deferred)
        case .accept:
            row.state = CaseState.handling.rawValue
            row.acceptedAt = now
            return [event(.handling)]
        case .return:
            let note = try requireNote("退单")
            let organisation = row.organisationCode
            row.state = CaseState.registered.rawValue
            row.organisationCode = nil
            row.dispatchedAt = nil
            row.deadlineAt = nil
            row.returns += 1
            row.pendingRequest = nil
            return [event(.registered, note: note, organisation: organisation)]
        case .reportBack:
            guard !photos.isEmpty || !(input.note ?? "").isEmpty else {
                throw CasesError.invalidField("note", zh: "请说明处置结果或附照片", en: "Say what was done or attach photos")
            }
            row.state = CaseState.reportedBack.rawValue
            row.reportedBackAt = now
            row.pendingRequest = nil
            try await store(photos, stage: "feedback", of: row, by: caller, at: now, on: db)
            return [event(.reportedBack)]
        case .verify:
            guard let passed = input.passed else {
                throw CasesError.invalidField("passed", zh: "请说明核查是否通过", en: "Say whether the result passed on site")
            }
            try await store(photos, stage: "verify", of: row, by: caller, at: now, on: db)
            if passed {
                row.state = CaseState.closed.rawValue
                row.closedAt = now
                var events = [event(.closed, "close")]
                events += try await closeMerged(into: row, at: now, by: caller, on: db, deferred)
                return events
            }
            // Rework: back to the department, the deadline running on.
            row.state = CaseState.handling.rawValue
            row.reworks += 1
            row.reportedBackAt = nil
            return [event(.handling, "rework", note: try requireNote("返工"))]
        case .callback:
            guard let solved = input.solved, let satisfied = input.satisfied else {
                throw CasesError.invalidField("solved", zh: "请记录是否解决、是否满意", en: "Record whether it was solved and whether the reporter is satisfied")
            }
            if let at = row.callbackAt, let closed = row.closedAt, at >= closed { throw CasesError.alreadyCalledBack }
            row.callbackAt = now
            row.solved = solved
            row.satisfied = satisfied
            let answer = "\(solved ? "已解决" : "未解决")，\(satisfied ? "满意" : "不满意")"
            guard solved && satisfied else {
                // An unsolved or unsatisfied answer reopens it with the same department (12345 practice).
                row.state = CaseState.handling.rawValue
                row.closedAt = nil
                row.reworks += 1
                schedule(&row, from: now, limit: reference.limit(for: row), calendar: reference.calendar, deferred)
                return [event(.closed, "callback", note: [answer, input.note].compactMap { $0 }.joined(separator: "；")),
                        Event(action: "reopen", from: .closed, to: .handling, actor: caller.auditActor, organisation: row.organisationCode, note: answer)]
            }
            return [event(.closed, note: [answer, input.note].compactMap { $0 }.joined(separator: "；"))]
        case .requestExtension:
            guard row.pendingRequest == nil else { throw CasesError.requestPending(row.pendingRequest!) }
            guard let limit = input.limit, limit.amount > 0, limit.unit != .minutes else {
                throw CasesError.invalidField("limit", zh: "请说明延期多久（工作时、工作日或小时）", en: "Say how much longer (working hours, working days or hours)")
            }
            row.pendingRequest = "extension"
            row.pendingAmount = limit.amount
            row.pendingUnit = limit.unit.rawValue
            row.pendingReason = try requireNote("延期")
            return [event(from, note: "申请延期 \(limit)：\(row.pendingReason!)")]
        case .requestPark:
            guard row.pendingRequest == nil else { throw CasesError.requestPending(row.pendingRequest!) }
            row.pendingRequest = "park"
            row.pendingAmount = nil
            row.pendingUnit = nil
            row.pendingReason = try requireNote("挂账")
            return [event(from, note: "申请挂账：\(row.pendingReason!)")]
        case .approveExtension, .refuseExtension:
            guard row.pendingRequest == "extension", let amount = row.pendingAmount, let unit = row.pendingUnit.flatMap(TimeLimit.Unit.init) else {
                throw CasesError.noRequestPending
            }
            row.pendingRequest = nil
            if action == .approveExtension {
                // The extra time runs from the current deadline (or now, if it has passed).
                let base = max(row.deadlineAt ?? now, now)
                row.extended = true
                schedule(&row, from: base, limit: TimeLimit(amount, unit), calendar: reference.calendar, deferred, resetMarks: true, start: now)
            }
            return [event(from)]
        case .approvePark, .refusePark:
            guard row.pendingRequest == "park" else { throw CasesError.noRequestPending }
            row.pendingRequest = nil
            if action == .approvePark {
                row.state = CaseState.parked.rawValue
                return [event(.parked, note: [row.pendingReason, input.note].compactMap { $0 }.joined(separator: "；"))]
            }
            return [event(from)]
        case .unpark:
            row.state = CaseState.handling.rawValue
            schedule(&row, from: now, limit: reference.limit(for: row), calendar: reference.calendar, deferred)
            return [event(.handling)]
        case .escalate:
            row.escalations += 1
            return [event(from, note: input.note ?? "督办")]
        case .merge:
            guard let into = input.into, into != row.number else {
                throw CasesError.badMerge(zh: "请给出要并入的另一案件编号", en: "Name another case to merge into")
            }
            guard let master = try await CaseRow.load(into, forUpdate: true, dialect: store.dialect, on: db),
                  let masterDivision = DivisionCode(master.divisionCode), caller.canSee(masterDivision) else {
                throw CasesError.unknownCase
            }
            guard master.caseState.isOpen, master.mergedInto == nil else {
                throw CasesError.badMerge(zh: "只能并入未办结的案件", en: "A case can only be merged into an open case")
            }
            row.state = CaseState.merged.rawValue
            row.mergedInto = master.number
            row.pendingRequest = nil
            try await appendEvents([Event(action: "mergedFrom", from: master.caseState, to: master.caseState, actor: caller.auditActor,
                                          organisation: master.organisationCode, note: row.number)], to: master, at: now, on: db, deferred)
            return [event(.merged, note: [into, input.note].compactMap { $0 }.joined(separator: "；"))]
        }
    }

    /// Registers a reported case and, when a routing rule covers it, dispatches it at once.
    private func register(_ row: inout CaseRow, at now: Date, by caller: Principal, note: String? = nil, reference: CatalogueCache.Snapshot,
                          _ deferred: BatchedWrites) async throws -> [Event] {
        row.state = CaseState.registered.rawValue
        row.registeredAt = now
        var events = [Event(action: "register", from: .reported, to: .registered, actor: caller.auditActor, organisation: caller.organisationCode, note: note)]
        if let organisation = reference.route(category: row.categoryCode, division: row.divisionCode) {
            events += try await dispatch(&row, to: organisation, at: now, actor: "system:router", note: "按派遣规则自动派遣", reference: reference, deferred)
        }
        return events
    }

    private func dispatch(_ row: inout CaseRow, to organisation: String, at now: Date, actor: String, note: String?, reference: CatalogueCache.Snapshot,
                          _ deferred: BatchedWrites) async throws -> [Event] {
        let from = row.caseState
        row.state = CaseState.dispatched.rawValue
        row.organisationCode = organisation
        row.dispatchedAt = now
        row.acceptedAt = nil
        schedule(&row, from: now, limit: reference.limit(for: row), calendar: reference.calendar, deferred)
        return [Event(action: "dispatch", from: from, to: .dispatched, actor: actor, organisation: organisation, note: note)]
    }

    /// Sets the handling deadline `limit` after `base` and schedules its two checks (a warning at
    /// 80% of the time from `start`, the overdue mark at the deadline) as jobs in this transaction.
    private func schedule(_ row: inout CaseRow, from base: Date, limit: TimeLimit, calendar: WorkCalendar, _ deferred: BatchedWrites, resetMarks: Bool = true,
                          start: Date? = nil) {
        let deadline = calendar.deadline(from: base, limit)
        for year in calendar.missingYears(from: base, to: deadline) where warnedYears.first(year) {
            logger.warning("no working-day schedule for \(year): deadlines count Monday to Friday and may be wrong; load the year's schedule",
                           metadata: ["year": "\(year)"])
        }
        row.deadlineAt = deadline
        if resetMarks {
            row.warnedAt = nil
            row.overdueAt = nil
        }
        let begin = start ?? base
        let warnAt = begin.addingTimeInterval(max(0, deadline.timeIntervalSince(begin)) * 0.8)
        let jobs = [("warn", warnAt), ("overdue", deadline)].map { stage, runAt in
            let payload = DeadlineCheck(division: row.divisionCode, number: row.number, deadline: deadline.millisecondISO8601, stage: stage)
            return NewJob(kind: Self.deadlineJob, payload: payload.json, dedupeKey: "\(Self.deadlineJob):\(row.number):\(payload.deadline):\(stage)", runAt: runAt)
        }
        deferred.enqueue(jobs, now: clock.now())
    }

    /// Closing a case closes the cases merged into it: their reporters are told the outcome.
    private func closeMerged(into master: CaseRow, at now: Date, by caller: Principal, on db: any SQLDatabase, _ deferred: BatchedWrites) async throws -> [Event] {
        let merged = try await db.raw("SELECT * FROM cases WHERE merged_into = \(bind: master.number)")
            .all(decoding: CaseRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        for var row in merged {
            row.closedAt = now
            row.updatedAt = now
            try await row.update(on: db)
            try await appendEvents([Event(action: "outcome", from: .merged, to: .merged, actor: caller.auditActor, organisation: master.organisationCode,
                                          note: "并入的案件 \(master.number) 已结案，已告知反映人")], to: row, at: now, on: db, deferred)
            deferred.record([NewChange(module: "cases", recordType: "case", recordKey: row.number, divisionCode: row.divisionCode,
                                       operation: .updated, fields: ["closedAt"], actor: caller.auditActor)], at: now)
        }
        return merged.isEmpty ? [] : [Event(action: "toldMerged", from: .closed, to: .closed, actor: caller.auditActor, organisation: master.organisationCode,
                                           note: merged.map(\.number).joined(separator: ","))]
    }

    /// The timeline events, the audit entry and the change-log row of a change (the row itself,
    /// its `updated_at` included, is written by the caller).
    @discardableResult
    func finish(_ row: CaseRow, events: [Event], operation: ChangeOperation, action: String, by caller: Principal, origin: AuditOrigin,
                at now: Date, on db: any SQLDatabase, _ deferred: BatchedWrites) async throws -> [CaseEvent] {
        let timeline = try await appendEvents(events, to: row, at: now, new: operation == .created, on: db, deferred)
        deferred.audit(AuditEntry(actor: caller.auditActor, action: action, recordType: "case", recordID: row.number, divisionCode: row.divisionCode,
                                  origin: origin, detail: events.map { "\($0.action)→\($0.to.rawValue)" }.joined(separator: ", ")), at: now)
        deferred.record([NewChange(module: "cases", recordType: "case", recordKey: row.number, divisionCode: row.divisionCode, operation: operation,
                                   fields: operation == .created ? CaseRow.columns : ["state"] + events.map(\.action), actor: caller.auditActor)], at: now)
        return timeline
    }

    /// Appends `events` to the case's timeline in one insert; a new case's timeline starts at 1 and
    /// goes in with the batch's other new cases (nobody reads it back in this transaction).
    @discardableResult
    private func appendEvents(_ events: [Event], to row: CaseRow, at now: Date, new: Bool = false, on db: any SQLDatabase,
                              _ deferred: BatchedWrites) async throws -> [CaseEvent] {
        guard !events.isEmpty else { return [] }
        struct Last: Decodable { let seq: Int? }
        let last = new ? 0 : try await db.raw("SELECT MAX(seq) AS seq FROM case_events WHERE division_code = \(bind: row.divisionCode) AND number = \(bind: row.number)")
            .first(decoding: Last.self)?.seq ?? 0
        let timeline = events.enumerated().map { i, e in
            CaseEvent(seq: last + i + 1, at: now, actor: e.actor, action: e.action, fromState: e.from, toState: e.to, organisationCode: e.organisation, note: e.note)
        }
        if new {
            for e in timeline {
                deferred.insert(into: "case_events", columns: Self.eventColumns,
                                values: [row.divisionCode, row.number, e.seq, now, e.actor, e.action, e.fromState?.rawValue, e.toState.rawValue,
                                         e.organisationCode, e.note])
            }
            return timeline
        }
        var query = SQLQueryString("INSERT INTO case_events (" + Self.eventColumns.joined(separator: ", ") + ") VALUES ")
        for (i, e) in timeline.enumerated() {
            if i > 0 { query += ", " }
            query += """
                (\(bind: row.divisionCode), \(bind: row.number), \(bind: e.seq), \(bind: now), \(bind: e.actor), \(bind: e.action), \(bind: e.fromState?.rawValue), \
                \(bind: e.toState.rawValue), \(bind: e.organisationCode), \(bind: e.note))
                """
        }
        try await db.raw(query).run()
        return timeline
    }

    static let eventColumns = ["division_code", "number", "seq", "at", "actor", "action", "from_state", "to_state", "organisation_code", "note"]

    /// The reference data, checked once per transaction (once for a whole batch of intakes).
    func snapshot(on db: any SQLDatabase, _ deferred: BatchedWrites) async throws -> CatalogueCache.Snapshot {
        try await deferred.memo("cases.catalogue") { try await reference.snapshot(on: db) }
    }

    // MARK: Photos

    /// Photos checked by their bytes (JPEG, PNG or WebP), at most `Photo.maxCount` of at most
    /// `Photo.maxSize` each; with their content types.
    static func checked(_ photos: [Photo]) throws -> [(Photo, String)] {
        guard photos.count <= Photo.maxCount else {
            throw CasesError.badAttachment(zh: "每次最多 \(Photo.maxCount) 张照片", en: "At most \(Photo.maxCount) photos at a time")
        }
        return try photos.enumerated().map { i, photo in
            guard photo.data.count <= Photo.maxSize else {
                throw CasesError.badAttachment(zh: "第 \(i + 1) 张照片超过 \(Photo.maxSize >> 20) MB", en: "Photo \(i + 1) is larger than \(Photo.maxSize >> 20) MB")
            }
            guard let type = photo.contentType else {
                throw CasesError.badAttachment(zh: "第 \(i + 1) 张不是 JPEG、PNG 或 WebP 图片", en: "Photo \(i + 1) is not a JPEG, PNG or WebP image by its bytes")
            }
            return (photo, type)
        }
    }

    /// Describes each photo in `case_attachments` and hands its bytes to the photo storage, in the
    /// caller's transaction; returns the descriptions.
    @discardableResult
    func store(_ photos: [(Photo, String)], stage: String, of row: CaseRow, by caller: Principal, at now: Date, on db: any SQLDatabase) async throws -> [CaseAttachment] {
        var stored: [CaseAttachment] = []
        for (photo, type) in photos {
            let digest = SHA256.hash(data: photo.data).map { String(format: "%02x", $0) }.joined()
            let id = UUID().uuidString.lowercased()
            try await db.raw("""
                INSERT INTO case_attachments (division_code, number, id, stage, content_type, size, sha256, data, actor, created_at)
                VALUES (\(bind: row.divisionCode), \(bind: row.number), \(bind: id), \(bind: stage), \(bind: type),
                        \(bind: photo.data.count), \(bind: digest), \(bind: Data()), \(bind: caller.auditActor), \(bind: now))
                """).run()
            try await self.photos.put(photo.data, for: PhotoKey(divisionCode: row.divisionCode, number: row.number, id: id), on: db)
            stored.append(CaseAttachment(id: id, stage: stage, contentType: type, size: photo.data.count, sha256: digest, createdAt: now))
        }
        return stored
    }

    /// Adds one photo at the step the case is at: the reporter's (or an inspector's or the command
    /// center's) before dispatch, the handling department's while it is dispatched or handled, the
    /// inspector's while it waits for verification; up to `Photo.maxCount` a step. Checked by its
    /// bytes, kept by the photo storage, noted in the timeline, audited, in the change log.
    public func addPhoto(_ number: String, _ photo: Photo, by caller: Principal, origin: AuditOrigin) async throws -> CaseAttachment {
        let checked = try Self.checked([photo])
        let now = clock.now()
        let dialect = store.dialect
        return try await store.write(deferring: { db, deferred in
            guard let row = try await CaseRow.load(number, forUpdate: true, dialect: dialect, on: db), try canRead(row, caller) else {
                throw CasesError.unknownCase
            }
            let state = row.caseState
            let admin = caller.roles.contains(.platformAdmin)
            let reporter = row.reporterAccount == caller.auditActor || admin || !caller.roles.isDisjoint(with: [.commandOperator, .inspector])
            let department = admin || (caller.roles.contains(.departmentHandler) && caller.organisationCode == row.organisationCode)
            let inspector = admin || caller.roles.contains(.inspector)
            let stage: String
            switch state {
            case .reported, .registered:
                guard reporter else { throw CasesError.photoNotNow(state) }
                stage = "report"
            case .dispatched, .handling:
                guard department else { throw CasesError.photoNotNow(state) }
                stage = "feedback"
            case .reportedBack:
                guard inspector else { throw CasesError.photoNotNow(state) }
                stage = "verify"
            default:
                throw CasesError.photoNotNow(state)
            }
            struct Count: Decodable { let n: Int }
            let held = try await db.raw("""
                SELECT COUNT(*) AS n FROM case_attachments WHERE division_code = \(bind: row.divisionCode) AND number = \(bind: row.number) AND stage = \(bind: stage)
                """).first(decoding: Count.self)?.n ?? 0
            guard held < Photo.maxCount else { throw CasesError.photoNotNow(state) }
            let stored = try await store(checked, stage: stage, of: row, by: caller, at: now, on: db)
            try await db.raw("UPDATE cases SET updated_at = \(bind: now) WHERE division_code = \(bind: row.divisionCode) AND number = \(bind: row.number)").run()
            try await finish(row, events: [Event(action: "photo", from: state, to: state, actor: caller.auditActor, organisation: row.organisationCode, note: stage)],
                             operation: .updated, action: "cases.photo", by: caller, origin: origin, at: now, on: db, deferred)
            return stored[0]
        })
    }

    /// A photo's bytes, for whoever may see its case.
    public func photo(_ number: String, id: String, by caller: Principal) async throws -> (CaseAttachment, Data) {
        let storage = photos
        let (row, found, data) = try await store.read { db -> (CaseRow?, CaseAttachment?, Data?) in
            let row = try await CaseRow.load(number, forUpdate: false, dialect: store.dialect, on: db)
            let found = try await db.raw("SELECT id, stage, content_type, size, sha256, created_at FROM case_attachments WHERE division_code = \(bind: row?.divisionCode ?? "") AND number = \(bind: number) AND id = \(bind: id)")
                .first(decoding: CaseAttachment.self, keyDecodingStrategy: .convertFromSnakeCase)
            guard let row, found != nil else { return (row, found, nil) }
            return (row, found, try await storage.get(PhotoKey(divisionCode: row.divisionCode, number: number, id: id), on: db))
        }
        guard let row, try canRead(row, caller), let found, let data else { throw CasesError.unknownCase }
        return (found, data)
    }

    // MARK: Reading

    /// A case with its timeline and photos, for staff whose scope covers it and for the citizen
    /// or system that filed it. The reporter is shown plain to the command center (who calls
    /// back) and to the filer, masked to everyone else.
    public func detail(_ number: String, by caller: Principal, origin: AuditOrigin) async throws -> CaseDetail {
        struct Name: Decodable { let name: String }
        let (row, events, attachments, category) = try await store.read { db -> (CaseRow?, [CaseEvent], [CaseAttachment], String?) in
            guard let row = try await CaseRow.load(number, forUpdate: false, dialect: store.dialect, on: db) else { return (nil, [], [], nil) }
            let events = try await db.raw("SELECT * FROM case_events WHERE division_code = \(bind: row.divisionCode) AND number = \(bind: number) ORDER BY seq")
                .all(decoding: CaseEvent.self, keyDecodingStrategy: .convertFromSnakeCase)
            let attachments = try await db.raw("""
                SELECT id, stage, content_type, size, sha256, created_at FROM case_attachments
                WHERE division_code = \(bind: row.divisionCode) AND number = \(bind: number) ORDER BY created_at, id
                """).all(decoding: CaseAttachment.self, keyDecodingStrategy: .convertFromSnakeCase)
            let category = try await db.raw("SELECT name FROM case_categories WHERE code = \(bind: row.categoryCode)").first(decoding: Name.self)?.name
            return (row, events, attachments, category)
        }
        guard let row, try canRead(row, caller) else { throw CasesError.unknownCase }
        return CaseDetail(item: row.view(masked: !Self.seesReporter(caller, row), categoryName: category), timeline: events, attachments: attachments)
    }

    private func canRead(_ row: CaseRow, _ caller: Principal) throws -> Bool {
        if caller.kind == .citizen { return row.reporterAccount == caller.auditActor }
        guard let division = DivisionCode(row.divisionCode) else { return false }
        return caller.canSee(division) || (caller.kind == .apiKey && row.reporterAccount == caller.auditActor)
    }

    static func seesReporter(_ caller: Principal, _ row: CaseRow) -> Bool {
        caller.roles.contains(.commandOperator) || caller.roles.contains(.platformAdmin) || row.reporterAccount == caller.auditActor
    }

    /// Who may file on which channel: the hotline's operators, inspectors in the field, citizens
    /// on the portal, other systems by API key (and Open311 clients, which are systems).
    private func requireIntake(_ caller: Principal, channel: CaseChannel? = nil) throws {
        switch caller.kind {
        case .citizen:
            guard channel == nil || channel == .citizen else {
                throw CasesError.invalidField("channel", zh: "市民只能通过市民渠道上报", en: "A citizen reports on the citizen channel")
            }
        case .apiKey:
            guard channel == nil || channel == .system || channel == .open311 else {
                throw CasesError.invalidField("channel", zh: "外部系统通过 system 或 open311 渠道上报", en: "A system files on the system or open311 channel")
            }
        case .staff, .commandLine:
            switch channel {
            case .hotline: try caller.require(anyOf: .commandOperator)
            case .inspector: try caller.require(anyOf: .inspector)
            case .citizen, .open311, .system:
                throw CasesError.invalidField("channel", zh: "工作人员通过热线或监督员渠道上报", en: "Staff file on the hotline or inspector channel")
            case nil: try caller.require(anyOf: .commandOperator, .inspector, .dispatcher)
            }
        }
    }
}

/// What a deadline job checks: the deadline it was scheduled for (a later extension makes it moot).
struct DeadlineCheck: Codable {
    let division: String
    let number: String
    let deadline: String
    let stage: String

    /// The job's payload, written without an encoder: two are made for every case dispatched.
    var json: String {
        "{\"division\":\(Text.jsonQuoted(division)),\"number\":\(Text.jsonQuoted(number)),\"deadline\":\(Text.jsonQuoted(deadline)),\"stage\":\(Text.jsonQuoted(stage))}"
    }
}

/// Years already warned about, once per process.
final class YearsWarned: Sendable {
    private let years = Mutex<Set<Int>>([])
    /// True the first time `year` is asked about.
    func first(_ year: Int) -> Bool { years.withLock { $0.insert(year).inserted } }
}
