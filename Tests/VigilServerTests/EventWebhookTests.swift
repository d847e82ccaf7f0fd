import AsyncHTTPClient
import Foundation
import VigilServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntegrationClients
import Logging
import NIOCore
import Synchronization
import Testing
import VigilTestSupport

/// Events leave Vigil two ways: the SSE stream and signed webhooks. Webhooks are retried until
/// the receiver recovers, in order per subject, given up after 24 hours and redelivered by hand.
@Suite struct EventWebhookTests {
    /// Opens cases and blocks an account: nine events on three subjects.
    static func makeEvents(_ fixture: ServerFixture, _ http: any TestClientProtocol) async throws {
        let a = try #require(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"a"}"#).json["id"] as? Int)
        let b = try #require(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"b"}"#).json["id"] as? Int)
        for (id, decision) in [(a, "escalate"), (b, "confirm"), (a, "confirm")] {
            #expect(try await http.decide(id, #"{"decision":"\#(decision)"}"#, key: fixture.reviewer).status == 200)
        }
        let account = try #require(try await http.json(.post, "/v1/accounts", key: fixture.reviewer, #"{"reference_id":"u1"}"#).json["id"] as? Int)
        #expect(try await http.json(.post, "/v1/accounts/\(account)/block", key: fixture.reviewer, #"{"reason":"case a"}"#).status == 200)
    }

    static func subscribe(_ fixture: ServerFixture, _ http: any TestClientProtocol, receiver: EventReceiver, types: String = #"["case.*","account.*"]"#) async throws -> Int {
        let credential = try await http.json(.post, "/v1/credentials", key: fixture.analyst, """
            {"integration":"webhook","values":{"nickname":"receiver","url":"\(receiver.url)","signing_secret":"\(receiver.secret)"}}
            """)
        let credentialID = try #require(credential.json["id"] as? String, "\(credential.text)")
        let subscription = try await http.json(.post, "/v1/webhooks", key: fixture.analyst, #"{"credential":"\#(credentialID)","event_types":\#(types)}"#)
        #expect(subscription.status == 201, "\(subscription.text)")
        return try #require(subscription.json["id"] as? Int)
    }

    /// Runs every job due by the fixture's clock, moving it an hour at a time, `hours` times.
    static func drain(_ fixture: ServerFixture, hours: Int) async throws {
        for _ in 0..<hours {
            fixture.clock.advance(by: 3600)
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(1)) {}
        }
    }

