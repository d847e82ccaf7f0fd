public import Access
public import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Per-request state: who is calling and the id that ties the access log to the response.
public struct VigilRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var apiKey: APIKey?
    /// Set when a trusted reverse proxy vouched for the caller instead of a key.
    public var proxyRole: Role?
    /// The dashboard's signed-in browser (a person, or a key given at the sign-in form).
    public var session: Session?
    public var user: User?
    /// The session's CSRF token, for the forms of the page being rendered.
    public var csrfToken: String?
    public var requestID: String
    /// Shared with the middleware outside authentication (the access log), which sees only its
    /// own copy of the context.
    public let caller = CallerIdentity()
    public let remoteAddress: IPAddressText?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress.map(IPAddressText.init)
        requestID = RequestIDs.next()
    }

    /// The role the request acts with, if any.
    public var role: Role? { apiKey?.role ?? session?.role ?? proxyRole }

    /// Whether the caller holds the admin permission (for what a route allows only admins to do
    /// within what its own permission allows: pointing a credential somewhere new).
    public var isAdmin: Bool { role?.may(.administer) == true }

    /// Who the request acts as, for the audit log and for what it records: `key:ID`,
    /// `user:NAME`, `proxy:ROLE`.
    public var actor: String {
        apiKey.map { "key:\($0.id)" } ?? session?.actor ?? proxyRole.map { "proxy:\($0.rawValue)" } ?? "anonymous"
    }

    /// Bodies are read with explicit limits per route, not by the decoder's default.
    public var maxUploadSize: Int { 32 * 1024 * 1024 + 64 * 1024 }
}

/// Who made the request, filled in by authentication.
public final class CallerIdentity: Sendable {
    private let key = Mutex<Int64?>(nil)
    public var keyID: Int64? { key.withLock { $0 } }
    func set(keyID: Int64) { key.withLock { $0 = keyID } }
}

/// A peer address as text; kept as text so the context stays independent of NIO types.
public struct IPAddressText: Sendable, Hashable {
    public let value: String
    init(_ value: String) { self.value = value }
}

/// Short unique request ids: a random process prefix and a counter.
enum RequestIDs {
    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        return String(UInt32.random(in: .min ... .max, using: &generator), radix: 36)
    }()
    private static let counter = AtomicCounter()

    static func next() -> String { "\(prefix)-\(String(counter.increment(), radix: 36))" }
}

extension VigilRequestContext {
    /// A path parameter that names a row by its id: a positive integer, or a 400 that says whose.
    func positiveID(_ parameter: String = "id", of what: String) throws -> Int64 {
        guard let id = Int64(try parameters.require(parameter)), id > 0 else { throw APIError.badRequest("\(what) id must be a positive integer") }
        return id
    }
}
