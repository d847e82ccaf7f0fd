import AsyncHTTPClient
import Foundation
import Synchronization
import NIOCore
import Testing
import VigilTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Events across a killed `vigil serve`, on SQLite and on PostgreSQL: webhook deliveries in
/// flight at a `kill -9` are delivered after the restart (nothing lost, nothing out of order per
/// subject), and an SSE client that resumes with Last-Event-ID gets every event, without a gap.
@Suite(.serialized) struct EventProcessTests {
    typealias Server = ServeCommandTests.Server

    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    /// Reads an SSE stream into `frames` until cancelled or the server goes away.
    static func stream(_ url: String, key: String, after: Int?, into frames: SSECollector) -> Task<Void, Never> {
        Task {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            if let after { request.headers.add(name: "Last-Event-ID", value: String(after)) }
            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(600)) else { return }
            do {
                for try await chunk in response.body { frames.feed(chunk) }
            } catch {}
        }
    }

    @Test(arguments: ["sqlite", "postgres"])
    func deliveriesAndStreamsSurviveAKilledServer(backend: String) async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let scratch = backend == "postgres" ? try ScratchPostgres() : nil
        let storage = ["--data-dir", data.path] + (scratch.map { ["--database-url", $0.url] } ?? [])
        let made = try await VigilProcess.run(["keys", "create", "--role", "admin"] + storage, environment: ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": ""])
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let receiver = try await EventReceiver.start(delay: .milliseconds(150))

        let environment = ["VIGIL_JOB_LEASE_SECONDS": "2", "VIGIL_MASTER_KEY": ""]
        let arguments = Array(storage.dropFirst(2)) + ["--fetch-allow", "127.0.0.0/8"]
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let first = try Server(dataDir: data, port: port, environment: environment, arguments: arguments, stderr: dir.url.appendingPathComponent("serve-1.log"))
        try await first.waitReady()

        let credential = try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: key, json: """
            {"integration":"webhook","values":{"nickname":"receiver","url":"\(receiver.url)","signing_secret":"\(receiver.secret)"}}
            """)
        let credentialID = try #require(Self.json(credential.body)["id"] as? String, "\(credential.body)")
        let subscribed = try await ReplicaTests.call(.POST, "\(base)/v1/webhooks", key: key, json: #"{"credential":"\#(credentialID)","event_types":["case.*"]}"#)
        try #require(subscribed.status == 201, "\(subscribed.body)")

        let before = SSECollector()
        let firstStream = Self.stream("\(base)/v1/events/stream?after=0", key: key, after: nil, into: before)
        // Five cases, each opened, escalated, assigned and confirmed: 25 events on 5 subjects.
        for index in 0..<5 {
            let opened = try await ReplicaTests.call(.POST, "\(base)/v1/cases", key: key, json: #"{"title":"crash \#(index)"}"#)
            let id = try #require(Self.json(opened.body)["id"] as? Int, "\(opened.body)")
            for decision in [#"{"decision":"escalate","version":1}"#, #"{"decision":"assign","assignee":"ana","version":2}"#,
                             #"{"decision":"confirm","version":3}"#] {
                let decided = try await ReplicaTests.call(.POST, "\(base)/v1/cases/\(id)/decisions", key: key, json: decision)
                try #require(decided.status == 200, "\(decided.body)")
            }
        }
        let all = try #require(Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/events?limit=1000", key: key).body)["events"] as? [[String: Any]])
        let ids = all.compactMap { $0["id"] as? Int }
        #expect(ids.count == 25)

        // The first client leaves after ten events; the server is killed while deliveries are under way.
        let deadline = ContinuousClock.now + .seconds(60)
        while before.frames.count < 10, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        firstStream.cancel()
        while receiver.received.count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await first.kill9()
        let deliveredAtKill = Set(receiver.received.map(\.eventID)).count
        try #require(deliveredAtKill >= 3 && deliveredAtKill < 25, "killed after \(deliveredAtKill) of 25 deliveries")
        // The client had handled ten events when it left (more may have been in its buffer).
        let seenBefore = Array(before.frames.prefix(10))
        let lastSeen = try #require(seenBefore.last?.id)

        let second = try Server(dataDir: data, port: port, environment: environment, arguments: arguments, stderr: dir.url.appendingPathComponent("serve-2.log"))
        try await second.waitReady()
        let after = SSECollector()
        let resumed = Self.stream("\(base)/v1/events/stream", key: key, after: lastSeen, into: after)
        // An event after the restart reaches the resumed stream and the receiver too.
        let late = try await ReplicaTests.call(.POST, "\(base)/v1/cases", key: key, json: #"{"title":"after the restart"}"#)
        try #require(late.status == 201)
        let everything = try #require(Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/events?limit=1000", key: key).body)["events"] as? [[String: Any]])
            .compactMap { $0["id"] as? Int }
        #expect(everything.count == 26)
        while (Set(receiver.received.filter { $0.status == 200 }.map(\.eventID)).count < 26 || seenBefore.count + after.frames.count < 26),
              ContinuousClock.now < deadline + .seconds(60) {
            try await Task.sleep(for: .milliseconds(20))
        }
        resumed.cancel()

        // Webhooks: every event delivered, signed, and in order per subject.
        let delivered = receiver.received.filter { $0.status == 200 }
        #expect(Set(delivered.map(\.eventID)) == Set(everything), "log: \((try? String(contentsOf: dir.url.appendingPathComponent("serve-2.log"), encoding: .utf8))?.suffix(1500) ?? "")")
        #expect(delivered.allSatisfy { $0.signed })
        for subject in Set(delivered.map(\.subject)) {
            let sequence = delivered.filter { $0.subject == subject }.map(\.eventID)
            #expect(sequence == sequence.sorted(), "\(subject) out of order: \(sequence)")
        }
        // The stream: what came before the kill and what came after resuming are every event once, in order.
        let streamed = seenBefore.map(\.id) + after.frames.map(\.id)
        #expect(streamed == everything, "before the kill \(seenBefore.map(\.id)), after \(after.frames.map(\.id))")
        _ = try await second.terminate()
    }
}

/// SSE frames gathered by a background reader.
final class SSECollector: Sendable {
    private let state = Mutex(SSEFrames())
    func feed(_ chunk: ByteBuffer) { state.withLock { $0.feed(chunk) } }
    var frames: [SSEFrames.Frame] { state.withLock { $0.events } }
}
