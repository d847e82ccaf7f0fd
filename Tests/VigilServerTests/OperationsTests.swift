import Access
import Workflows
import Storage
import Banks
import Composition
import ContentHashing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OpenAPIKit
import SafeFetch
import Synchronization
import Testing
import VigilServer
import VigilTestSupport

/// Keys over HTTP, metrics, logs, probes, the trusted proxy, and the OpenAPI document.
@Suite struct OperationsTests {
    /// The header every response carries (a constant name, so the optional initialiser cannot fail).
    static let requestID = HTTPField.Name("X-Request-Id") ?? .contentType
    @Test func adminsManageKeysOverHTTP() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let created = try await client.json(.post, "/v1/keys", key: fixture.admin, #"{"role": "matcher", "label": "moderation queue"}"#)
            #expect(created.status == 201 && created.json["role"] as? String == "matcher")
            let secret = try #require(created.json["secret"] as? String)
            let id = try #require(created.json["id"] as? Int)
            #expect(try await client.call(.get, "/m/index/status", key: secret).status == 200)

            let list = try await client.call(.get, "/v1/keys", key: fixture.admin)
            #expect(!list.text.contains(secret) && !list.text.contains("\"secret\""))
            // The fixture's seven (one a role) and the one made here.
            #expect((list.json["keys"] as? [[String: Any]])?.count == 8)
            #expect(try await client.json(.post, "/v1/keys", key: fixture.admin, #"{"role": "root"}"#).status == 400)
            #expect(try await client.json(.post, "/v1/keys", key: fixture.curator, #"{"role": "admin"}"#).status == 403)
            #expect(try await client.call(.get, "/v1/keys", key: fixture.matcher).status == 403)

            #expect(try await client.call(.delete, "/v1/keys/\(id)", key: fixture.admin).status == 200)
            #expect(try await client.call(.get, "/m/index/status", key: secret).status == 401)
            #expect(try await client.call(.delete, "/v1/keys/99999", key: fixture.admin).status == 404)
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            _ = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            _ = try await client.call(.get, "/m/lookup?signal_type=pdq&signal=zz", key: fixture.matcher)
            #expect(try await client.call(.get, "/metrics").status == 401)
            let metrics = try await client.call(.get, "/metrics", key: fixture.matcher)
            #expect(metrics.status == 200)
            let text = metrics.text
            #expect(text.contains(#"vigil_http_requests_total{route="/v1/match",method="POST",status="200"} 1"#))
            #expect(text.contains(#"vigil_http_requests_total{route="/m/lookup",method="GET",status="400"} 1"#))
            #expect(text.contains("vigil_http_request_duration_seconds_bucket{"))
            #expect(text.contains("vigil_hashes_computed_total 1"))
            #expect(text.contains(#"vigil_matches_total{api="native"} 1"#))
            #expect(text.contains(#"vigil_index_signals_count{signal="pdq"} 2"#))
            #expect(text.contains("vigil_index_ready_bool 1"))
            // The allocator's memory, so growth in use can be told from freed memory held (glibc).
            #if canImport(Glibc)
            let inUse = Self.value(text, #"vigil_malloc_memory_bytes{kind="in_use"}"#)
            #expect(inUse > 1_000_000, "\(Self.lines(text, "malloc"))")
            #expect(Self.value(text, #"vigil_malloc_memory_bytes{kind="held"}"#) >= inUse)
            #endif
        }
    }

