import CityCore
import Foundation

/// A row of a source department's person file, checked: the record it makes, or why it was refused.
public enum PersonRow {
    /// The columns a persons file must have (CSV header or NDJSON keys); others are ignored.
    public static let columns = ["id_number", "name", "sex", "birth_date", "phone", "address", "division_code"]

    /// The record a row makes, or the reasons it is refused (every reason, not only the first).
    /// `scope` bounds the residence division (the importer's scope: the city for an operator).
    public static func record(_ values: [String: String], source: PersonSource, receivedAt: Date, scope: DivisionScope,
                              today: Date) -> Result<PersonSourceRecord, RowRejection> {
        var reasons: [String] = []
        func value(_ key: String) -> String? {
            guard let raw = values[key] else { return nil }
            // Spaces and tabs (also the ideographic space) around a value are not part of it.
            func blank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\u{3000}" }
            guard let first = raw.firstIndex(where: { !blank($0) }), let last = raw.lastIndex(where: { !blank($0) }) else { return nil }
            return first == raw.startIndex && last == raw.index(before: raw.endIndex) ? raw : String(raw[first...last])
        }
        for (key, text) in values where Text.hasForbiddenControl(text) {
            reasons.append("\(key) holds a control character / \(key) 含控制字符")
        }
        guard reasons.isEmpty else { return .failure(RowRejection(reasons)) }

        var id: ResidentID?
        if let text = value("id_number") {
            do { id = try ResidentID.checked(text, today: today) } catch { reasons.append("id_number: \(error)") }
        } else {
            reasons.append("id_number is missing / 缺少身份证号码")
        }
        var fields: [PersonField: String] = [:]
        if let name = value("name") {
            if name.count > 64 { reasons.append("name is longer than 64 characters / 姓名超过 64 字") } else { fields[.name] = name }
        } else {
            reasons.append("name is missing / 缺少姓名")
        }
        if let text = value("sex") {
            switch text.lowercased() {
            case "male", "m", "1", "男": fields[.sex] = Sex.male.rawValue
            case "female", "f", "2", "女": fields[.sex] = Sex.female.rawValue
            default: reasons.append("sex must be male or female (男/女, 1/2), not \(text) / 性别应为男或女")
            }
        }
        if let text = value("birth_date") {
            if let date = normalisedDate(text) { fields[.birthDate] = date } else {
                reasons.append("birth_date \(text) is not a date as YYYY-MM-DD / 出生日期应为 YYYY-MM-DD")
            }
        }
        if let text = value("phone") {
            if let phone = Phone.normalised(text) { fields[.phone] = phone } else {
                reasons.append("phone \(text) is neither a mobile number (11 digits from 13-19) nor a landline (0394-1234567) / 电话号码格式不正确")
            }
        }
        if let text = value("address") {
            if text.count > 200 { reasons.append("address is longer than 200 characters / 地址超过 200 字") } else { fields[.address] = text }
        }
        if let text = value("division_code") {
            if let code = DivisionCode(text) {
                if scope.contains(code) { fields[.divisionCode] = code.rawValue } else {
                    reasons.append("division_code \(text) is outside \(scope.root) / 行政区划 \(text) 不在 \(scope.root) 范围内")
                }
            } else {
                reasons.append("division_code \(text) is not a six-digit GB/T 2260 code / 行政区划代码应为 6 位 GB/T 2260 代码")
            }
        } else {
            reasons.append("division_code is missing / 缺少行政区划代码")
        }
        guard let id, reasons.isEmpty else { return .failure(RowRejection(reasons)) }
        let record = PersonSourceRecord(idNumber: id, source: source, receivedAt: receivedAt, values: fields)
        let contradictions = record.contradictions
        guard contradictions.isEmpty else { return .failure(RowRejection(contradictions)) }
        return .success(record)
    }

    /// `1985-06-12` from `1985-06-12`, `19850612` or `1985/6/12`.
    static func normalisedDate(_ text: String) -> String? {
        let parts: [String]
        if text.count == 8, text.allSatisfy(\.isASCIIDigit) {
            parts = [String(text.prefix(4)), String(text.dropFirst(4).prefix(2)), String(text.suffix(2))]
        } else {
            parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" }).map(String.init)
        }
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), parts[0].count == 4,
              (1...12).contains(m), (1...ResidentID.days(inMonth: m, year: y)).contains(d) else { return nil }
        func padded(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(y, 4))-\(padded(m, 2))-\(padded(d, 2))"
    }
}

/// Why a row was refused: every reason found, in English and Chinese.
public struct RowRejection: Error, Sendable, Equatable {
    public let reasons: [String]
    public init(_ reasons: [String]) { self.reasons = reasons }
    public var description: String { reasons.joined(separator: "; ") }
}
