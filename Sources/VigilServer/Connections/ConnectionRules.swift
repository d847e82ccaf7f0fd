public import SafeFetch
import Synchronization

/// What a connection must do to stay open, and how many one address may hold. Slow clients
/// cost a connection each for as long as they are let be slow: a request's headers must arrive
/// within `headerTimeout`, its body at `minimumBodyRate` on average once `bodyGrace` has passed
/// (and, when it was answered before its body ended, a 413 say, within `bodyGrace` after that),
/// and one address holds at most `perAddress` connections (a trusted proxy, which carries
/// everyone's, is not counted). The server as a whole takes at most `maxConnections` at once
/// (further ones wait in the listen backlog).
public struct ConnectionRules: Sendable {
    public var headerTimeout: Duration = .seconds(10)
    public var minimumBodyRate = 1024
    public var bodyGrace: Duration = .seconds(10)
    /// The most body bytes read after a request was answered before its body ended (a 413): a
    /// client that sends its whole body first still gets its answer, within this.
    public var drainBytes = 64 << 20
    public var perAddress = 128
    public var maxConnections = 1024
    /// Addresses whose connections are not counted against `perAddress`.
    public var trustedProxies: [IPRange] = []

    public init() {}
}

/// Connections open per remote address, shared by every connection of the server.
final class AddressCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts one more connection from `address`; false (and nothing counted) past `limit`.
    func open(_ address: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let now = counts[address, default: 0]
            guard now < limit else { return false }
            counts[address] = now + 1
            return true
        }
    }

    func close(_ address: String) {
        counts.withLock { counts in
            let left = counts[address, default: 1] - 1
            counts[address] = left > 0 ? left : nil
        }
    }

    func count(_ address: String) -> Int { counts.withLock { $0[address, default: 0] } }
}