    @Test func aFailingReceiverGetsEveryEventInOrderPerSubjectOnceItRecovers() async throws {
        let receiver = try await EventReceiver.start()
        receiver.failWith(503)
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let subscription = try await Self.subscribe(fixture, http, receiver: receiver)
            try await Self.makeEvents(fixture, http)
            try await Self.drain(fixture, hours: 1)
            let pending = try await http.call(.get, "/v1/webhooks/\(subscription)/deliveries?state=pending", key: fixture.analyst)
            let deliveries = try #require(pending.json["deliveries"] as? [[String: Any]])
            #expect(deliveries.count == 9, "\(pending.text)")
            #expect(deliveries.contains { $0["last_status"] as? Int == 503 })
            #expect(receiver.received.allSatisfy { $0.status == 503 })

            receiver.failWith(nil)
            try await Self.drain(fixture, hours: 3)
            let delivered = receiver.received.filter { $0.status == 200 }
            #expect(Set(delivered.map(\.eventID)).count == 9, "every event, at least once")
            #expect(delivered.allSatisfy { $0.signed }, "every delivery signed with the subscription's secret")
            for subject in Set(delivered.map(\.subject)) {
                let ids = delivered.filter { $0.subject == subject }.map(\.eventID)
                #expect(ids == ids.sorted(), "\(subject) delivered in order: \(ids)")
            }
            let log = try await http.call(.get, "/v1/webhooks/\(subscription)/deliveries?state=delivered", key: fixture.analyst)
            #expect((log.json["deliveries"] as? [Any])?.count == 9)
            // Only analysts and admins see subscriptions.
            #expect(try await http.call(.get, "/v1/webhooks/\(subscription)/deliveries", key: fixture.reviewer).status == 403)
        }
    }

    @Test func aReceiverDownForADayIsGivenUpAndRedeliveredByHand() async throws {
        let receiver = try await EventReceiver.start()
        receiver.failWith(500)
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let subscription = try await Self.subscribe(fixture, http, receiver: receiver, types: #"["case.created"]"#)
            #expect(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"lost"}"#).status == 201)
            try await Self.drain(fixture, hours: 30)
            let failed = try await http.call(.get, "/v1/webhooks/\(subscription)/deliveries?state=failed", key: fixture.analyst)
            let delivery = try #require((failed.json["deliveries"] as? [[String: Any]])?.first, "\(failed.text)")
            #expect((delivery["last_error"] as? String)?.contains("gave up after 24 hours") == true)
            let attempts = receiver.received.count
            #expect(attempts >= 10 && attempts <= 40, "retried with backoff, not hammered: \(attempts) attempts in 30 hours")

            receiver.failWith(nil)
            let id = try #require(delivery["id"] as? Int)
            let again = try await http.call(.post, "/v1/webhooks/\(subscription)/deliveries/\(id)/redeliver", key: fixture.analyst)
            #expect(again.status == 202 && again.json["state"] as? String == "pending")
            try await Self.drain(fixture, hours: 1)
            #expect(receiver.received.last?.status == 200)
            #expect(try await http.call(.post, "/v1/webhooks/\(subscription)/deliveries/\(id)/redeliver", key: fixture.analyst).status == 202)
        }
    }

    /// Every match is an event, committed before the lookup answers (nothing to flush, nothing
    /// dropped); a subscription that wants matches is delivered them.
    @Test func everyMatchIsAnEventCommittedBeforeItsAnswer() async throws {
        let receiver = try await EventReceiver.start()
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            func match() async throws {
                #expect(try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0)).json["is_match"] as? Bool == true)
            }
            func matchEvents() async throws -> [[String: Any]] {
                try await http.call(.get, "/v1/events?types=match.found", key: fixture.viewer).json["events"] as? [[String: Any]] ?? []
            }
            try await match()
            #expect(try await matchEvents().count == 1, "written before the answer, with no one subscribed")
            let miss = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(DemoImages.count))
            #expect(miss.json["is_match"] as? Bool == false)
            #expect((try await http.call(.get, "/v1/events?types=lookup.completed", key: fixture.viewer).json["events"] as? [Any])?.isEmpty == true,
                    "a lookup that matches nothing, and that nobody listens for, writes nothing")
            let subscription = try await Self.subscribe(fixture, http, receiver: receiver, types: #"["match.*"]"#)
            try await match()
            let events = try await matchEvents()
            #expect(events.count == 2)
            let data = try #require(events.last?["data"] as? [String: Any])
            #expect(data["api"] as? String == "native" && (data["matches"] as? [[String: Any]])?.first?["bank"] as? String == "TEST_BANK")
            try await Self.drain(fixture, hours: 1)
            #expect(receiver.received.count == 1 && receiver.received.first?.subject.hasPrefix("lookup:") == true)
            #expect(try await http.call(.delete, "/v1/webhooks/\(subscription)", key: fixture.analyst).status == 204)
            try await match()
            #expect(try await matchEvents().count == 3, "matches are events whoever listens")
        }
    }

    @Test func subscriptionsRefuseUnknownTypesAndUnsafeOrForeignCredentials() async throws {
        let fixture = try await ServerFixture(policy: .init(), resolver: ScriptedResolver(["hooks.example": [["93.184.216.34"]]]))
        try await fixture.test { http in
            // A webhook on this machine is refused when its credential is saved: nothing is ever sent there.
            let local = try await http.json(.post, "/v1/credentials", key: fixture.analyst,
                                            #"{"integration":"webhook","values":{"nickname":"x","url":"http://127.0.0.1:9/hook","signing_secret":"s"}}"#)
            #expect(local.status == 422 && local.errorMessage?.contains("loopback") == true && local.errorMessage?.contains("--fetch-allow") == true,
                    "\(local.text)")
            let foreign = try await http.json(.post, "/v1/credentials", key: fixture.analyst,
                                              #"{"integration":"photodna","values":{"nickname":"p","subscription_key":"k"}}"#)
            let photoDNA = try #require(foreign.json["id"] as? String)
            let refused = try await http.json(.post, "/v1/webhooks", key: fixture.analyst, #"{"credential":"\#(photoDNA)","event_types":["case.created"]}"#)
            #expect(refused.status == 400 && refused.errorMessage?.contains("not a webhook, Slack or Teams credential") == true, "\(refused.text)")
            let hook = try await http.json(.post, "/v1/credentials", key: fixture.analyst,
                                           #"{"integration":"webhook","values":{"nickname":"x","url":"https://hooks.example/x","signing_secret":"s"}}"#)
            let id = try #require(hook.json["id"] as? String, "\(hook.text)")
            let unknown = try await http.json(.post, "/v1/webhooks", key: fixture.analyst, #"{"credential":"\#(id)","event_types":["case.exploded"]}"#)
            #expect(unknown.status == 400 && unknown.errorMessage?.contains("case.exploded") == true)
            #expect(try await http.json(.post, "/v1/webhooks", key: fixture.analyst, #"{"credential":"nope","event_types":["*"]}"#).status == 400)
        }
    }

    @Test func theStreamSendsHistoryAfterLastEventIDThenLiveEvents() async throws {
        let fixture = try await ServerFixture()
        let feed = Task { await fixture.service.eventFeed.run() }
        defer { feed.cancel() }
        try await fixture.test(.live) { http in
            try await Self.makeEvents(fixture, http)
            let all = try #require(try await http.call(.get, "/v1/events", key: fixture.viewer).json["events"] as? [[String: Any]])
            #expect(all.count == 9)
            let third = try #require(all[2]["id"] as? Int)
            let port = try #require(http.port)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events/stream?types=case.*")
            request.headers.add(name: "Authorization", value: "Bearer \(fixture.viewer)")
            request.headers.add(name: "Last-Event-ID", value: String(third))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok && response.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true)
            var frames = SSEFrames()
            var iterator = response.body.makeAsyncIterator()
            // History: the case events after the third event.
            let history = all.filter { ($0["id"] as? Int ?? 0) > third && ($0["type"] as? String)?.hasPrefix("case.") == true }.count
            while frames.events.count < history, let chunk = try await iterator.next() { frames.feed(chunk) }
            #expect(frames.events.map(\.id) == all.compactMap { $0["id"] as? Int }.filter { $0 > third }.filter { id in
                (all.first { $0["id"] as? Int == id }?["type"] as? String)?.hasPrefix("case.") == true })
            // Live: a case opened now arrives on the open stream.
            let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"live"}"#)
            let caseID = try #require(opened.json["id"] as? Int)
            while frames.events.count < history + 1, let chunk = try await iterator.next() { frames.feed(chunk) }
            let live = try #require(frames.events.last)
            #expect(live.type == "case.created" && live.data.contains("\"case_id\":\(caseID)"))
        }
    }
}

