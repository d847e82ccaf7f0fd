import Foundation
import HTTPTypes
import Hummingbird
import IntegrationClients
import Logging
import NIOCore
import PDQ
import Synchronization
import Testing
import VigilTestSupport
import Workflows
#if canImport(Glibc)
import Glibc
#endif

/// Workflows in real `vigil serve` processes, on SQLite and on PostgreSQL: the demo's template
/// works from the first start; a workflow applied from YAML by the CLI runs many times at once,
/// the server is killed (`kill -9`) in the middle, and after a restart every run completes and
/// no side effect happened twice.
@Suite(.serialized) struct WorkflowProcessTests {
    typealias Server = ServeCommandTests.Server

    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    static func runs(_ base: String, _ workflow: String, key: String) async throws -> [[String: Any]] {
        let reply = try await ReplicaTests.call(.GET, "\(base)/v1/workflows/\(workflow)/runs?limit=1000", key: key)
        return json(reply.body)["runs"] as? [[String: Any]] ?? []
    }

    @Test(arguments: ["sqlite", "postgres"])
    func runsSurviveAKilledServer(backend: String) async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let scratch = backend == "postgres" ? try ScratchPostgres() : nil
        let storage = ["--data-dir", data.path] + (scratch.map { ["--database-url", $0.url] } ?? [])
        func cli(_ arguments: [String]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments + storage, environment: ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": ""])
        }
        let made = try await cli(["keys", "create", "--role", "admin"])
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let origin = try await OriginServer.start()
        let receiver = try await WebhookReceiver.start(secret: "hook-signing-secret", delay: .milliseconds(100))

        let environment = ["VIGIL_JOB_LEASE_SECONDS": "2", "VIGIL_WORKFLOW_CONCURRENCY": "4", "VIGIL_MASTER_KEY": ""]
        let arguments = Array(storage.dropFirst(2)) + ["--fetch-allow", "127.0.0.0/8"]
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let log = dir.url.appendingPathComponent("serve-1.log")
        let first = try Server(dataDir: data, port: port, environment: environment, arguments: arguments, stderr: log)
        try await first.waitReady()

        // The first start's demo data includes the ready template, published: it runs at once.
        let template = try await ReplicaTests.call(.GET, "\(base)/v1/workflows/Screen%20uploaded%20image", key: key)
        #expect(Self.json(template.body)["live_version"] as? Int == 1, "\(template.status) \(template.body)")
        let templateRun = try await ReplicaTests.call(.POST, "\(base)/v1/workflows/Screen%20uploaded%20image/runs", key: key,
                                                      json: #"{"image_url":"\#(origin.url("/demo-0.jpg"))","account_reference_id":"u1"}"#)
        let templateRunID = try #require(Self.json(templateRun.body)["id"] as? Int, "\(templateRun.body)")

        // A webhook credential and a workflow applied from YAML by the CLI.
        let credential = try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: key, json: """
            {"integration":"webhook","values":{"nickname":"test receiver","url":"\(receiver.url)","signing_secret":"hook-signing-secret"}}
            """)
        let credentialID = try #require(Self.json(credential.body)["id"] as? String, "\(credential.body)")
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/banks", key: key, json: #"{"name":"SEEN"}"#).status == 201)
        let yaml = try dir.file("crash.yaml", Array("""
            name: crash test
            trigger:
              type: api
              parameters:
                - {name: image_url, type: url, required: true}
                - {name: pdq, type: text, required: true}
            steps:
              - id: lookup
                type: action
                integration: vigil
                operation: match_lookup
                inputs:
                  image_url: "{{ trigger.image_url }}"
              - id: keep
                type: action
                action: bank.add
                inputs:
                  bank: SEEN
                  pdq: "{{ trigger.pdq }}"
              - id: notify
                type: action
                action: notify.webhook
                credential: \(credentialID)
                retry: {attempts: 5, backoff_seconds: 0.5}
                inputs:
                  event_type: workflow.test
                  data:
                    pdq: "{{ trigger.pdq }}"
                    matched: "{{ steps.lookup.output.is_match }}"

            """.utf8))
        let applied = try await cli(["workflow", "apply", yaml.path, "--publish"])
        try #require(applied.status == 0, "workflow apply: \(applied.stderr)")
        #expect(applied.stdout.contains("published version 1"))

