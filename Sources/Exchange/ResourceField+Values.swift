import CityCore
import Foundation

extension ResourceField {
    /// The most characters a text value keeps.
    static let maxText = 4_000

    /// Reads a value as a CSV cell gives it (text): nil for an empty cell, the typed value, or why it is wrong.
    func value(fromText text: String) -> Result<JSONValue?, RowProblem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .success(nil) }
        switch type {
        case .integer:
            guard let n = Int64(trimmed) else { return .failure(problem("an integer", "整数")) }
            return .success(.number(Double(n)))
        case .number:
            guard let n = Double(trimmed), n.isFinite else { return .failure(problem("a number", "数值")) }
            return .success(.number(n))
        case .boolean:
            switch trimmed.lowercased() {
            case "true", "1", "是": return .success(.bool(true))
            case "false", "0", "否": return .success(.bool(false))
            default: return .failure(problem("true or false", "是/否（true/false）"))
            }
        default:
            return value(from: .string(text))
        }
    }

    /// Checks a value as JSON gives it: nil for null, the value as stored, or why it is wrong.
    func value(from json: JSONValue) -> Result<JSONValue?, RowProblem> {
        switch (type, json) {
        case (_, .null): return .success(nil)
        case (.integer, .number(let n)):
            guard n == n.rounded(), abs(n) < 9e15 else { return .failure(problem("an integer", "整数")) }
            return .success(json)
        case (.number, .number): return .success(json)
        case (.boolean, .bool): return .success(json)
        case (.integer, _), (.number, _), (.boolean, _):
            return .failure(problem(type == .boolean ? "true or false" : type == .integer ? "an integer" : "a number",
                                    type == .boolean ? "布尔值" : type == .integer ? "整数" : "数值"))
        case (_, .string(let raw)):
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return .success(nil) }
            guard !Text.hasForbiddenControl(text) else { return .failure(RowProblem(field: name, zh: "\(name) 含有控制字符", en: "\(name) holds control characters")) }
            switch type {
            case .string:
                guard text.count <= Self.maxText else { return .failure(problem("at most \(Self.maxText) characters", "不超过 \(Self.maxText) 个字符")) }
                return .success(.string(text))
            case .date:
                guard Self.isDate(text) else { return .failure(problem("a date YYYY-MM-DD", "日期（YYYY-MM-DD）")) }
                return .success(.string(text))
            case .idNumber:
                do { return .success(.string(try ResidentID.checked(text).rawValue)) } catch {
                    return .failure(RowProblem(field: name, zh: "\(name) 不是有效的公民身份号码：\(error.messageZh)", en: "\(name) is not a valid resident ID number: \(error.messageEn)"))
                }
            case .creditCode:
                do { return .success(.string(try CreditCode.checked(text).rawValue)) } catch {
                    return .failure(RowProblem(field: name, zh: "\(name) 不是有效的统一社会信用代码：\(error.messageZh)", en: "\(name) is not a valid credit code: \(error.messageEn)"))
                }
            case .phone:
                guard let phone = Phone.normalised(text) else { return .failure(problem("a mobile or landline number", "手机或固定电话号码")) }
                return .success(.string(phone))
            case .divisionCode:
                guard let code = DivisionCode(text) else { return .failure(problem("a six-digit division code", "六位行政区划代码")) }
                return .success(.string(code.rawValue))
            case .integer, .number, .boolean:
                return .failure(problem("a value of its type", "正确类型的值"))
            }
        default:
            return .failure(problem(type == .string ? "text" : "a text value", "文本"))
        }
    }

    private func problem(_ en: String, _ zh: String) -> RowProblem {
        RowProblem(field: name, zh: "\(name) 应为\(zh)", en: "\(name) must be \(en)")
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), y >= 1 else { return false }
        return (1...ResidentID.days(inMonth: m, year: y)).contains(d)
    }
}

/// Why one row of an upload was refused: the field at fault and the reason in both languages.
public struct RowProblem: Error, Sendable, Equatable {
    public let field: String?
    public let zh: String
    public let en: String
}
