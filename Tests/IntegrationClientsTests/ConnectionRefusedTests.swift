import AsyncHTTPClient
import NIOCore
import SafeFetch
import Testing
import VigilTestSupport

/// Issue 29: a connection refused fails at once and says so in words ("connection refused by
/// 127.0.0.1:PORT"), instead of retrying until the connect timeout and reading "connection reset
/// (error set): Connection refused) (errno: 111)".
@Suite struct ConnectionRefusedTests {
    /// A connect timeout far longer than the test may take: the answer must not wait for it.
    static let policy = FetchPolicy(allow: [IPRange("127.0.0.0/8")].compactMap { $0 }, connectTimeout: .seconds(300))

    @Test func theGateSaysWhoRefused() async throws {
        let port = try FreePort.loopback()
        let gate = OutboundGate(policy: Self.policy)
        let failure = await #expect(throws: ConnectionNotMade.self) {
            _ = try await gate.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/photodna"), deadline: .now() + .seconds(300))
        }
        #expect(failure?.description == "connection refused by 127.0.0.1:\(port)")
    }

    @Test func anImageFetchSaysWhoRefused() async throws {
        let port = try FreePort.loopback()
        let fetcher = SafeURLFetcher(policy: Self.policy)
        let failure = await #expect(throws: FetchError.self) { _ = try await fetcher.fetch("http://127.0.0.1:\(port)/a.jpg") }
        #expect(failure?.description == "the fetch failed: connection refused by 127.0.0.1:\(port)")
    }
}
