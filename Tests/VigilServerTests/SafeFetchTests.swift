import Foundation
import SafeFetch
import Synchronization
import Testing

/// A resolver whose answers the test scripts: a list per host, one answer per call.
final class ScriptedResolver: HostResolver {
    private let answers: Mutex<[String: [[IPAddress]]]>
    private let calls = Mutex<[String: Int]>([:])

    init(_ answers: [String: [[String]]]) {
        // A typo in a test's address list fails that test's lookups, not the whole run.
        self.answers = Mutex(answers.mapValues { $0.map { $0.compactMap { IPAddress($0) } } })
    }

    func resolve(host: String) async throws -> [IPAddress] {
        let call = calls.withLock { counts -> Int in
            let next = counts[host, default: 0] + 1
            counts[host] = next
            return next
        }
        return answers.withLock { all in
            guard let list = all[host], !list.isEmpty else { return [] }
            return list[min(call, list.count) - 1]
        }
    }

    func callCount(_ host: String) -> Int { calls.withLock { $0[host] ?? 0 } }
}

@Suite struct SafeFetchTests {
    static let loopback = FetchPolicy(allow: [IPRange.loopbackForTests], totalTimeout: .seconds(30))

    func refusal(_ url: String, policy: FetchPolicy = FetchPolicy(), resolver: any HostResolver = SystemResolver()) async -> FetchError? {
        do {
            _ = try await SafeURLFetcher(policy: policy, resolver: resolver).fetch(url)
            return nil
        } catch {
            return error
        }
    }

