import Spans
import Basics
public import AsyncHTTPClient
public import Foundation
public import NIOCore
import NIOPosix
import Synchronization
import Tracing

/// The one way a request leaves Vigil: image fetches, PhotoDNA, the CyberTipline, NCMEC's hash
/// sharing, another Vigil, webhooks, credential tests. Every request's URL is http(s) without
/// credentials; its host is resolved once and every address checked against the address rules
/// (`--fetch-allow` is the one way to reach a non-global range); the connection is made to the
/// address that was checked, never to a second lookup's (no DNS-rebinding window); and no
/// redirect is followed here (a caller that follows one sends it through the gate again).
/// Each request sent is a client span of the current trace, and carries that trace (W3C
/// `traceparent`) to the service it calls. (The one request not sent here is the trace exporter's
/// own, to the collector the operator configured, like the database: no user names that address.)
public final class OutboundGate: Sendable {
    public let policy: FetchPolicy
    let resolver: any HostResolver
    let eventLoopGroup: any EventLoopGroup
    /// One client per (host, checked address): connections are kept alive and reused; a host
    /// that resolves elsewhere later gets a client of its own, pinned to that address.
    private let clients = Mutex<[String: HTTPClient]>([:])
    static let maxClients = 128
    /// Told of every request sent: for whom (an integration, or an image fetch), how it ended
    /// (its status class, or `error`), and how long until its answer's head arrived.
    private let observer = Mutex<(@Sendable (_ purpose: String, _ outcome: String, _ duration: Duration) -> Void)?>(nil)

    public init(policy: FetchPolicy = FetchPolicy(), resolver: any HostResolver = SystemResolver()) {
        self.policy = policy
        self.resolver = resolver
        self.eventLoopGroup = MultiThreadedEventLoopGroup.singleton
    }

    /// A client shutting down keeps itself alive until it is done, so the gate can go first.
    deinit {
        for client in clients.withLock({ Array($0.values) }) { client.shutdown { _ in } }
    }

    /// Checks a URL before anything is sent to it (a credential's endpoint when it is saved):
    /// http(s), no user name or password in it, and a host whose every address passes the rules.
    @discardableResult
    public func check(_ text: String) async throws(FetchError) -> URL {
        let url = try Self.parse(text)
        _ = try await checkedAddress(host: url.host(percentEncoded: false) ?? "")
        return url
    }

    /// Sends `request` (its URL checked as `check` does) to the checked address, and returns the
    /// response with its body still to be read. A refusal throws `FetchError` (nothing was sent);
    /// a connection refused or without a route throws `ConnectionNotMade`; any other failure of
    /// the exchange throws AsyncHTTPClient's own error, so a caller can tell a connection never
    /// made from a request that may have arrived.
    /// `purpose` names who sends it (`photodna`, `ncmec_cybertipline`, `webhook`, `image_fetch`, …)
    /// for the latency metrics; a refused request was never sent and is not timed.
    public func execute(_ request: HTTPClientRequest, deadline: NIODeadline, purpose: String) async throws -> HTTPClientResponse {
        let url = try Self.parse(request.url)
        let host = url.host(percentEncoded: false) ?? ""
        let address = try await checkedAddress(host: host)
        let started = ContinuousClock.now
        let observe = observer.withLock { $0 }
        // The span names the service, never the URL (a query can hold a key, an image's address
        // is the platform's user's); an integration's host is the operator's, an image's is not.
        // The trace goes on to the services the operator configured, not to an image's host.
        let span = startSpan("HTTP \(request.method.rawValue) \(purpose)", ofKind: .client)
        defer { span.end() }
        span.attributes["vigil.outbound.purpose"] = purpose
        span.attributes["http.request.method"] = request.method.rawValue
        var request = request
        if purpose != Self.imageFetch {
            span.attributes["server.address"] = host
            InstrumentationSystem.instrument.inject(span.context, into: &request, using: TraceHeaders())
        }
        do {
            let response = try await client(host: host, address: address).execute(request, deadline: deadline)
            observe?(purpose, "\(response.status.code / 100)xx", ContinuousClock.now - started)
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            return response
        } catch {
            TracedSpan.failed(span, error)
            observe?(purpose, "error", ContinuousClock.now - started)
            let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
            throw ConnectionNotMade(error, host: host, port: port) ?? error
        }
    }

