import CityCore
import Foundation

/// A department that sends legal-entity records to the registry (法人库).
public enum EntitySource: String, Sendable, Codable, CaseIterable {
    /// Market regulation: enterprises, individual businesses and cooperatives (the business register).
    case marketRegulation = "market-regulation"
    /// Civil affairs: social groups, private non-enterprise units, foundations.
    case civilAffairs = "civil-affairs"
    /// Human resources and social security: employers' insurance registration.
    case hrss

    /// A department as `--source` names it: its short name or its organisation code (`411600-AMR`, `…-MCA`, `…-HRSS`).
    public init?(department: String) {
        if let source = EntitySource(rawValue: department) {
            self = source
            return
        }
        guard let dash = department.lastIndex(of: "-"), DivisionCode(String(department[..<dash])) != nil else { return nil }
        switch department[department.index(after: dash)...] {
        case "AMR": self = .marketRegulation
        case "MCA": self = .civilAffairs
        case "HRSS": self = .hrss
        default: return nil
        }
    }
}

/// A field of a legal entity that sources send and the golden record settles.
public enum EntityField: String, Sendable, Codable, CaseIterable {
    case name, kind, legalRepIdNumber, address, divisionCode, status, statusDate, businessScope

    /// The field's column in the entity tables and its name in files and change-log entries.
    public var column: String {
        switch self {
        case .name: "name"
        case .kind: "kind"
        case .legalRepIdNumber: "legal_rep_id_number"
        case .address: "address"
        case .divisionCode: "division_code"
        case .status: "status"
        case .statusDate: "status_date"
        case .businessScope: "business_scope"
        }
    }
}

/// The states a legal entity can be in.
public enum EntityStatus: String, Sendable, Codable, CaseIterable {
    case active, revoked, cancelled
}

/// The kinds of legal entity (GB 32100's registering authorities and categories).
public enum EntityKind {
    public static let all = ["enterprise", "individual-business", "cooperative", "organ", "public-institution", "mass-organisation", "social-group",
                             "private-non-enterprise", "foundation", "other"]
}

/// One department's record of one legal entity, as received.
public struct EntitySourceRecord: Sendable, Equatable {
    public let creditCode: CreditCode
    public let source: EntitySource
    public let receivedAt: Date
    public var values: [EntityField: String]

    public init(creditCode: CreditCode, source: EntitySource, receivedAt: Date, values: [EntityField: String]) {
        self.creditCode = creditCode
        self.source = source
        self.receivedAt = receivedAt
        self.values = values.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}

/// A golden-record value of a legal entity: the value chosen, where it came from, who says otherwise.
public struct EntityValue: Sendable, Equatable {
    public let value: String
    public let source: EntitySource
    public let receivedAt: Date
    public let disagreeing: [EntitySource]
}

/// A legal entity as the city knows it (GLOSSARY `LegalEntity`).
public struct LegalEntity: Sendable, Equatable {
    public let creditCode: CreditCode
    public let fields: [EntityField: EntityValue]
    public let sources: [EntitySource]

    /// Whether the code's registration division lies outside the city (a branch of a company
    /// registered elsewhere): accepted, and flagged in the quality report.
    public var registeredElsewhere: Bool {
        !(creditCode.divisionCode.map { DivisionCode.zhoukou.contains($0) } ?? false)
    }

    /// The golden record of an entity's source records, by the same rule as persons: the business
    /// register (market regulation) first for every field, then civil affairs (social organisations),
    /// then HRSS; the kind defaults to the one the code's first two characters name.
    public static func merge(_ records: [EntitySourceRecord]) -> LegalEntity? {
        guard let code = records.first?.creditCode else { return nil }
        let merged = GoldenMerge.merge(records.filter { $0.creditCode == code }.map { ($0.source, $0.receivedAt, $0.values) }, priority: [:])
        var fields = merged.fields.mapValues { EntityValue(value: $0.value, source: $0.source, receivedAt: $0.receivedAt, disagreeing: $0.disagreeing) }
        if fields[.kind] == nil { fields[.kind] = EntityValue(value: code.kind, source: merged.sources.first ?? .marketRegulation, receivedAt: .distantPast, disagreeing: []) }
        return LegalEntity(creditCode: code, fields: fields, sources: merged.sources)
    }
}

/// A row of a source department's entity file, checked.
public enum EntityRow {
    /// The columns an entities file must have; `status_date` and `business_scope` are optional.
    public static let columns = ["credit_code", "name", "kind", "legal_rep_id_number", "address", "division_code", "status"]

