import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing
import VigilTestSupport

/// Traces in a real `vigil serve`: a workflow run started by a request that carries a W3C
/// `traceparent` is one trace at a local OTLP/HTTP collector, from the request through the
/// queued run, each step, the lookup (decoding, the index, storage) and each outbound call, and
/// the webhook receiver is handed the same trace. Nothing secret or identifying is exported: no
/// key, secret, image address or verdict, nor an error's words; a malformed or oversized caller
/// trace is ignored without logging the request's headers.
@Suite(.serialized) struct TracingProcessTests {
    typealias Server = ServeCommandTests.Server

    @Test func aWorkflowRunIsOneTraceFromTheRequestToTheWebhook() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let key = try await VigilProcess.newKey(role: "admin", dataDir: data)
        let collector = try await TraceCollector.start()
        let origin = try await OriginServer.start()
        let receiver = try await WebhookReceiver.start(secret: "hook-signing-secret", delay: .zero)
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let log = dir.url.appendingPathComponent("serve.log")
        let server = try Server(dataDir: data, port: port,
                                environment: ["VIGIL_TRACES_ENDPOINT": collector.url, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
                                              "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none", "OTEL_BSP_SCHEDULE_DELAY": "100",
                                              "VIGIL_MASTER_KEY": ""],
                                arguments: ["--fetch-allow", "127.0.0.0/8"], stderr: log)
        try await server.waitReady()