/// Server-Sent Events frames read from a byte stream.
struct SSEFrames {
    struct Frame { let id: Int; let type: String; let data: String }
    private var buffer = ""
    private(set) var events: [Frame] = []

    mutating func feed(_ chunk: ByteBuffer) {
        buffer += String(buffer: chunk)
        while let end = buffer.range(of: "\n\n") {
            let block = buffer[..<end.lowerBound]
            buffer.removeSubrange(..<end.upperBound)
            var id: Int?, type = "message", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            if let id { events.append(Frame(id: id, type: type, data: data)) }
        }
    }
}

/// A webhook receiver that checks each delivery's signature and can be told to fail.
final class EventReceiver: Sendable {
    struct Received: Sendable {
        let eventID: Int
        let subject: String
        let status: Int
        let signed: Bool
    }

    let secret = "receiver-secret"
    let port: Int
    private let box: StateBox
    private let task: Task<Void, any Error>

    var url: String { "http://127.0.0.1:\(port)/events" }
    var received: [Received] { box.state.withLock { $0.received } }
    func failWith(_ status: Int?) { box.state.withLock { $0.failing = status } }

    deinit { task.cancel() }

    static func start(delay: Duration = .zero) async throws -> EventReceiver {
        let box = StateBox()
        let secret = "receiver-secret"
        let router = Router()
        router.post("events") { request, _ in
            let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let signature = request.headers[HTTPField.Name("Vigil-Signature")!] ?? ""
            let event = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            let status = box.state.withLock { $0.failing } ?? 200
            if delay > .zero { try await Task.sleep(for: delay) }
            box.state.withLock {
                $0.received.append(Received(eventID: (event["id"] as? String).flatMap { Int($0) } ?? -1, subject: event["subject"] as? String ?? "", status: status,
                                            signed: WebhookSignature.verify(signature, body: body, secret: secret)))
            }
            return Response(status: HTTPResponse.Status(code: status))
        }
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "receiver") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return EventReceiver(port: port, box: box, task: task)
    }

    final class StateBox: Sendable {
        let state = Mutex<(failing: Int?, received: [Received])>((nil, []))
    }

    private init(port: Int, box: StateBox, task: Task<Void, any Error>) {
        self.port = port
        self.box = box
        self.task = task
    }
}