    @Test("non-global addresses are refused, naming the rule", arguments: [
        ("http://10.1.2.3/a.jpg", "10.0.0.0/8: private"),
        ("http://192.168.1.20/a.jpg", "192.168.0.0/16: private"),
        ("http://172.20.0.1/a.jpg", "172.16.0.0/12: private"),
        ("http://127.0.0.1/a.jpg", "127.0.0.0/8: loopback"),
        ("http://169.254.169.254/latest/meta-data", "169.254.0.0/16: link-local"),
        ("http://100.64.3.4/", "100.64.0.0/10: carrier-grade NAT"),
        ("http://0.0.0.0/", "0.0.0.0/8: unspecified"),
        ("http://224.0.0.1/", "224.0.0.0/4: multicast"),
        ("http://[::1]/", "::1/128: loopback"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:0.0.0.0/96: IPv4-mapped"),
        ("http://[64:ff9b::a00:1]/", "64:ff9b::/96: NAT64"),
        ("http://[fd00::1]/", "fc00::/7: unique-local"),
        ("http://[fe80::1]/", "fe80::/10: link-local"),
        ("http://[ff02::1]/", "ff00::/8: multicast"),
        ("http://[2001:db8::1]/", "2001:db8::/32: documentation"),
    ])
    func refusesNonGlobal(_ url: String, _ rule: String) async throws {
        let error = await refusal(url)
        guard case let .refusedAddress(_, _, named)? = error else {
            Issue.record("expected a refusal for \(url), got \(String(describing: error))")
            return
        }
        #expect(named.hasPrefix(rule))
        #expect(error?.description.contains("--fetch-allow") == true)
    }

    @Test func globalAddressesPassTheRules() throws {
        for text in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001::1"] {
            let address = try #require(IPAddress(text))
            #expect(AddressRules.nonGlobalReason(address) == nil, "\(text)")
        }
        let ten = try #require(IPRange("10.0.0.0/8"))
        let (inside, outside) = (try #require(IPAddress("10.255.0.1")), try #require(IPAddress("11.0.0.1")))
        #expect(ten.contains(inside) && !ten.contains(outside))
        #expect(IPRange("not a range") == nil && IPRange("10.0.0.0/33") == nil)
    }

    @Test func aHostNameResolvingToAPrivateAddressIsRefused() async throws {
        let resolver = ScriptedResolver(["intranet.example": [["93.184.216.34", "192.168.0.5"]]])
        guard case let .refusedAddress(host, address, _)? = await refusal("http://intranet.example/x.jpg", resolver: resolver) else {
            Issue.record("a name with one private answer must be refused")
            return
        }
        #expect(host == "intranet.example" && address == "192.168.0.5")
    }

    @Test func schemesAndCredentialsAreChecked() async throws {
        #expect(await refusal("ftp://example.com/a.jpg") == .unsupportedScheme("ftp"))
        #expect(await refusal("file:///etc/passwd") == .unsupportedScheme("file"))
        #expect(await refusal("http://user:pw@example.com/") == .credentialsInURL)
        #expect(await refusal("not a url") != nil)
    }

    @Test func fetchesFromAnAllowedRangeAndFollowsRedirects() async throws {
        let origin = try await OriginServer.start()
        let fetcher = SafeURLFetcher(policy: Self.loopback)
        let direct = try await fetcher.fetch(origin.url("/demo-0.jpg"))
        let demo = try Images.demo(0)
        #expect(direct.format == .jpeg && direct.bytes == demo)
        let redirected = try await fetcher.fetch(origin.url("/redirect/2"))
        #expect(redirected.finalURL.path == "/demo-0.jpg")
        #expect(await refusal(origin.url("/redirect/5"), policy: Self.loopback) == .tooManyRedirects(limit: 3))
        #expect(await refusal(origin.url("/text"), policy: Self.loopback) == .notAnImage(contentType: "text/plain"))
        // Loopback is refused unless the allow-list names it.
        guard case .refusedAddress? = await refusal(origin.url("/demo-0.jpg")) else {
            Issue.record("loopback must be refused by default")
            return
        }
        try await origin.stop()
    }

    @Test func aRedirectToLoopbackIsCheckedAgain() async throws {
        let origin = try await OriginServer.start()
        // The first hop is allowed (127.0.0.1); the redirect points at 127.0.0.2, which is not.
        let target = "http://127.0.0.2:\(origin.port)/demo-0.jpg"
        let error = await refusal(origin.url("/redirect-to?location=\(target)"), policy: Self.loopback)
        guard case let .refusedAddress(_, address, rule)? = error else {
            Issue.record("expected the redirect to be refused, got \(String(describing: error))")
            return
        }
        #expect(address == "127.0.0.2" && rule.contains("loopback"))
        try await origin.stop()
    }

    @Test func theCheckedAddressIsTheOneConnectedTo() async throws {
        let origin = try await OriginServer.start()
        // A rebinding resolver: allowed first, private afterwards. One lookup, one connection.
        let rebinding = ScriptedResolver(["rebind.example": [["127.0.0.1"], ["10.0.0.1"]]])
        let fetched = try await SafeURLFetcher(policy: Self.loopback, resolver: rebinding).fetch(origin.url("/demo-0.jpg", host: "rebind.example"))
        #expect(fetched.format == .jpeg)
        #expect(rebinding.callCount("rebind.example") == 1)
        // The other way round: the first answer is checked, and refused.
        let reversed = ScriptedResolver(["rebind.example": [["10.0.0.1"], ["127.0.0.1"]]])
        guard case .refusedAddress? = await refusal(origin.url("/demo-0.jpg", host: "rebind.example"), policy: Self.loopback, resolver: reversed) else {
            Issue.record("the first answer must be the one checked")
            return
        }
        #expect(reversed.callCount("rebind.example") == 1)
        try await origin.stop()
    }

    @Test func slowServersTimeOutAndEndlessBodiesStopAtTheLimit() async throws {
        let origin = try await OriginServer.start()
        var policy = Self.loopback
        policy.totalTimeout = .milliseconds(500)
        let start = ContinuousClock.now
        #expect(await refusal(origin.url("/slow"), policy: policy) == .timedOut(seconds: 0.5))
        #expect(start.duration(to: .now) < .seconds(10), "the timeout, not the server, must end the fetch")

        policy.totalTimeout = .seconds(10)
        policy.maxBytes = 1_000_000
        #expect(await refusal(origin.url("/endless"), policy: policy) == .tooLarge(limit: 1_000_000))
        let fetcher = SafeURLFetcher(policy: policy)
        do {
            _ = try await fetcher.fetch(origin.url("/demo-0.jpg"), maxBytes: 1000)
            Issue.record("a per-call limit must apply")
        } catch {
            #expect(error == .tooLarge(limit: 1000))
        }
        try await origin.stop()
    }
}
