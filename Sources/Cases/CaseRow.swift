import CityCore
import CityStore
import Foundation
import SQLKit

/// A `cases` row as stored: every column, changed in place by `CaseDesk` and written back whole.
struct CaseRow: Codable, Sendable {
    var divisionCode: String
    var number: String
    var channel: String
    var kind: String?
    var categoryCode: String
    var urgency: String
    var state: String
    var description: String
    var lon: Double?
    var lat: Double?
    var address: String?
    var gridCode: String?
    var reporterName: String?
    var reporterPhone: String?
    var reporterIdNumber: String?
    var reporterAccount: String?
    var organisationCode: String?
    var reportedAt: Date
    var registeredAt: Date?
    var dispatchedAt: Date?
    var acceptedAt: Date?
    var reportedBackAt: Date?
    var closedAt: Date?
    var deadlineAt: Date?
    var warnedAt: Date?
    var overdueAt: Date?
    var escalations: Int
    var reworks: Int
    var returns: Int
    var extended: Bool
    var pendingRequest: String?
    var pendingAmount: Int?
    var pendingUnit: String?
    var pendingReason: String?
    var mergedInto: String?
    var handedOffTo: String?
    var callbackAt: Date?
    var solved: Bool?
    var satisfied: Bool?
    var updatedAt: Date
    /// The reporter's ID number names a resident of the persons registry (nil: no ID number given).
    var reporterRegistered: Bool?

    var caseState: CaseState { CaseState(rawValue: state) ?? .reported }

    static let columns = ["division_code", "number", "channel", "kind", "category_code", "urgency", "state", "description", "lon", "lat", "address",
                          "grid_code", "reporter_name", "reporter_phone", "reporter_id_number", "reporter_account", "organisation_code", "reported_at",
                          "registered_at", "dispatched_at", "accepted_at", "reported_back_at", "closed_at", "deadline_at", "warned_at", "overdue_at",
                          "escalations", "reworks", "returns", "extended", "pending_request", "pending_amount", "pending_unit", "pending_reason",
                          "merged_into", "handed_off_to", "callback_at", "solved", "satisfied", "updated_at", "reporter_registered"]

    /// The values in `columns` order.
    var binds: [any Encodable & Sendable] {
        [divisionCode, number, channel, kind, categoryCode, urgency, state, description, lon, lat, address, gridCode, reporterName, reporterPhone,
         reporterIdNumber, reporterAccount, organisationCode, reportedAt, registeredAt, dispatchedAt, acceptedAt, reportedBackAt, closedAt, deadlineAt,
         warnedAt, overdueAt, escalations, reworks, returns, extended, pendingRequest, pendingAmount, pendingUnit, pendingReason, mergedInto,
         handedOffTo, callbackAt, solved, satisfied, updatedAt, reporterRegistered]
    }

    func insert(on db: any SQLDatabase) async throws {
        var query = SQLQueryString("INSERT INTO cases (" + Self.columns.joined(separator: ", ") + ") VALUES (")
        for (i, value) in binds.enumerated() {
            if i > 0 { query += ", " }
            query += "\(bind: value)"
        }
        query += ")"
        try await db.raw(query).run()
    }

    /// Writes every column but the key back.
    func update(on db: any SQLDatabase) async throws {
        var query = SQLQueryString("UPDATE cases SET ")
        for (i, (column, value)) in zip(Self.columns, binds).enumerated().dropFirst(2) {
            if i > 2 { query += ", " }
            query += "\(unsafeRaw: column) = \(bind: value)"
        }
        query += " WHERE division_code = \(bind: divisionCode) AND number = \(bind: number)"
        try await db.raw(query).run()
    }

    /// The case numbered `number`, locked for the transaction on PostgreSQL (SQLite's one writer
    /// holds the whole file).
    static func load(_ number: String, forUpdate: Bool, dialect: Dialect, on db: any SQLDatabase) async throws -> CaseRow? {
        guard let division = CaseNumber.division(of: number) else { return nil }
        let lock: SQLQueryString = forUpdate ? dialect.forUpdate : ""
        return try await db.raw("SELECT * FROM cases WHERE division_code = \(bind: division) AND number = \(bind: number)\(lock)")
            .first(decoding: CaseRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The case as `masked` lets a reader see it.
    func view(masked: Bool, categoryName: String?) -> Case {
        let limit = pendingAmount.flatMap { amount in pendingUnit.flatMap(TimeLimit.Unit.init).map { TimeLimit(amount, $0) } }
        let hasReporter = reporterName != nil || reporterPhone != nil || reporterIdNumber != nil || reporterAccount != nil
        return Case(
            number: number, divisionCode: divisionCode, channel: CaseChannel(rawValue: channel) ?? .system, kind: kind.flatMap(HotlineKind.init),
            categoryCode: categoryCode, categoryName: categoryName, urgency: CaseUrgency(rawValue: urgency) ?? .normal, state: caseState,
            description: description, location: lon.flatMap { lon in lat.map { GeoPoint(lon: lon, lat: $0) } }, address: address, gridCode: gridCode,
            reporter: hasReporter ? Reporter(name: reporterName.map { masked ? Mask.name($0) : $0 }, phone: reporterPhone.map { masked ? Mask.phone($0) : $0 },
                                             idNumber: reporterIdNumber.map { masked ? Mask.idNumber($0) : $0 }, account: masked ? nil : reporterAccount,
                                             registeredResident: reporterRegistered) : nil,
            organisationCode: organisationCode, reportedAt: reportedAt, registeredAt: registeredAt, dispatchedAt: dispatchedAt, acceptedAt: acceptedAt,
            reportedBackAt: reportedBackAt, closedAt: closedAt, deadlineAt: deadlineAt, warnedAt: warnedAt, overdueAt: overdueAt,
            escalations: escalations, reworks: reworks, returns: returns, extended: extended,
            pendingRequest: pendingRequest.map { PendingRequest(kind: $0, limit: limit, reason: pendingReason ?? "") },
            mergedInto: mergedInto, handedOffTo: handedOffTo.flatMap(EmergencyLine.init),
            callback: callbackAt.map { Callback(at: $0, solved: solved ?? false, satisfied: satisfied ?? false) },
            updatedAt: updatedAt, masked: masked)
    }
}

/// Case numbers: the division code (6 digits), the day of intake in China (YYMMDD) and the day's
/// sequence in that division (5 digits): `41160226112500001`. Said over the phone, printed on
/// receipts, used as Open311's `service_request_id`; the division it starts with is the row's key.
enum CaseNumber {
    static func division(of number: String) -> String? {
        guard number.count == 17, number.allSatisfy(\.isASCIIDigit) else { return nil }
        return String(number.prefix(6))
    }

    /// The next number of `division` on the day of `date`, counted in the caller's transaction.
    static func next(division: String, at date: Date, on db: any SQLDatabase, _ deferred: BatchedWrites) async throws -> String {
        let day = String(WorkCalendar.dayKey(date).replacingOccurrences(of: "-", with: "").dropFirst(2))
        let seq = String(try await deferred.next(counter, key: [division, day], on: db))
        return division + day + String(repeating: "0", count: max(0, 5 - seq.count)) + seq
    }

    /// The day's last number per division.
    static let counter = BatchedWrites.Counter(table: "case_counters", keyColumns: ["division_code", "day"])
}
