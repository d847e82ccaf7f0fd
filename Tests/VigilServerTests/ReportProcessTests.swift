import AsyncHTTPClient
import Foundation
import NCMECMock
import NIOCore
import Testing
import VigilTestSupport

/// A `vigil serve` killed with SIGKILL in the middle of a CyberTipline call (held by the mock
/// before or after it takes effect), on SQLite and PostgreSQL: the restarted server finishes the
/// report, and NCMEC keeps exactly one finished report holding every file once.
@Suite(.serialized) struct ReportProcessTests {
    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    static func postImage(_ url: String, key: String, bytes: [UInt8]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "image/jpeg")
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    /// A CyberTipline credential for the mock at `mock`, and the report settings a report needs.
    static func setUpReporting(base: String, key: String, mock: String) async throws {
        let credential = try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: key, json: """
            {"integration":"ncmec_cybertipline","values":{"nickname":"mock","username":"esp-user","password":"esp-password","endpoint":"\(mock)"}}
            """)
        try #require(credential.status == 201, "\(credential.body)")
        let settings = try await ReplicaTests.call(.PUT, "\(base)/v1/report-settings", key: key,
                                                   json: #"{"esp_service":"ExampleApp","reporter":{"email":"trust-safety@example.com"}}"#)
        try #require(settings.status == 200, "\(settings.body)")
    }

    static let points: [(backend: String, endpoint: String, afterEffect: Bool)] = [
        ("sqlite", "submit", false), ("sqlite", "submit", true), ("sqlite", "upload", false), ("sqlite", "upload", true),
        ("sqlite", "fileinfo", false), ("sqlite", "fileinfo", true), ("sqlite", "finish", false), ("sqlite", "finish", true),
        ("postgres", "submit", true), ("postgres", "upload", true), ("postgres", "fileinfo", true), ("postgres", "finish", true),
    ]

