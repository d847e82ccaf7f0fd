import Hummingbird
import NIOCore
import Synchronization

/// The router's (method, path pattern) pairs, filled once the routes are registered.
final class RouteTable: Sendable {
    private let patterns = Mutex<[(method: String, components: [Substring])]>([])

    func load<Context>(_ router: Router<Context>) {
        let all = router.routes.map { (method: $0.method.rawValue, components: $0.path.description.split(separator: "/")) }
        patterns.withLock { $0 = all }
    }

    /// The methods some route accepts for `path`, sorted (empty when no route has this path).
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        let all = patterns.withLock { $0 }
        var methods = Set<String>()
        for pattern in all where Self.matches(pattern.components, parts) { methods.insert(pattern.method) }
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods.sorted()
    }

    static func matches(_ pattern: [Substring], _ parts: [Substring]) -> Bool {
        var i = 0
        for component in pattern {
            if component == "**" { return true }
            guard i < parts.count else { return false }
            if !(component.hasPrefix("{") || component == "*" || component == parts[i]) { return false }
            i += 1
        }
        return i == parts.count
    }
}
