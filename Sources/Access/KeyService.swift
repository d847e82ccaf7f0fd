public import Foundation
import Synchronization

/// The storage port for keys.
public protocol KeyStore: Sendable {
    func createKey(label: String, role: Role, digest: String, prefix: String, at time: Date) async throws -> APIKey
    func key(digest: String) async throws -> APIKey?
    func listKeys() async throws -> [APIKey]
    func revokeKey(id: Int64, at time: Date) async throws -> APIKey?
    func keyCount() async throws -> Int
}

/// Issues keys and checks them. A checked key is remembered for `cacheLifetime` so a busy
/// server does not query storage on every request; a revocation made by another process
/// therefore takes effect within that time.
public final class KeyService: Sendable {
    let store: any KeyStore
    public let cacheLifetime: Duration
    private let cache = Mutex<[String: (key: APIKey, until: ContinuousClock.Instant)]>([:])

    public init(store: any KeyStore, cacheLifetime: Duration = .seconds(30)) {
        self.store = store
        self.cacheLifetime = cacheLifetime
    }

    public func issue(role: Role, label: String) async throws -> IssuedKey {
        let label = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard label.count <= 200 else { throw AccessError.invalid("a key label is at most 200 characters") }
        let secret = KeySecret.generate()
        let key = try await store.createKey(label: label, role: role, digest: KeySecret.digest(secret),
                                            prefix: KeySecret.prefix(of: secret), at: Date())
        return IssuedKey(key: key, secret: secret)
    }

    /// The live key `secret` names, or nil for anything else (malformed, unknown, revoked).
    public func authenticate(_ secret: String) async throws -> APIKey? {
        guard KeySecret.isWellFormed(secret) else { return nil }
        let digest = KeySecret.digest(secret)
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[digest] }), cached.until > now { return cached.key }
        guard let key = try await store.key(digest: digest), !key.isRevoked else {
            cache.withLock { _ = $0.removeValue(forKey: digest) }
            return nil
        }
        cache.withLock { $0[digest] = (key, now + cacheLifetime) }
        return key
    }

    public func revoke(id: Int64) async throws -> APIKey {
        let live = try await store.listKeys().filter { !$0.isRevoked }
        if let target = live.first(where: { $0.id == id }), target.role == .admin, !live.contains(where: { $0.role == .admin && $0.id != id }) {
            throw AccessError.lastAdmin(id)
        }
        guard let key = try await store.revokeKey(id: id, at: Date()) else { throw AccessError.notFound("key \(id)") }
        cache.withLock { entries in entries = entries.filter { $0.value.key.id != id } }
        return key
    }

    public func list() async throws -> [APIKey] { try await store.listKeys() }

    /// Whether key `id` exists and is not revoked (a dashboard session opened with it ends when it is).
    public func isLive(id: Int64) async throws -> Bool {
        try await store.listKeys().contains { $0.id == id && !$0.isRevoked }
    }
    public func count() async throws -> Int { try await store.keyCount() }
}
