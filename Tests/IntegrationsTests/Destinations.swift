import Integrations
import Synchronization

/// The destination rules of a unit test: hosts named in `refused` are refused, as the server's
/// rules refuse a private address, and every check is remembered.
final class Destinations: CredentialDestinations {
    let refused: Set<String>
    private let log = Mutex<[(url: String, resolving: Bool)]>([])

    init(refused: Set<String> = []) { self.refused = refused }

    var checks: [(url: String, resolving: Bool)] { log.withLock { $0 } }

    func check(_ integration: Integration, values: [String: String], resolving: Bool) async throws {
        for (field, url) in integration.destinations(values) {
            log.withLock { $0.append((url, resolving)) }
            if let host = Integration.origin(of: url)?.split(separator: "/").last.map(String.init), refused.contains(host) {
                throw DestinationRefused(field: field, reason: "\(host) is refused by the test's rules")
            }
        }
    }
}
