import Foundation
import IntegrationClients
import Integrations
import SafeFetch
import Testing

/// The PhotoDNA client against a scripted PhotoDNA: what it sends, how it reads every
/// documented answer, which failures it retries and how, and how it paces a burst.
@Suite struct PhotoDNAClientTests {
    static let key = "pdna-test-subscription-key-5f3e"

    static let matched = #"""
    {"Status":{"Code":3000,"Description":"OK","Exception":null},"ContentId":null,"IsMatch":true,
     "MatchDetails":{"AdvancedInfo":[],"MatchFlags":[{"AdvancedInfo":[{"Key":"MatchId","Value":"7469692"}],"Source":"Test",
     "Violations":["A1"],"MatchDistance":179}]},"XPartnerCustomerId":null,"TrackingId":"WUS_12c055e2","EvaluateResponse":null}
    """#

    static func status(_ code: Int, _ description: String) -> String {
        #"{"Status":{"Code":\#(code),"Description":"\#(description)","Exception":"detail \#(code)"},"IsMatch":false,"TrackingId":"T\#(code)"}"#
    }

    static func credential(_ server: ScriptedServer, rate: Int = 100, id: String = UUID().uuidString) -> OpenedCredential {
        OpenedCredential(id: id, integration: "photodna",
                         values: ["nickname": "scripted", "endpoint": server.base + "/photodna/v1.0/", "requests_per_second": String(rate)],
                         secrets: ["subscription_key": key])
    }

    static func client(attempts: Int = 3, timeout: Duration = .seconds(10)) -> PhotoDNAClient {
        let loopback = IPRange("127.0.0.1/32").map { [$0] } ?? []
        return PhotoDNAClient(fetcher: SafeURLFetcher(policy: FetchPolicy(allow: loopback)),
                              retry: RetryPolicy(attempts: attempts, baseDelay: .milliseconds(20), maxDelay: .seconds(5)), timeout: timeout)
    }

    /// Runs `body` against a server playing `replies`, and stops the server whatever happens.
    static func with(_ replies: [ScriptedServer.Reply], files: [String: [UInt8]] = [:],
                     _ body: (ScriptedServer) async throws -> Void) async throws {
        let server = try await ScriptedServer.start(replies, files: files)
        do { try await body(server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func failure(_ call: () async throws(PhotoDNAError) -> PhotoDNAClient.Answer) async -> PhotoDNAError? {
        do {
            _ = try await call()
            return nil
        } catch {
            #expect(!error.description.contains(key), "an error shows the key: \(error)")
            return error
        }
    }

    @Test func aMatchSendsTheKeyAndTheURLAndReadsEveryField() async throws {
        try await Self.with([.json(Self.matched)]) { server in
            let answer = try await Self.client().match(.init(image: .url("https://images.example/a.jpg"), enhanced: true),
                                                        with: Self.credential(server))
            #expect(answer.result.isMatch)
            #expect(answer.result.matches == [MatchLookupResult.Match(source: "Test", violations: ["A1"], distance: 179, matchID: "7469692")])
            #expect(answer.result.trackingID == "WUS_12c055e2" && answer.result.statusCode == 3000 && answer.attempts == 1)
            #expect(answer.result.raw.contains("7469692"))
            let sent = try #require(server.received.first)
            #expect(sent.uri == "/photodna/v1.0/Match?enhance=true")
            #expect(sent.header("Ocp-Apim-Subscription-Key") == Self.key)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: String])
            #expect(body == ["DataRepresentation": "URL", "Value": "https://images.example/a.jpg"])
        }
    }

    @Test func inlineFetchesTheImageThroughTheSafeFetcherAndSendsItBase64() async throws {
        let image = Array("not really a jpeg, but bytes all the same".utf8)
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + image
        try await Self.with([.json(Self.status(3000, "OK"))], files: ["image.jpg": jpeg]) { server in
            let answer = try await Self.client().match(.init(image: .inlineFromURL(server.base + "/image.jpg")), with: Self.credential(server))
            #expect(!answer.result.isMatch && answer.result.matches.isEmpty)
            let sent = try #require(server.received.first)
            #expect(sent.uri == "/photodna/v1.0/Match")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: String])
            #expect(body["DataRepresentation"] == "Inline")
            #expect(body["Value"].flatMap { Data(base64Encoded: $0) } == Data(jpeg))
        }
    }

    @Test func inlineRefusesAnAddressTheFetcherMayNotReach() async throws {
        try await Self.with([.json(Self.status(3000, "OK"))]) { server in
            let client = PhotoDNAClient(fetcher: SafeURLFetcher(policy: FetchPolicy()))
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await client.match(.init(image: .inlineFromURL(server.base + "/image.jpg")), with: Self.credential(server))
            }
            guard case .imageFetch(.refusedAddress)? = error else { Issue.record("expected a refused address, got \(String(describing: error))"); return }
            #expect(server.received.isEmpty)
        }
    }

    @Test(arguments: [(3002, "Invalid or missing request parameter(s)"), (3206, "The given file could not be verified as an image"),
                      (3208, "Image size in pixels is not within allowed range")])
    func aPermanentStatusFailsAtOnceWithItsWords(code: Int, description: String) async throws {
        try await Self.with([.json(Self.status(code, description))]) { server in
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await Self.client().match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            }
            #expect(error == .status(code: code, description: description, exception: "detail \(code)", trackingID: "T\(code)"))
            #expect(error?.isTransient == false && error?.description.contains(description) == true)
            #expect(server.received.count == 1)
        }
    }

    @Test func a3004IsRetriedAndTheNextAnswerTaken() async throws {
        try await Self.with([.json(Self.status(3004, "Unknown scenario"), status: 503), .json(Self.matched)]) { server in
            let answer = try await Self.client().match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            #expect(answer.attempts == 2 && answer.result.isMatch)
            #expect(server.received.count == 2)
        }
    }

    @Test func serverErrorsAreRetriedABoundedNumberOfTimes() async throws {
        try await Self.with([ScriptedServer.Reply(status: 502, body: "<html>bad gateway</html>")]) { server in
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await Self.client(attempts: 3).match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            }
            #expect(error == .serverError(httpStatus: 502))
            #expect(server.received.count == 3)
        }
    }

    @Test func aRefusedKeyOrAForbiddenCallIsNotRetried() async throws {
        try await Self.with([ScriptedServer.Reply(status: 401, body: #"{"statusCode":401,"message":"Access denied"}"#)]) { server in
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await Self.client().match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            }
            #expect(error == .unauthorized && server.received.count == 1)
        }
        try await Self.with([.json(#"{"statusCode":403,"message":"Out of call volume quota."}"#, status: 403)]) { server in
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await Self.client().match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            }
            #expect(error == .forbidden("Out of call volume quota.") && server.received.count == 1)
        }
    }

    @Test func a429IsRetriedAfterTheWaitItAsksFor() async throws {
        try await Self.with([ScriptedServer.Reply(status: 429, headers: ["Retry-After": "1"]), .json(Self.matched)]) { server in
            let answer = try await Self.client().match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            #expect(answer.attempts == 2)
            let times = server.received.map(\.at)
            try #require(times.count == 2)
            #expect(times[0].duration(to: times[1]) >= .milliseconds(950), "retried after \(times[0].duration(to: times[1]))")
        }
    }

    @Test func aRetryAfterLongerThanThePolicyWaitsEndsTheCall() async throws {
        try await Self.with([ScriptedServer.Reply(status: 429, headers: ["Retry-After": "120"])]) { server in
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await Self.client().match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            }
            #expect(error == .rateLimited(retryAfter: .seconds(120)) && server.received.count == 1)
        }
    }

    @Test func aSlowAnswerTimesOut() async throws {
        try await Self.with([ScriptedServer.Reply(status: 200, body: Self.matched, delay: .seconds(10))]) { server in
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await Self.client(attempts: 1, timeout: .milliseconds(300)).match(.init(image: .url("https://images.example/a.jpg")),
                                                                                     with: Self.credential(server))
            }
            guard case .timedOut? = error else { Issue.record("expected a timeout, got \(String(describing: error))"); return }
            #expect(error?.isTransient == true)
        }
    }

    @Test(arguments: ["<html>maintenance</html>", #"{"IsMatch": true}"#, #"{"Status": {"Code": "3000"}}"#])
    func anAnswerThatIsNotTheAPIsJSONIsReportedSo(body: String) async throws {
        try await Self.with([ScriptedServer.Reply(status: 200, body: body)]) { server in
            let error = await Self.failure { () async throws(PhotoDNAError) in
                try await Self.client().match(.init(image: .url("https://images.example/a.jpg")), with: Self.credential(server))
            }
            guard case let .malformedResponse(status, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(status == 200 && !reason.isEmpty && !reason.contains("PhotoDNAMatchResponse"), "\(reason)")
            #expect(server.received.count == 1)
        }
    }

    @Test func aBurstIsSpreadAtTheCredentialsRate() async throws {
        try await Self.with([.json(Self.status(3000, "OK"))]) { server in
            let client = Self.client(), credential = Self.credential(server, rate: 10)
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask { _ = try await client.match(.init(image: .url("https://images.example/a.jpg")), with: credential) }
                }
                try await group.waitForAll()
            }
            // Six calls at 10 a second: slots 0, 100, …, 500 ms. No call is sent before its slot,
            // so the last reaches the provider no sooner than 500 ms after the burst began (a
            // loaded machine can delay the early calls, never bring a later one forward).
            #expect(start.duration(to: .now) >= .milliseconds(500))
            let times = server.received.map(\.at).sorted()
            try #require(times.count == 6)
            #expect(start.duration(to: times[5]) >= .milliseconds(500), "the sixth call arrived after \(start.duration(to: times[5]))")
            #expect(start.duration(to: times[3]) >= .milliseconds(300), "the fourth call arrived after \(start.duration(to: times[3]))")
        }
    }
}