    /// The purpose of a fetch of an image at an address someone else gave.
    public static let imageFetch = "image_fetch"

    /// Sets who is told of each request sent (the server's metrics).
    public func observe(_ body: @escaping @Sendable (_ purpose: String, _ outcome: String, _ duration: Duration) -> Void) {
        observer.withLock { $0 = body }
    }

    /// Whether every address of `url`'s host is in a range the operator named with
    /// `--fetch-allow`: their leave for a fixed service's credential to use a place of their own
    /// (a local mock, a proxy on their network).
    public func isOperatorAllowed(_ text: String) async throws(FetchError) -> Bool {
        let url = try Self.parse(text)
        let addresses = try await resolve(url.host(percentEncoded: false) ?? "")
        return !addresses.isEmpty && addresses.allSatisfy(policy.allows)
    }

    /// The addresses of `host` (itself when it is an address literal).
    func resolve(_ host: String) async throws(FetchError) -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        do {
            return try await resolver.resolve(host: host)
        } catch let error as FetchError {
            throw error
        } catch {
            throw .resolution(host: host, reason: Self.describe(error))
        }
    }

    /// The client pinned to `address` for `host` (TLS still verifies the certificate for `host`).
    func client(host: String, address: IPAddress) -> HTTPClient {
        let key = "\(host)|\(address)"
        let (client, evicted) = clients.withLock { clients -> (HTTPClient, [HTTPClient]) in
            if let known = clients[key] { return (known, []) }
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .nanoseconds(policy.connectTimeout.nanoseconds), read: .seconds(120)))
            configuration.redirectConfiguration = .disallow
            configuration.decompression = .enabled(limit: .ratio(20))
            configuration.connectionPool = .init(idleTimeout: .seconds(60))
            // A refused connection fails at once (the pool would retry it until the connect timeout).
            configuration.connectionPool.retryConnectionEstablishment = false
            if IPAddress(host) == nil { configuration.dnsOverride = [host: address.description] }
            // The gate makes the request's span itself: AsyncHTTPClient's own would record the
            // full URL (an image's address, a query's token) and send a second traceparent.
            configuration.tracing.tracer = nil
            let made = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
            var evicted: [HTTPClient] = []
            if clients.count >= Self.maxClients {
                evicted = Array(clients.values)
                clients.removeAll()
            }
            clients[key] = made
            return (made, evicted)
        }
        // Requests under way on them finish first: shutdown waits for them.
        for old in evicted { old.shutdown { _ in } }
        return client
    }

    /// Resolves `host` once and returns the address to connect to, or the rule that refuses it.
    /// Every address the name has must pass, so a name cannot mix a public and a private answer.
    func checkedAddress(host: String) async throws(FetchError) -> IPAddress {
        let addresses = try await resolve(host)
        guard let first = addresses.first else { throw .resolution(host: host, reason: "no addresses") }
        for address in addresses where !policy.allows(address) {
            if let rule = AddressRules.nonGlobalReason(address) {
                throw .refusedAddress(host: host, address: address.description, rule: rule)
            }
        }
        return first
    }

    public static func parse(_ text: String) throws(FetchError) -> URL {
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), let scheme = url.scheme?.lowercased() else {
            throw .invalidURL(text)
        }
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme(scheme) }
        guard let host = url.host(percentEncoded: false), !host.isEmpty else { throw .invalidURL(text) }
        guard url.user == nil, url.password == nil else { throw .credentialsInURL }
        return url
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? ConnectionNotMade { return error.description }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timeout"
            case .deadlineExceeded, .readTimeout: return "timeout"
            default: break
            }
        }
        return String(describing: error).prefix(200).description
    }
}

/// Writes the trace's headers into an outbound request's.
struct TraceHeaders: Injector {
    func inject(_ value: String, forKey key: String, into request: inout HTTPClientRequest) {
        request.headers.replaceOrAdd(name: key, value: value)
    }
}
