import Foundation

/// The routes the router serves, by path pattern, so a known path asked with an unknown method
/// gets 405 and the methods it allows.
final class RouteTable: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(components: [Substring], method: String)] = []

    /// Records the router's routes; called once the router is complete.
    func load(_ routes: [(path: String, method: String)]) {
        let parsed = routes.map { (components: $0.path.split(separator: "/"), method: $0.method) }
        lock.withLock { entries = parsed }
    }

    /// The methods served at `path`, sorted; empty when no route matches it.
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        let all = lock.withLock { entries }
        let methods = all.filter { entry in
            entry.components.count == parts.count && zip(entry.components, parts).allSatisfy { pattern, part in
                pattern.hasPrefix("{") || pattern == part
            }
        }.map(\.method)
        return Array(Set(methods)).sorted()
    }
}