        // Many runs at once, each with its own hash, started through the API.
        let total = 60
        var generator = HashGenerator(seed: 2026)
        var hashes: [String] = []
        for i in 0..<total {
            let pdq = generator.randomHash().hex
            hashes.append(pdq)
            let started = try await ReplicaTests.call(.POST, "\(base)/v1/workflows/crash%20test/runs", key: key,
                                                      json: #"{"image_url":"\#(origin.url(i.isMultiple(of: 2) ? "/demo-0.jpg" : "/unmatched.jpg"))","pdq":"\#(pdq)"}"#)
            try #require(started.status == 201, "\(started.body)")
        }
        // Kill the server outright once some runs, not all, are done.
        var done = 0
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            done = try await Self.runs(base, "crash%20test", key: key).filter { $0["status"] as? String == "succeeded" }.count
            if done >= 6 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await first.kill9()
        try #require(done >= 6 && done < total, "killed after \(done) of \(total) runs; log: \((try? String(contentsOf: log, encoding: .utf8))?.suffix(2000) ?? "")")

        let second = try Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                stderr: dir.url.appendingPathComponent("serve-2.log"))
        try await second.waitReady()
        var runs: [[String: Any]] = []
        while ContinuousClock.now < deadline + .seconds(60) {
            runs = try await Self.runs(base, "crash%20test", key: key)
            if runs.count == total, runs.allSatisfy({ ["succeeded", "failed", "cancelled"].contains($0["status"] as? String ?? "") }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(runs.count == total)
        #expect(runs.allSatisfy { $0["status"] as? String == "succeeded" }, "\(runs.filter { $0["status"] as? String != "succeeded" }.prefix(3))")

        // Every run's effects happened once: one bank entry per run, and one delivery id per run
        // (a delivery in flight at the kill may arrive again with the same id, which a receiver drops).
        let bankReply = try await ReplicaTests.call(.GET, "\(base)/v1/banks/SEEN", key: key)
        let bank = Self.json(bankReply.body)
        #expect(bank["entry_count"] as? Int == total)
        let deliveries = receiver.deliveries
        let ids = Set(deliveries.map(\.id))
        let runIDs = Set(runs.compactMap { $0["id"] as? Int })
        #expect(ids == Set(runIDs.map { "wfrun-\($0)-notify" }))
        // (Repeats come from the deliveries in flight at the kill, and from a worker that lost
        // its 2 s lease on a loaded machine while its delivery was under way.)
        #expect(deliveries.count >= ids.count)
        #expect(deliveries.allSatisfy { $0.signed })
        // The payload carries the rendered templates: the matched flag follows the image.
        #expect(Set(deliveries.compactMap(\.matched)) == [true, false])

        // Two servers on one database share the runs: each executes some of them.
        let otherPort = try ServeCommandTests.freePort()
        let third = try Server(dataDir: data, port: otherPort, environment: environment, arguments: arguments)
        try await third.waitReady()
        var shared: [Int] = []
        for i in 0..<20 {
            let target = i.isMultiple(of: 2) ? base : "http://127.0.0.1:\(otherPort)"
            let started = try await ReplicaTests.call(.POST, "\(target)/v1/workflows/crash%20test/runs", key: key,
                                                      json: #"{"image_url":"\#(origin.url("/demo-0.jpg"))","pdq":"\#(generator.randomHash().hex)"}"#)
            shared.append(try #require(Self.json(started.body)["id"] as? Int, "\(started.body)"))
        }
        var workers: Set<String> = []
        let sharedDeadline = ContinuousClock.now + .seconds(60)
        for id in shared {
            var run: [String: Any] = [:]
            while ContinuousClock.now < sharedDeadline {
                run = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/workflow-runs/\(id)", key: key).body)
                if run["status"] as? String == "succeeded" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(run["status"] as? String == "succeeded", "run \(id): \(run)")
            // The worker is host/process/suffix: the process tells the server.
            for step in run["steps"] as? [[String: Any]] ?? [] {
                if let worker = step["worker"] as? String { workers.insert(worker.split(separator: "/").dropLast().joined(separator: "/")) }
            }
        }
        #expect(workers.count == 2, "workers: \(workers)")
        #expect(try await third.terminate() == 0)

        // The CLI lists the runs, and the template's run matched.
        let listed = try await cli(["workflow", "runs", "crash test", "--status", "succeeded", "--limit", "1000"])
        #expect(listed.status == 0)
        #expect(listed.stdout.split(separator: "\n").count == total + 20)
        let templateReply = try await ReplicaTests.call(.GET, "\(base)/v1/workflow-runs/\(templateRunID)", key: key)
        let template2 = Self.json(templateReply.body)
        #expect(template2["status"] as? String == "succeeded")
        let steps = template2["steps"] as? [[String: Any]] ?? []
        #expect(steps.contains { $0["step"] as? String == "decide" && ($0["output"] as? [String: Any])?["branch"] as? String == "0" })

        // The template again, from the CLI, with PhotoDNA as its provider: the server's own
        // PhotoDNA-compatible endpoint, called with a stored credential.
        let photoDNA = try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: key, json: """
            {"integration":"photodna","values":{"nickname":"own endpoint","endpoint":"\(base)/photodna/v1.0","subscription_key":"\(key)","requests_per_second":50}}
            """)
        let photoDNAID = try #require(Self.json(photoDNA.body)["id"] as? String, "\(photoDNA.body)")
        let variant = try WorkflowAPITests.text(WorkflowLibrary.screenUploadedImage(photoDNACredential: photoDNAID))
        #expect(try await ReplicaTests.call(.PUT, "\(base)/v1/workflows/Screen%20uploaded%20image", key: key, json: variant).status == 200)
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/workflows/Screen%20uploaded%20image/publish", key: key).status == 201)
        let viaCLI = try await cli(["workflow", "run", "Screen uploaded image", "--input", "image_url=\(origin.url("/demo-0.jpg"))",
                              "--input", "account_reference_id=u2", "--idempotency-key", "cli-1", "--wait", "60"])
        #expect(viaCLI.status == 0, "\(viaCLI.stdout) \(viaCLI.stderr)")
        #expect(viaCLI.stdout.contains("succeeded"))
        #expect(viaCLI.stdout.contains("\"source\":\"VIGIL_DEMO\""), "\(viaCLI.stdout)")
        #expect(viaCLI.stdout.contains("\"IsMatch\":true"))  // PhotoDNA's own answer, kept as raw
        #expect(!viaCLI.stdout.contains(key))

        #expect(try await second.terminate() == 0)
        try await receiver.stop()
        try await origin.stop()
        withExtendedLifetime(scratch) {}
    }
}

/// A webhook receiver that records each delivery (its event id, whether its signature holds)
/// and answers after `delay`, so runs take long enough to be interrupted.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let id: String
        let signed: Bool
        let matched: Bool?
        /// The W3C trace context the delivery carried.
        var traceparent: String? = nil
    }

    final class Log: Sendable {
        let entries = Mutex<[Delivery]>([])
    }

    let port: Int
    private let task: Task<Void, any Error>
    private let log: Log

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var deliveries: [Delivery] { log.entries.withLock { $0 } }

    private init(port: Int, task: Task<Void, any Error>, log: Log) {
        self.port = port
        self.task = task
        self.log = log
    }

    static func start(secret: String, delay: Duration) async throws -> WebhookReceiver {
        let log = Log()
        let router = Router()
        router.post("hook") { request, _ in
            let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let signature = request.headers[HTTPField.Name("Vigil-Signature")!] ?? ""
            let event = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            try await Task.sleep(for: delay)
            let data = event["data"] as? [String: Any]
            let delivery = Delivery(id: event["id"] as? String ?? "", signed: WebhookSignature.verify(signature, body: body, secret: secret),
                                    matched: data?["matched"] as? Bool, traceparent: request.headers[HTTPField.Name("traceparent")!])
            log.entries.withLock { $0.append(delivery) }
            return Response(status: .ok)
        }
        let (port, task) = try await LocalServer.start(router, label: "receiver")
        return WebhookReceiver(port: port, task: task, log: log)
    }

    func stop() async throws {
        task.cancel()
        _ = await task.result
    }
}