        let credential = try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: key, json: """
            {"integration":"webhook","values":{"nickname":"traced receiver","url":"\(receiver.url)","signing_secret":"hook-signing-secret"}}
            """)
        let credentialID = try #require(WorkflowProcessTests.json(credential.body)["id"] as? String, "\(credential.body)")
        let created = try await ReplicaTests.call(.POST, "\(base)/v1/workflows", key: key, json: """
            {"name": "traced", "trigger": {"type": "api", "parameters": [{"name": "image_url", "type": "url", "required": true}]},
             "steps": [{"id": "lookup", "type": "action", "integration": "vigil", "operation": "match_lookup",
                        "inputs": {"image_url": "{{ trigger.image_url }}"}},
                       {"id": "notify", "type": "action", "action": "notify.webhook", "credential": "\(credentialID)",
                        "inputs": {"event_type": "workflow.test", "data": {"matched": "{{ steps.lookup.output.is_match }}"}}}]}
            """)
        let workflowID = try #require(WorkflowProcessTests.json(created.body)["id"] as? String, "\(created.body)")
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/workflows/\(workflowID)/publish", key: key, json: "{}").status == 201)

        // The caller's trace: the run's spans continue it.
        let traceID = Self.randomHex(bytes: 16), callerSpan = Self.randomHex(bytes: 8)
        let imageURL = origin.url("/demo-0.jpg")
        let (status, body) = try await Self.tracedPost("\(base)/v1/workflows/\(workflowID)/runs", key: key, traceparent: "00-\(traceID)-\(callerSpan)-01",
                                                       contentType: "application/json", body: ByteBuffer(string: #"{"image_url": "\#(imageURL)"}"#))
        #expect(status == 201, "\(body)")
        let runID = try #require(WorkflowProcessTests.json(body)["id"] as? Int, "\(body)")
        var run: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            run = WorkflowProcessTests.json(try await ReplicaTests.call(.GET, "\(base)/v1/workflow-runs/\(runID)", key: key).body)
            if ["succeeded", "failed"].contains(run["status"] as? String ?? "") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(run["status"] as? String == "succeeded", "\(run)")

        // Every span arrives within a few export batches.
        let wanted = ["POST ", "job ", "workflow step lookup", "workflow step notify", "lookup", "image decode and hash", "index search",
                      "lookup event write", "HTTP GET image_fetch", "HTTP POST webhook"]
        var spans: [TraceCollector.Span] = []
        while ContinuousClock.now < deadline {
            spans = collector.spans.filter { $0.traceID == traceID }
            if wanted.allSatisfy({ name in spans.contains { name.hasSuffix(" ") ? $0.name.hasPrefix(name) : $0.name == name } }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let missing = wanted.filter { name in !spans.contains { name.hasSuffix(" ") ? $0.name.hasPrefix(name) : $0.name == name } }
        try #require(missing.isEmpty, "spans missing: \(missing); got \(spans.map(\.name)); log: \((try? String(contentsOf: log, encoding: .utf8))?.suffix(2000) ?? "")")
        func span(_ name: String) throws -> TraceCollector.Span {
            try #require(spans.first { name.hasSuffix(" ") ? $0.name.hasPrefix(name) : $0.name == name })
        }

        // The tree: caller → request → queued run → steps → what each step did.
        let handled = try span("POST ")
        #expect(handled.name.hasSuffix("/runs"), "the server span names the route template: \(handled.name)")
        #expect(handled.parentID == callerSpan)
        let job = try span("job ")
        #expect(job.parentID == handled.id, "the run's job continues the request that queued it")
        let lookupStep = try span("workflow step lookup"), notifyStep = try span("workflow step notify")
        #expect(lookupStep.parentID == job.id)
        #expect(notifyStep.parentID == job.id)
        #expect(try span("HTTP GET image_fetch").parentID == lookupStep.id)
        let lookup = try span("lookup")
        #expect(lookup.parentID == lookupStep.id)
        for part in ["image decode and hash", "index search", "lookup event write"] {
            #expect(try span(part).parentID == lookup.id, "\(part)")
        }
        let webhook = try span("HTTP POST webhook")
        #expect(webhook.parentID == notifyStep.id)

        // The receiver was handed the trace, as the webhook's own span.
        let delivered = try #require(receiver.deliveries.first)
        #expect(delivered.traceparent == "00-\(traceID)-\(webhook.id)-01")

        // A run that fails: its step's span says so by the error's type, not its words (which
        // name the image's address).
        let absentImage = origin.url("/missing.jpg?token=s3cr3t-upload-token")
        let failing = try await ReplicaTests.call(.POST, "\(base)/v1/workflows/\(workflowID)/runs", key: key, json: #"{"image_url": "\#(absentImage)"}"#)
        let failingID = try #require(WorkflowProcessTests.json(failing.body)["id"] as? Int, "\(failing.body)")
        var failedSpan: TraceCollector.Span?
        let failDeadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < failDeadline, failedSpan == nil {
            let run = WorkflowProcessTests.json(try await ReplicaTests.call(.GET, "\(base)/v1/workflow-runs/\(failingID)", key: key).body)
            if run["status"] as? String == "failed" {
                failedSpan = collector.spans.first { $0.name == "workflow step lookup" && $0.errorType != nil && $0.traceID != traceID }
            }
            if failedSpan == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(failedSpan != nil, "the failed step's span is marked with its error's type")

        // A run an event starts continues the trace of the lookup that caused the event: the
        // match is written by a group commit and the run is started by the event follower, each
        // in a task of its own.
        let listening = try await ReplicaTests.call(.POST, "\(base)/v1/workflows", key: key, json: """
            {"name": "traced event", "trigger": {"type": "event", "events": ["match.found"]},
             "steps": [{"id": "seen", "type": "action", "action": "case.create", "inputs": {"title": "seen by {{ trigger.api }}"}}]}
            """)
        let listeningID = try #require(WorkflowProcessTests.json(listening.body)["id"] as? String, "\(listening.body)")
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/workflows/\(listeningID)/publish", key: key, json: "{}").status == 201)
        let lookupTrace = Self.randomHex(bytes: 16)
        let matched = try await Self.tracedPost("\(base)/v1/match", key: key, traceparent: "00-\(lookupTrace)-\(callerSpan)-01",
                                                contentType: "image/jpeg", body: ByteBuffer(bytes: try Images.demo(0)))
        #expect(matched.status == 200 && matched.body.contains(#""is_match":true"#), "\(matched.body)")
        var eventSpans: [TraceCollector.Span] = []
        let eventDeadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < eventDeadline {
            eventSpans = collector.spans.filter { $0.traceID == lookupTrace }
            if eventSpans.contains(where: { $0.name == "workflow step seen" }), eventSpans.contains(where: { $0.name == "job workflow.run" }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let eventJob = try #require(eventSpans.first { $0.name == "job workflow.run" }, "the event's run is not in the lookup's trace: \(eventSpans.map(\.name))")
        #expect(eventSpans.contains { $0.id == eventJob.parentID }, "the run's job hangs under a span of the lookup's request")
        #expect(eventSpans.first { $0.name == "workflow step seen" }?.parentID == eventJob.id)

        // Probes are not traced, with or without a caller trace.
        for probe in ["/status", "/status/live", "/status/ready"] {
            var request = HTTPClientRequest(url: "\(base)\(probe)")
            request.headers.add(name: "traceparent", value: "00-\(traceID)-\(callerSpan)-01")
            _ = try await HTTPClient.shared.execute(request, timeout: .seconds(30)).body.collect(upTo: 1 << 20)
        }

        // A caller trace that is malformed, or carries an 80 KB tracestate, is ignored: the
        // request is answered, and no header (the key among them) is logged.
        for (name, value) in [("traceparent", "00-not-a-trace"), ("tracestate", String(repeating: "a", count: 60_000))] {
            var odd = HTTPClientRequest(url: "\(base)/v1/banks")
            odd.headers.add(name: "Authorization", value: "Bearer \(key)")
            odd.headers.add(name: "traceparent", value: name == "traceparent" ? value : "00-\(traceID)-\(callerSpan)-01")
            if name == "tracestate" { odd.headers.add(name: name, value: value) }
            let answered = try await HTTPClient.shared.execute(odd, timeout: .seconds(30))
            #expect(answered.status.code == 200, "\(name)")
            _ = try await answered.body.collect(upTo: 1 << 20)
        }

        // No key, secret, image address, upload token or verdict leaves in a span, and
        // AsyncHTTPClient's own spans (which record full URLs) are not made.
        #expect(try await server.terminate() == 0)
        let exported = collector.bodies
        for secret in [key, "hook-signing-secret", "demo-0.jpg", imageURL, "s3cr3t-upload-token", "missing.jpg", "matched", String(repeating: "a", count: 100)] {
            #expect(!exported.contains(secret), "a span carries \(secret.prefix(12))…: \(exported.components(separatedBy: secret).first?.suffix(300) ?? "")")
        }
        #expect(!collector.spans.contains { ["GET", "POST"].contains($0.name) }, "AsyncHTTPClient's own spans")
        #expect(!collector.spans.contains { $0.name.contains("/status") || $0.name.contains("/metrics") }, "probes are not traced")
        let serverLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!serverLog.contains(key), "the server logged a request's key")

        try await receiver.stop()
        try await origin.stop()
        try await collector.stop()
    }

    /// `bytes` random bytes in hex: a W3C trace id (16) or span id (8).
    static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// A POST with a key and a caller's `traceparent`.
    static func tracedPost(_ url: String, key: String, traceparent: String, contentType: String, body: ByteBuffer) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "traceparent", value: traceparent)
        request.body = .bytes(body)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test func aTracesEndpointThatIsNotAnAddressIsRefusedInWords() async throws {
        let dir = try TemporaryDirectory()
        for bad in ["collector:4318", "ftp://collector/v1/traces", "http://user:secret@collector:4318/v1/traces"] {
            let output = try await VigilProcess.run(["serve", "--data-dir", dir.url.appendingPathComponent("data").path, "--port", "0"],
                                                    environment: ["VIGIL_TRACES_ENDPOINT": bad], timeout: .seconds(60))
            #expect(output.status == 2, "a setting refused exits 2")
            #expect(output.stderr.contains("VIGIL_TRACES_ENDPOINT"), "\(output.stderr)")
            #expect(!output.stderr.contains("secret"), "the refusal repeats a password: \(output.stderr)")
        }
    }

    /// swift-otel stops the process on some OTEL_* values and logs others it cannot parse: each
    /// is refused in words before it is read, and a header's value (a credential) is not repeated.
    @Test(arguments: [("OTEL_PROPAGATORS", "tracecontext,baggage"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
                      ("OTEL_TRACES_SAMPLER", "xray"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://elsewhere:4318/v1/traces"),
                      ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "Authorization: Bearer s3cret-collector-key"), ("OTEL_METRICS_EXPORTER", "otlp"),
                      // Accepted by a looser check, then failed and logged, value and all, by swift-otel's parser.
                      ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=s3cret-collector-key, "), ("OTEL_BSP_MAX_QUEUE_SIZE", "86400000"),
                      ("OTEL_TRACES_SAMPLER_ARG", "0.5")])
    func anOpenTelemetryVariableVigilCannotHonourIsRefusedInWords(name: String, value: String) async throws {
        let dir = try TemporaryDirectory()
        let output = try await VigilProcess.run(["serve", "--data-dir", dir.url.appendingPathComponent("data").path, "--port", "0"],
                                                environment: ["VIGIL_TRACES_ENDPOINT": "http://127.0.0.1:1/v1/traces", name: value], timeout: .seconds(60))
        #expect(output.status == 2, "exit \(output.status): \(output.stderr.suffix(500))")
        #expect(output.stderr.contains(name), "\(output.stderr.suffix(500))")
        #expect(!output.stderr.contains("s3cret"), "the refusal repeats a credential")
    }
}

/// An OpenTelemetry collector's OTLP/HTTP JSON traces endpoint: keeps every span it is sent.
final class TraceCollector: Sendable {
    struct Span: Sendable {
        let traceID: String
        let id: String
        let parentID: String?
        let name: String
        /// `error.type`, when the span failed.
        let errorType: String?
    }

    final class Received: Sendable {
        let spans = Mutex<[Span]>([])
        let bodies = Mutex<[String]>([])
    }

    let port: Int
    private let task: Task<Void, any Error>
    private let received: Received

    var url: String { "http://127.0.0.1:\(port)/v1/traces" }
    var spans: [Span] { received.spans.withLock { $0 } }
    var bodies: String { received.bodies.withLock { $0.joined(separator: "\n") } }

    private init(port: Int, task: Task<Void, any Error>, received: Received) {
        self.port = port
        self.task = task
        self.received = received
    }

    /// OTLP's JSON gives ids as hex; protobuf's JSON mapping as base64: either is read.
    static func hexID(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        return Data(base64Encoded: text).map { $0.map { String(format: "%02x", $0) }.joined() }
    }

    static func start() async throws -> TraceCollector {
        let received = Received()
        let router = Router()
        router.post("v1/traces") { request, _ in
            let body = try await request.body.collect(upTo: 16 << 20)
            let text = String(buffer: body)
            received.bodies.withLock { $0.append(text) }
            let root = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            var spans: [Span] = []
            for resource in root["resourceSpans"] as? [[String: Any]] ?? [] {
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        guard let trace = hexID(span["traceId"] as? String), let id = hexID(span["spanId"] as? String) else { continue }
                        let attributes = span["attributes"] as? [[String: Any]] ?? []
                        let errorType = attributes.first { $0["key"] as? String == "error.type" }
                            .flatMap { ($0["value"] as? [String: Any])?["stringValue"] as? String }
                        spans.append(Span(traceID: trace, id: id, parentID: hexID(span["parentSpanId"] as? String),
                                          name: span["name"] as? String ?? "", errorType: errorType))
                    }
                }
            }
            received.spans.withLock { $0 += spans }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (port, task) = try await LocalServer.start(router, label: "collector")
        return TraceCollector(port: port, task: task, received: received)
    }

    func stop() async throws {
        task.cancel()
        _ = await task.result
    }
}