    /// Issue 32: what an operator alerts on. Every job kind's queue depth (a kind with no job
    /// too) and the age of its oldest due job; steps and runs by outcome with their durations;
    /// outbound requests by integration; the evidence kept; how far behind the change log the
    /// index is, in seconds.
    @Test func metricsShowTheQueueStepsOutboundCallsEvidenceAndLag() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test { http in
            let id = try await WorkflowAPITests.publish(WorkflowLibrary.screenUploadedImage(), http, admin: fixture.admin)
            let started = try await WorkflowAPITests.start(id, #"{"image_url":"\#(origin.url("/demo-0.jpg"))","account_reference_id":"u-1"}"#,
                                                           key: fixture.analyst, http)
            #expect(started.status == 201, "\(started.text)")
            let queued = try await http.call(.get, "/metrics", key: fixture.matcher).text
            #expect(queued.contains(#"vigil_job_queue_depth_jobs{kind="workflow.run",state="queued"} 1"#), "\(Self.lines(queued, "job_queue"))")
            #expect(queued.contains(#"vigil_job_queue_depth_jobs{kind="report.call",state="queued"} 0"#), "a kind with no job is listed")
            #expect(queued.contains(#"vigil_job_oldest_due_age_seconds{kind="report.call"} 0"#))
            #expect(queued.contains(#"vigil_job_oldest_due_age_seconds{kind="workflow.run"}"#))
            #expect(queued.contains("vigil_evidence_files_count 0"))
            #expect(queued.contains("vigil_metrics_database_readings_up_bool 1"))
            // Counters an alert watches exist at 0 before their first increase.
            #expect(queued.contains(#"vigil_jobs_finished_total{kind="report.call",outcome="failed"} 0"#), "\(Self.lines(queued, "jobs_finished"))")
            #expect(queued.contains(#"vigil_workflow_runs_finished_total{kind="api",outcome="failed"} 0"#))

            try await fixture.runJobs()
            let done = try await http.call(.get, "/metrics", key: fixture.matcher).text
            #expect(done.contains(#"vigil_job_queue_depth_jobs{kind="workflow.run",state="queued"} 0"#))
            #expect(done.contains(#"vigil_workflow_steps_finished_total{action="vigil.match_lookup",outcome="succeeded"} 1"#), "\(Self.lines(done, "steps_finished"))")
            #expect(done.contains(#"vigil_workflow_step_duration_seconds_count{action="vigil.match_lookup"} 1"#))
            #expect(done.contains(#"vigil_workflow_run_duration_seconds_count{kind="api"} 1"#), "\(Self.lines(done, "run_duration"))")
            // The image was fetched (by the lookup, and again for the case's evidence).
            #expect(Self.value(done, #"vigil_outbound_requests_total{integration="image_fetch",outcome="2xx"}"#) >= 1, "\(Self.lines(done, "outbound"))")
            #expect(Self.value(done, #"vigil_outbound_request_duration_seconds_count{integration="image_fetch"}"#) >= 1)
            #expect(done.contains("vigil_evidence_files_count 1"), "\(Self.lines(done, "evidence"))")
            #expect(!done.contains("vigil_evidence_bytes 0"))
            #expect(done.contains("vigil_change_log_lag_seconds 0"))

            // A change another process wrote an hour ago that this index has not applied.
            let other = Assemble.banks(Stores(fixture.database), index: .none)
            _ = try await other.createBank(NewBank(name: "WRITTEN_ELSEWHERE"))
            try await fixture.database.run { sql in
                try await sql.raw("UPDATE bank_changes SET at = at - 3600000 WHERE seq = (SELECT MAX(seq) FROM bank_changes)").run()
            }
            let behind = try await http.call(.get, "/metrics", key: fixture.matcher).text
            #expect(Self.value(behind, "vigil_change_log_lag_seconds") >= 3600, "\(Self.lines(behind, "change_log"))")
            try await fixture.service.banks.syncIndex()
            #expect(try await http.call(.get, "/metrics", key: fixture.matcher).text.contains("vigil_change_log_lag_seconds 0"))
        }
        try await origin.stop()
    }

    /// The value of the sample named exactly `sample` (name and labels), or -1 when absent.
    static func value(_ text: String, _ sample: String) -> Double {
        lines(text, sample + " ").first.flatMap { Double($0.dropFirst(sample.count + 1)) } ?? -1
    }

    static func lines(_ text: String, _ containing: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.contains(containing) && !$0.hasPrefix("#") }
    }

    @Test func accessLogsAreJSONLinesWithRequestIDsAndNoSecrets() async throws {
        let fixture = try await ServerFixture()
        let lines = CapturedLines()
        let router = VigilRouter.build(service: fixture.service, accessLogger: Logger(label: "access") { label in
            CapturingHandler(lines: lines, inner: JSONLogHandler(label: label))
        })
        let app = Application(router: router, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        try await app.test(.router) { client in
            let reply = try await client.call(.get, "/m/index/status", key: fixture.matcher)
            let id = try #require(reply.headers[Self.requestID])
            let logged = try #require(lines.all.last)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(logged.utf8)) as? [String: Any])
            #expect(object["request_id"] as? String == id)
            #expect(object["route"] as? String == "/m/index/status" && object["status"] as? String == "200")
            #expect(object["key_id"] != nil)
            #expect(!logged.contains(fixture.matcher))
        }
        await fixture.database.close()
    }

    @Test func aTrustedProxyNeedsNoKey() async throws {
        let fixture = try await ServerFixture(settings: ServerSettings(trustedProxies: [try #require(IPRange("127.0.0.1/32"))], trustedProxyRole: .matcher))
        try await fixture.test(.live) { (client: any TestClientProtocol) async throws in
            #expect(try await client.call(.get, "/m/index/status").status == 200)
            #expect(try await client.json(.post, "/c/banks", key: nil, #"{"name": "X"}"#).status == 403)
            #expect(try await client.call(.get, "/m/index/status", key: "vgl_wrong").status == 401)
        }
        let strict = try await ServerFixture()
        try await strict.test(.live) { (client: any TestClientProtocol) async throws in
            #expect(try await client.call(.get, "/m/index/status").status == 401)
        }
    }

    @Test func probes() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            #expect(try await client.call(.get, "/status").text == "I-AM-ALIVE")
            #expect(try await client.call(.get, "/status/live").text == "I-AM-ALIVE")
            let ready = try await client.call(.get, "/status/ready")
            #expect(ready.status == 200 && ready.json["ready"] as? Bool == true)
            let document = try await client.call(.get, "/openapi.json")
            #expect(document.status == 200 && document.json["openapi"] as? String == "3.1.0")
        }
    }

    /// Issue 32 (a review): replicas started together on one empty database each ran the first
    /// start; all but the one that made the demo bank stopped with "a bank named VIGIL_DEMO
    /// already exists". Each now starts, and the bank is made once.
    @Test func replicasStartingTogetherMakeTheDemoBankOnce() async throws {
        for _ in 0..<4 {
            let dir = try TemporaryDirectory()
            let path = dir.url.appendingPathComponent("vigil.sqlite").path
            let first = try await VigilDatabase.open(.sqlite(path: path))
            let second = try await VigilDatabase.open(.sqlite(path: path))
            let replicas = [first, second].map { database in
                (banks: Assemble.banks(Stores(database), index: .none), keys: KeyService(store: SQLKeyStore(database: database)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, replica) in replicas.enumerated() {
                    group.addTask {
                        _ = try await FirstRun.prepare(banks: replica.banks, keys: replica.keys,
                                                       dataDirectory: dir.url.appendingPathComponent("replica-\(index)"))
                    }
                }
                try await group.waitForAll()
            }
            let banks = try await replicas[0].banks.listBanks()
            #expect(banks.map(\.name) == ["VIGIL_DEMO"])
            #expect(try await replicas[0].banks.entries(of: try #require(banks.first), after: 0, limit: 10).count == DemoImages.count)
            await first.close()
            await second.close()
        }
    }

    @Test func firstRunCreatesOneAdminKeyAndAMatchingDemoBank() async throws {
        let fixture = try await ServerFixture()
        // The fixture already has keys and banks: nothing is created.
        let none = try await FirstRun.prepare(banks: fixture.service.banks, keys: fixture.service.keys, dataDirectory: fixture.directory.url)
        #expect(none.adminSecret == nil && none.demoBank == nil)

        let empty = try await ServerFixture.empty()
        let first = try await FirstRun.prepare(banks: empty.banks, keys: empty.keys, dataDirectory: empty.directory.url)
        let secret = try #require(first.adminSecret)
        #expect(try await empty.keys.authenticate(secret)?.role == .admin)
        #expect(first.demoBank?.name == "VIGIL_DEMO" && first.demoImages.count == DemoImages.count)
        for url in first.demoImages {
            let signals = try ContentHasher().signals(of: Array(try Data(contentsOf: url)))
            #expect(signals.quality >= 50, "\(url.lastPathComponent) must pass the quality gate")
            #expect(empty.banks.match(.init(pdq: [signals.pdq], pdqQuality: signals.quality)).isMatch)
        }
        let second = try await FirstRun.prepare(banks: empty.banks, keys: empty.keys, dataDirectory: empty.directory.url)
        #expect(second.adminSecret == nil && second.demoBank == nil)
        // The demo bank belongs to the first start: deleted, it stays deleted.
        try await empty.banks.deleteBank(named: "VIGIL_DEMO")
        let afterDelete = try await FirstRun.prepare(banks: empty.banks, keys: empty.keys, dataDirectory: empty.directory.url)
        let remaining = try await empty.banks.listBanks()
        #expect(afterDelete.demoBank == nil && remaining.isEmpty)
        await empty.database.close()
        await fixture.database.close()
    }

    @Test func theOpenAPIDocumentIsValidAndAgreesWithTheRoutes() async throws {
        let served = try #require(OpenAPIDocument.data, "the resource must be found beside the test binary")
        let document = try JSONDecoder().decode(OpenAPI.Document.self, from: served)
        try document.validate()
        #expect(document.openAPIVersion.rawValue.hasPrefix("3.1"))

        let fixture = try await ServerFixture()
        let router = VigilRouter.build(service: fixture.service, accessLogger: Logger(label: "x") { _ in SwiftLogNoOpLogHandler() }, dashboard: false)
        let routes = Set(router.routes.map { "\($0.method.rawValue) " + Self.normalise($0.path.description) })
        var documented = Set<String>()
        for (path, item) in document.paths {
            guard let item = item.pathItemValue else { continue }
            for endpoint in item.endpoints { documented.insert("\(endpoint.method.rawValue.uppercased()) " + Self.normalise(path.rawValue)) }
        }
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from the document")
        #expect(documented.subtracting(routes).sorted() == [], "documented routes that do not exist")
        await fixture.database.close()
    }

    /// Every API test's answers are checked against the document (`TestClientProtocol.call`);
    /// this is the check catching what it must: an undeclared field, a field of another type, an
    /// undocumented status or content type.
    @Test func theContractCheckCatchesAResponseThatDriftsFromTheDocument() throws {
        let contract = try OpenAPIContract()
        let bank = #"{"name": "KNOWN", "kind": "match", "enabled": true, "pdq_threshold": 31, "labels": [], "entry_count": 2,"#
            + #" "created_at": "2026-12-06T10:00:00Z", "updated_at": "2026-12-06T10:00:00.123Z"}"#
        #expect(contract.problems("GET", "/v1/banks/KNOWN", status: 200, contentType: "application/json", body: Array(bank.utf8)) == [])
        let extra = bank.replacingOccurrences(of: "\"labels\": []", with: "\"labels\": [], \"secret\": 1")
        #expect(contract.problems("GET", "/v1/banks/KNOWN", status: 200, contentType: "application/json", body: Array(extra.utf8))
            .contains { $0.contains("\"secret\" is not a documented field") })
        let wrongType = bank.replacingOccurrences(of: "\"entry_count\": 2", with: "\"entry_count\": \"2\"")
        #expect(contract.problems("GET", "/v1/banks/KNOWN", status: 200, contentType: "application/json", body: Array(wrongType.utf8))
            .contains { $0.contains("$.entry_count: a string where the document says integer") })
        #expect(contract.problems("GET", "/v1/banks/KNOWN", status: 418, contentType: "application/json", body: Array("{}".utf8))
            .contains { $0.contains("status 418 is not documented") })
        #expect(contract.problems("GET", "/v1/banks/KNOWN", status: 200, contentType: "text/plain", body: Array("x".utf8))
            .contains { $0.contains("content type \"text/plain\" is not documented") })
        let badDate = bank.replacingOccurrences(of: "2026-12-06T10:00:00Z", with: "yesterday")
        #expect(contract.problems("GET", "/v1/banks/KNOWN", status: 200, contentType: "application/json", body: Array(badDate.utf8))
            .contains { $0.contains("is not an RFC 3339 date-time") })
    }

    /// `/c/bank/{name}` and `/c/bank/:name` alike.
    static func normalise(_ path: String) -> String {
        let trimmed = path.hasPrefix("/") ? path : "/" + path
        return "/" + trimmed.split(separator: "/").map { part in
            part.hasPrefix("{") || part.hasPrefix(":") ? "{}" : String(part)
        }.joined(separator: "/")
    }
}

final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Wraps the JSON handler, keeping what it would write.
struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var inner: JSONLogHandler
    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }
    func log(event: LogEvent) { lines.append(inner.line(for: event)) }
}
