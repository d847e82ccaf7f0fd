import AsyncHTTPClient
import Foundation
import NCMECMock
import NIOCore
import PDQ
import Testing
import VigilTestSupport

/// A real `vigil serve` killed with SIGKILL right after a burst of matching lookups, on SQLite and
/// PostgreSQL: every lookup that was answered as a match has its `match.found` event, and the
/// restarted server starts the workflow run of every one of them. And a server stopped with
/// SIGTERM gives its running job back, so the next one resumes it at once.
@Suite(.serialized) struct MatchEventProcessTests {
    static func json(_ body: String) -> [String: Any] { ReportProcessTests.json(body) }

    @Test(arguments: ["sqlite", "postgres"])
    func aKilledServerLosesNoMatchEventAndStartsEveryRun(backend: String) async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let scratch = backend == "postgres" ? try ScratchPostgres() : nil
        let storage = ["--data-dir", data.path] + (scratch.map { ["--database-url", $0.url] } ?? [])
        let environment = ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": ""]
        let made = try await VigilProcess.run(["keys", "create", "--role", "admin"] + storage, environment: environment)
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let arguments = Array(storage.dropFirst(2)) + ["--no-demo-bank"]
        let first = try ServeCommandTests.Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                                 stderr: dir.url.appendingPathComponent("serve-1.log"))
        try await first.waitReady()

        var generator = HashGenerator(seed: 2701)
        let hashes = (0..<60).map { _ in generator.randomHash() }
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/banks", key: key, json: #"{"name":"KNOWN"}"#).status == 201)
        let entries = hashes.map { #"{"pdq":"\#($0.hex)"}"# }.joined(separator: ",")
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/banks/KNOWN/entries", key: key, json: #"{"entries":[\#(entries)]}"#).status == 201)
        let workflow = try await ReplicaTests.call(.POST, "\(base)/v1/workflows", key: key, json: #"""
            {"name": "note every match", "trigger": {"type": "event", "events": ["match.found"]},
             "steps": [{"id": "tag", "type": "action", "action": "account.tag",
                        "inputs": {"reference_id": "seen-{{ trigger.pdq }}", "tags": ["matched"]}}]}
            """#)
        let workflowID = try #require(Self.json(workflow.body)["id"] as? String, "\(workflow.body)")
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/workflows/\(workflowID)/publish", key: key, json: "{}").status == 201)

        // A burst of matching lookups, all at once; the server dies as soon as the last is answered.
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for hash in hashes {
                group.addTask {
                    let reply = try await ReplicaTests.call(.POST, "\(base)/v1/match", key: key, json: #"{"pdq":"\#(hash.hex)"}"#)
                    return reply.status == 200 && Self.json(reply.body)["is_match"] as? Bool == true
                }
            }
            var matched = 0
            for try await ok in group where ok { matched += 1 }
            return matched
        }
        try await first.kill9()
        #expect(answered == hashes.count)

        let second = try ServeCommandTests.Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                                  stderr: dir.url.appendingPathComponent("serve-2.log"))
        try await second.waitReady()
        let events = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/events?types=match.found&limit=1000", key: key).body)["events"] as? [Any]
        #expect(events?.count == hashes.count, "every answered match has its event")
        let deadline = ContinuousClock.now + .seconds(120)
        var succeeded = 0
        while succeeded < hashes.count, ContinuousClock.now < deadline {
            let runs = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/workflows/\(workflowID)/runs?status=succeeded&limit=1000", key: key).body)
            succeeded = (runs["runs"] as? [Any])?.count ?? 0
            if succeeded < hashes.count { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(succeeded == hashes.count, "every match started its run; log: \(Self.log(dir, "serve-2.log"))")
        let all = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/workflows/\(workflowID)/runs?limit=1000", key: key).body)
        #expect((all["runs"] as? [Any])?.count == hashes.count, "one run per event, none twice")
        withExtendedLifetime(second) {}
    }

    /// SIGTERM in the middle of a report's call: the job is given back, and the next server
    /// finishes the report long before the old lease (60 s here) would have lapsed.
    @Test func aStoppedServerGivesItsJobBackAtOnce() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let environment = ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": "", "VIGIL_JOB_LEASE_SECONDS": "60"]
        let made = try await VigilProcess.run(["keys", "create", "--role", "admin", "--data-dir", data.path], environment: environment)
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mock = try CyberTiplineMock()
        let running = try await mock.start()
        defer { Task { mock.releaseTrapped(); await running.stop() } }
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let arguments = ["--no-demo-bank", "--fetch-allow", "127.0.0.0/8"]
        let first = try ServeCommandTests.Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                                 stderr: dir.url.appendingPathComponent("serve-1.log"))
        try await first.waitReady()
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: key, json: """
            {"integration":"ncmec_cybertipline","values":{"nickname":"mock","username":"esp-user","password":"esp-password","endpoint":"\(running.base)"}}
            """).status == 201)
        #expect(try await ReplicaTests.call(.PUT, "\(base)/v1/report-settings", key: key,
                                            json: #"{"esp_service":"ExampleApp","reporter":{"email":"trust-safety@example.com"}}"#).status == 200)
        let opened = try await ReplicaTests.call(.POST, "\(base)/v1/cases", key: key, json: #"{"title":"stopped mid-report"}"#)
        let caseID = try #require(Self.json(opened.body)["id"] as? Int)
        #expect(try await ReportProcessTests.postImage("\(base)/v1/cases/\(caseID)/evidence?file_name=a.jpg", key: key, bytes: try Images.demo(0)).status == 201)
        mock.setTrap(.init(endpoint: "upload", afterEffect: false))
        let drafted = try await ReplicaTests.call(.POST, "\(base)/v1/cases/\(caseID)/reports", key: key, json: "{}")
        let reportID = try #require(Self.json(drafted.body)["id"] as? Int)
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/reports/\(reportID)/approve", key: key, json: "{}").status == 202)
        let trapped = ContinuousClock.now + .seconds(60)
        while mock.trapped.isEmpty, ContinuousClock.now < trapped { try await Task.sleep(for: .milliseconds(10)) }
        try #require(mock.trapped == ["upload"])

        #expect(try await first.terminate() == 0, "a graceful stop")
        mock.setTrap(nil)
        mock.releaseTrapped()
        let restarted = ContinuousClock.now
        let second = try ServeCommandTests.Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                                  stderr: dir.url.appendingPathComponent("serve-2.log"))
        try await second.waitReady()
        var state = ""
        while state != "finished", restarted.duration(to: .now) < .seconds(50) {
            state = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/reports/\(reportID)", key: key).body)["state"] as? String ?? ""
            if state != "finished" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(state == "finished", "resumed without waiting for the 60 s lease; log: \(Self.log(dir, "serve-1.log"))")
        _ = try ReportFlowTests.expectOneCleanReport(mock, files: 1)
        withExtendedLifetime(second) {}
    }

    static func log(_ dir: TemporaryDirectory, _ name: String) -> String {
        ((try? String(contentsOf: dir.url.appendingPathComponent(name), encoding: .utf8)) ?? "").suffix(1500).description
    }
}
