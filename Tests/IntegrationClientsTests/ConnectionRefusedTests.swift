import AsyncHTTPClient
import NIOCore
import SafeFetch
@testable import IntegrationClients
import Testing
import VigilTestSupport

/// Issue 29: a connection refused fails at once and says so in words ("connection refused by
/// 127.0.0.1:PORT"), instead of retrying until the connect timeout and reading "connection reset
/// (error set): Connection refused) (errno: 111)".
@Suite struct ConnectionRefusedTests {
    /// Connect and total timeouts far longer than the test may take: a refusal that waited for the
    /// connect timeout would say "connect timeout", not who refused. The total timeout is wall-clock
    /// time: with the default 30 s, CI's run of the whole suite (every core busy with other tests,
    /// the fetch's steps waiting for a thread) once answered "did not finish within 30.0 s".
    static let policy = FetchPolicy(allow: [IPRange("127.0.0.0/8")].compactMap { $0 }, connectTimeout: .seconds(300),
                                    totalTimeout: .seconds(300))

    @Test func theGateSaysWhoRefused() async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let gate = OutboundGate(policy: Self.policy)
        let failure = await #expect(throws: ConnectionNotMade.self) {
            _ = try await gate.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/photodna"), deadline: .now() + .seconds(300), purpose: "photodna")
        }
        #expect(failure?.description == "connection refused by 127.0.0.1:\(port)")
        withExtendedLifetime(refusing) {}
    }

    @Test func anImageFetchSaysWhoRefused() async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let fetcher = SafeURLFetcher(policy: Self.policy)
        let failure = await #expect(throws: FetchError.self) { _ = try await fetcher.fetch("http://127.0.0.1:\(port)/a.jpg") }
        #expect(failure?.description == "the fetch failed: connection refused by 127.0.0.1:\(port)")
        withExtendedLifetime(refusing) {}
    }
}

/// The review of issue 29: a name that does not resolve this time (a resolver hiccup) was taken
/// for a refusal, which is never retried: a webhook delivery failed for good at its first try.
@Suite struct ResolutionFailureTests {
    struct HiccupResolver: HostResolver {
        struct TryAgain: Error, CustomStringConvertible { var description: String { "temporary failure in name resolution" } }
        func resolve(host: String) async throws -> [IPAddress] { throw TryAgain() }
    }

    @Test func aNameThatDidNotResolveIsWorthAnotherTryAnAddressTheRulesRefuseIsNot() async throws {
        let gate = OutboundGate(policy: FetchPolicy(), resolver: HiccupResolver())
        let hiccup = await #expect(throws: HTTPCall.Failure.self) {
            _ = try await HTTPCall.perform(gate, .POST, "https://hooks.example/x", headers: [], timeout: .seconds(5), integration: "webhook")
        }
        guard case .connection? = hiccup else {
            Issue.record("a resolver failure is a connection failure, worth another try: \(String(describing: hiccup))")
            return
        }
        let refused = await #expect(throws: HTTPCall.Failure.self) {
            _ = try await HTTPCall.perform(OutboundGate(policy: FetchPolicy()), .POST, "http://127.0.0.1:9/x", headers: [], timeout: .seconds(5), integration: "webhook")
        }
        guard case .refused? = refused else {
            Issue.record("loopback without --fetch-allow is a refusal: \(String(describing: refused))")
            return
        }
    }
}