    @Test(arguments: Self.points.indices)
    func aKilledServerFinishesTheReportOnce(point: Int) async throws {
        let (backend, endpoint, afterEffect) = Self.points[point]
        let label: Comment = "\(backend): killed \(afterEffect ? "after" : "before") NCMEC acted on /\(endpoint)"
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let scratch = backend == "postgres" ? try ScratchPostgres() : nil
        let storage = ["--data-dir", data.path] + (scratch.map { ["--database-url", $0.url] } ?? [])
        let made = try await VigilProcess.run(["keys", "create", "--role", "admin"] + storage, environment: ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": ""])
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mock = try CyberTiplineMock()
        let running = try await mock.start()
        defer { Task { mock.releaseTrapped(); await running.stop() } }

        let environment = ["VIGIL_JOB_LEASE_SECONDS": "2", "VIGIL_MASTER_KEY": ""]
        let arguments = Array(storage.dropFirst(2)) + ["--fetch-allow", "127.0.0.0/8"]
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let first = try ServeCommandTests.Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                                 stderr: dir.url.appendingPathComponent("serve-1.log"))
        try await first.waitReady()
        try await ReportProcessTests.setUpReporting(base: base, key: key, mock: running.base)
        let opened = try await ReplicaTests.call(.POST, "\(base)/v1/cases", key: key, json: #"{"title":"killed mid-report"}"#)
        let caseID = try #require(Self.json(opened.body)["id"] as? Int, "\(opened.body)")
        for index in 0..<2 {
            let attached = try await Self.postImage("\(base)/v1/cases/\(caseID)/evidence?file_name=IMG_\(index).jpg", key: key, bytes: try Images.demo(index))
            try #require(attached.status == 201, "\(attached.body)")
        }
        mock.setTrap(.init(endpoint: endpoint, afterEffect: afterEffect))
        let drafted = try await ReplicaTests.call(.POST, "\(base)/v1/cases/\(caseID)/reports", key: key, json: "{}")
        let reportID = try #require(Self.json(drafted.body)["id"] as? Int, "\(drafted.body)")
        let approved = try await ReplicaTests.call(.POST, "\(base)/v1/reports/\(reportID)/approve", key: key, json: "{}")
        try #require(approved.status == 202, "\(approved.body)")

        // The call is held by the mock: the server dies in the middle of it.
        let deadline = ContinuousClock.now + .seconds(60)
        while mock.trapped.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(mock.trapped == [endpoint], label)
        try await first.kill9()

        let second = try ServeCommandTests.Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                                  stderr: dir.url.appendingPathComponent("serve-2.log"))
        try await second.waitReady()
        var state = ""
        while state != "finished", ContinuousClock.now < deadline + .seconds(30) {
            state = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/reports/\(reportID)", key: key).body)["state"] as? String ?? ""
            if state != "finished" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(state == "finished", "\(label); log: \((try? String(contentsOf: dir.url.appendingPathComponent("serve-2.log"), encoding: .utf8))?.suffix(1500) ?? "")")
        let kept = try ReportFlowTests.expectOneCleanReport(mock, files: 2, label)
        #expect(mock.reports.filter { $0.id != kept.id }.allSatisfy { $0.state != .finished }, label)
        let shown = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/reports/\(reportID)", key: key).body)
        #expect((shown["ncmec"] as? [String: Any])?["report_id"] as? Int == Int(kept.id), label)
        let kinds = (shown["history"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds.contains("recovered"), "\(label): \(kinds)")
    }
}

/// Two `vigil serve` replicas on one PostgreSQL database, each with its own data directory and the
/// same master key, as docs/deployment.md sets them up: evidence added through one is previewed,
/// revealed and reported through the other, and NCMEC gets the report exactly once.
@Suite(.serialized) struct ReplicaEvidenceTests {
    @Test func evidenceAddedThroughOneReplicaIsReportedThroughTheOther() async throws {
        let dir = try TemporaryDirectory()
        let scratch = try ScratchPostgres()
        let masterKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let environment = ["VIGIL_MASTER_KEY": masterKey, "VIGIL_DATABASE_URL": ""]
        let (dataA, dataB) = (dir.url.appendingPathComponent("a"), dir.url.appendingPathComponent("b"))
        let made = try await VigilProcess.run(["keys", "create", "--role", "admin", "--data-dir", dataA.path, "--database-url", scratch.url],
                                        environment: environment)
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mock = try CyberTiplineMock()
        let running = try await mock.start()
        defer { Task { await running.stop() } }
        let arguments = ["--database-url", scratch.url, "--no-demo-bank", "--fetch-allow", "127.0.0.0/8"]
        let (portA, portB) = (try ServeCommandTests.freePort(), try ServeCommandTests.freePort())
        let a = try ServeCommandTests.Server(dataDir: dataA, port: portA, environment: environment, arguments: arguments,
                                             stderr: dir.url.appendingPathComponent("a.log"))
        let b = try ServeCommandTests.Server(dataDir: dataB, port: portB, environment: environment, arguments: arguments,
                                             stderr: dir.url.appendingPathComponent("b.log"))
        try await a.waitReady()
        try await b.waitReady()
        let (viaA, viaB) = ("http://127.0.0.1:\(portA)", "http://127.0.0.1:\(portB)")

        // Through A: the credential, the settings, a case and its evidence file.
        try await ReportProcessTests.setUpReporting(base: viaA, key: key, mock: running.base)
        let opened = try await ReplicaTests.call(.POST, "\(viaA)/v1/cases", key: key, json: #"{"title":"reported through the other replica"}"#)
        let caseID = try #require(ReportProcessTests.json(opened.body)["id"] as? Int, "\(opened.body)")
        let image = try Images.demo(0)
        let attached = try await ReportProcessTests.postImage("\(viaA)/v1/cases/\(caseID)/evidence?file_name=IMG_0.jpg", key: key, bytes: image)
        try #require(attached.status == 201, "\(attached.body)")
        let sha = try #require((ReportProcessTests.json(attached.body)["evidence"] as? [[String: Any]])?.first?["media_sha256"] as? String)
        // Nothing of it is kept in A's data directory.
        let files = FileManager.default.enumerator(at: dataA, includingPropertiesForKeys: nil)?.allObjects.compactMap { $0 as? URL } ?? []
        #expect(!files.contains { $0.path.contains("/evidence/") }, "\(files)")

        // Through B: the preview, the reveal, and the report from draft to NCMEC's receipt.
        let preview = try await ServeCommandTests.get("\(viaB)/v1/media/\(sha)/preview", key: key)
        #expect(preview.status == 200, "\(preview.body.prefix(300))")
        var reveal = HTTPClientRequest(url: "\(viaB)/v1/media/\(sha)/reveal?case_id=\(caseID)")
        reveal.method = .POST
        reveal.headers.add(name: "Authorization", value: "Bearer \(key)")
        let revealed = try await HTTPClient.shared.execute(reveal, timeout: .seconds(30))
        #expect(revealed.status.code == 200)
        #expect(Array(buffer: try await revealed.body.collect(upTo: 1 << 24)) == image)
        let drafted = try await ReplicaTests.call(.POST, "\(viaB)/v1/cases/\(caseID)/reports", key: key, json: "{}")
        let reportID = try #require(ReportProcessTests.json(drafted.body)["id"] as? Int, "\(drafted.body)")
        let approved = try await ReplicaTests.call(.POST, "\(viaB)/v1/reports/\(reportID)/approve", key: key, json: "{}")
        try #require(approved.status == 202, "\(approved.body)")
        let deadline = ContinuousClock.now + .seconds(60)
        var shown: [String: Any] = [:]
        while shown["state"] as? String != "finished", ContinuousClock.now < deadline {
            shown = ReportProcessTests.json(try await ReplicaTests.call(.GET, "\(viaB)/v1/reports/\(reportID)", key: key).body)
            if shown["state"] as? String != "finished" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(shown["state"] as? String == "finished", "\(shown)")
        let kept = try ReportFlowTests.expectOneCleanReport(mock, files: 1)
        #expect(mock.reports.count == 1, "one report opened at NCMEC, not one per replica")
        #expect(kept.files.first?.details?.contains("<fileViewedByEsp>true</fileViewedByEsp>") == true)
        #expect(mock.calls("upload") == 1)
        withExtendedLifetime((a, b)) {}
    }
}