    public static func record(_ values: [String: String], source: EntitySource, receivedAt: Date, scope: DivisionScope,
                              today: Date) -> Result<EntitySourceRecord, RowRejection> {
        var reasons: [String] = []
        for (key, text) in values where Text.hasForbiddenControl(text) {
            reasons.append("\(key) holds a control character / \(key) 含控制字符")
        }
        guard reasons.isEmpty else { return .failure(RowRejection(reasons)) }
        func value(_ key: String) -> String? {
            let trimmed = values[key]?.trimmingCharacters(in: CharacterSet(charactersIn: " \t\u{3000}"))
            return trimmed?.isEmpty == false ? trimmed : nil
        }
        var code: CreditCode?
        if let text = value("credit_code") {
            do { code = try CreditCode.checked(text) } catch { reasons.append("credit_code: \(error)") }
        } else {
            reasons.append("credit_code is missing / 缺少统一社会信用代码")
        }
        var fields: [EntityField: String] = [:]
        if let name = value("name") {
            if name.count > 100 { reasons.append("name is longer than 100 characters / 名称超过 100 字") } else { fields[.name] = name }
        } else {
            reasons.append("name is missing / 缺少名称")
        }
        if let kind = value("kind") {
            if EntityKind.all.contains(kind) { fields[.kind] = kind } else { reasons.append("kind must be one of \(EntityKind.all.joined(separator: ", ")) / 类型无效") }
        }
        if let rep = value("legal_rep_id_number") {
            do { fields[.legalRepIdNumber] = try ResidentID.checked(rep, today: today).rawValue } catch { reasons.append("legal_rep_id_number: \(error)") }
        }
        if let address = value("address") {
            if address.count > 200 { reasons.append("address is longer than 200 characters / 地址超过 200 字") } else { fields[.address] = address }
        }
        if let text = value("division_code") {
            if let division = DivisionCode(text), scope.contains(division) {
                fields[.divisionCode] = division.rawValue
            } else {
                reasons.append("division_code \(text) is not a division within \(scope.root) / 行政区划代码不在 \(scope.root) 范围内")
            }
        } else {
            reasons.append("division_code is missing / 缺少行政区划代码")
        }
        if let status = value("status") {
            if EntityStatus(rawValue: status) != nil { fields[.status] = status } else { reasons.append("status must be active, revoked or cancelled / 状态应为 active、revoked 或 cancelled") }
        } else {
            reasons.append("status is missing / 缺少状态")
        }
        if let date = value("status_date") {
            if Self.isDate(date, notAfter: today) { fields[.statusDate] = date } else { reasons.append("status_date \(date) is not a date (YYYY-MM-DD) up to today / 状态日期无效") }
        }
        if let scope = value("business_scope") {
            if scope.count > 2_000 { reasons.append("business_scope is longer than 2000 characters / 经营范围超过 2000 字") } else { fields[.businessScope] = scope }
        }
        guard reasons.isEmpty, let code else { return .failure(RowRejection(reasons)) }
        return .success(EntitySourceRecord(creditCode: code, source: source, receivedAt: receivedAt, values: fields))
    }

    /// `YYYY-MM-DD` exactly (the persons' date rule, written in its canonical form), not after
    /// `today` (China's calendar day).
    static func isDate(_ text: String, notAfter today: Date) -> Bool {
        guard PersonRow.normalisedDate(text) == text, let day = Int(text.replacingOccurrences(of: "-", with: "")) else { return false }
        return day <= ResidentID.chinaDate(today)
    }
}
