import CityCore
import Hummingbird

/// Typed values of a request's query, each refused with a 400 naming the parameter when it is sent and wrong.
extension Request {
    /// `true` or `false`; absent is false.
    func flag(_ name: String) throws -> Bool {
        switch uri.queryParameters[Substring(name)] {
        case nil, "false": return false
        case "true": return true
        default: throw RequestProblem.badQuery(name, zh: "\(name) 应为 true 或 false", en: "\(name) must be true or false")
        }
    }

    /// A GB/T 2260 division code, when sent.
    func division(_ name: String = "division") throws -> DivisionCode? {
        guard let text = uri.queryParameters[Substring(name)] else { return nil }
        guard let code = DivisionCode(String(text)) else {
            throw RequestProblem.badQuery(name, zh: "\(name) 应为 6、9 或 12 位行政区划代码", en: "\(name) must be a 6, 9 or 12 digit division code")
        }
        return code
    }
}
