import Foundation
import NCMECMock
import Synchronization
import Testing
import VigilTestSupport

/// Issue 32: a populated server (banks, a published workflow and its run, cases with evidence, a
/// finished report and a drafted one, credentials) is backed up while entries are being added and
/// lookups made; the backup is restored into a fresh place, and a server started on it answers
/// every read as the first did, and sends the drafted report with the backed-up credential and
/// evidence. A restore without the master key, or with another one, writes nothing.
@Suite(.serialized) struct BackupRoundTripTests {
    /// What must read the same after the restore (bodies compared whole; the bank list is not
    /// among them, since it counts the entries the load went on adding).
    static func reads(caseIDs: [Int], reportIDs: [Int], evidence: [String]) -> [String] {
        ["/v1/banks/VIGIL_DEMO", "/v1/banks/VIGIL_DEMO/entries", "/v1/workflows", "/v1/workflows/Screen%20uploaded%20image",
         "/v1/workflow-runs", "/v1/cases", "/v1/reports", "/v1/credentials", "/v1/report-settings"]
            + caseIDs.map { "/v1/cases/\($0)" } + reportIDs.map { "/v1/reports/\($0)" } + evidence.map { "/v1/media/\($0)/preview" }
    }

    @Test(arguments: Backend.allCases)
    func aBackupTakenUnderLoadRestoresToTheSameAnswers(backend: Backend) async throws {
        let dir = try TemporaryDirectory()
        let (data, restored) = (dir.url.appendingPathComponent("data"), dir.url.appendingPathComponent("restored"))
        let backup = dir.url.appendingPathComponent("backup")
        let (source, target) = backend == .postgres ? (try ScratchPostgres(), try ScratchPostgres()) : (nil, nil)
        // SQLite keeps its master key in the data directory's key file; the PostgreSQL replicas
        // take theirs from the environment, as docs/deployment.md sets them up.
        let masterKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let environment = ["VIGIL_MASTER_KEY": backend == .postgres ? masterKey : "", "VIGIL_DATABASE_URL": ""]
        let storage = ["--data-dir", data.path] + (source.map { ["--database-url", $0.url] } ?? [])
        let restoredStorage = ["--data-dir", restored.path] + (target.map { ["--database-url", $0.url] } ?? [])
        let made = try await VigilProcess.run(["keys", "create", "--role", "admin"] + storage, environment: environment)
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mock = try CyberTiplineMock()
        let running = try await mock.start()
        defer { Task { await running.stop() } }
        let origin = try await OriginServer.start()
        let arguments = Array(storage.dropFirst(2)) + ["--fetch-allow", "127.0.0.0/8"]
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let first = try ServeCommandTests.Server(dataDir: data, port: port, environment: environment, arguments: arguments,
                                                 stderr: dir.url.appendingPathComponent("serve-1.log"))
        try await first.waitReady()

        // Populated: a credential, the report settings, two cases with evidence (one reported, one
        // drafted), the demo bank and its published template run once on an image it knows.
        try await ReportProcessTests.setUpReporting(base: base, key: key, mock: running.base)
        var caseIDs: [Int] = [], evidence: [String] = [], reportIDs: [Int] = []
        for index in 0..<2 {
            let opened = try await ReplicaTests.call(.POST, "\(base)/v1/cases", key: key, json: #"{"title":"case \#(index)"}"#)
            let caseID = try #require(ReportProcessTests.json(opened.body)["id"] as? Int, "\(opened.body)")
            let attached = try await ReportProcessTests.postImage("\(base)/v1/cases/\(caseID)/evidence?file_name=IMG_\(index).jpg", key: key,
                                                                   bytes: try Images.demo(index))
            try #require(attached.status == 201, "\(attached.body)")
            evidence.append(try #require((ReportProcessTests.json(attached.body)["evidence"] as? [[String: Any]])?.first?["media_sha256"] as? String))
            let drafted = try await ReplicaTests.call(.POST, "\(base)/v1/cases/\(caseID)/reports", key: key, json: "{}")
            reportIDs.append(try #require(ReportProcessTests.json(drafted.body)["id"] as? Int, "\(drafted.body)"))
            caseIDs.append(caseID)
        }
        let approved = try await ReplicaTests.call(.POST, "\(base)/v1/reports/\(reportIDs[0])/approve", key: key, json: "{}")
        try #require(approved.status == 202, "\(approved.body)")
        try await Self.waitFor("report \(reportIDs[0]) finished", base: base, key: key, path: "/v1/reports/\(reportIDs[0])", field: "state", value: "finished")
        let run = try await ReplicaTests.call(.POST, "\(base)/v1/workflows/Screen%20uploaded%20image/runs", key: key,
                                              json: #"{"image_url":"\#(origin.url("/demo-0.jpg"))","account_reference_id":"u1"}"#)
        let runID = try #require(ReportProcessTests.json(run.body)["id"] as? Int, "\(run.body)")
        try await Self.waitFor("run \(runID) succeeded", base: base, key: key, path: "/v1/workflow-runs/\(runID)", field: "status", value: "succeeded")
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/banks", key: key, json: #"{"name":"LOAD"}"#).status == 201)
        let cases = ReportProcessTests.json(try await ReplicaTests.call(.GET, "\(base)/v1/cases", key: key).body)
        caseIDs = ((cases["cases"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
        #expect(caseIDs.count == 3, "two cases opened by hand and one by the workflow's match: \(cases)")
        // The run's match is counted on its entry when the tally is next written (every 10 s):
        // the reads are taken after that, so they hold still.
        try await Self.waitForMatch(base: base, key: key)
        let paths = Self.reads(caseIDs: caseIDs, reportIDs: reportIDs, evidence: evidence)
        var before: [String: String] = [:]
        for path in paths {
            let reply = try await ReplicaTests.call(.GET, "\(base)\(path)", key: key, limit: 1 << 24)
            try #require(reply.status == 200, "\(path): \(reply.status) \(reply.body.prefix(300))")
            before[path] = reply.body
        }

        // The backup, while entries are added and lookups made.
        let stop = Mutex(false)
        let load = Task {
            var generator = HashGenerator(seed: 32)
            var added = 0
            while !stop.withLock({ $0 }) {
                let batch = (0..<50).map { _ in #"{"pdq":"\#(generator.randomHash().hex)"}"# }.joined(separator: ",")
                let reply = try await ReplicaTests.call(.POST, "\(base)/v1/banks/LOAD/entries", key: key, json: #"{"entries":[\#(batch)]}"#)
                guard reply.status == 201 || reply.status == 200 else { throw LoadFailed(reply: "\(reply.status) \(reply.body)") }
                added += 50
                _ = try await ReplicaTests.call(.GET, "\(base)/m/lookup?signal_type=pdq&signal=\(generator.randomHash().hex)", key: key)
            }
            return added
        }
        try await Self.waitForEntries(atLeast: 200, base: base, key: key)
        let written = try await VigilProcess.run(["backup", backup.path] + storage, environment: environment)
        stop.withLock { $0 = true }
        let addedInAll = try await load.value
        try #require(written.status == 0, "backup: \(written.stderr)")
        #expect(written.stdout.contains("the master key is not in the backup"))
        // The same folder named again is refused, and the backup in it is left whole.
        let manifestBefore = try Data(contentsOf: backup.appendingPathComponent("manifest.json"))
        let again = try await VigilProcess.run(["backup", backup.path] + storage, environment: environment)
        #expect(again.status == 2 && again.stderr.contains("is not empty"), "\(again.stderr)")
        #expect(try Data(contentsOf: backup.appendingPathComponent("manifest.json")) == manifestBefore)
        let manifest = try String(contentsOf: backup.appendingPathComponent("manifest.json"), encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: backup.path).sorted()
        #expect(files == ["manifest.json", backend == .sqlite ? "vigil.sqlite" : "vigil.pgdump"])
        #expect(!manifest.contains(masterKey))
        if backend == .sqlite {
            let keyFile = try String(contentsOf: data.appendingPathComponent("master.key"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let copy = try Data(contentsOf: backup.appendingPathComponent("vigil.sqlite"))
            #expect(copy.range(of: Data(keyFile.utf8)) == nil, "the master key is nowhere in the backup")
        }
        #expect(try await first.terminate() == 0)

        // Without the master key, and with another one, nothing is restored.
        let withoutKey = try await VigilProcess.run(["restore", backup.path] + restoredStorage, environment: ["VIGIL_MASTER_KEY": "", "VIGIL_DATABASE_URL": ""])
        #expect(withoutKey.status == 2)
        #expect(withoutKey.stderr.contains("the backup's master key is needed"), "\(withoutKey.stderr)")
        let otherKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let wrongKey = try await VigilProcess.run(["restore", backup.path] + restoredStorage, environment: ["VIGIL_MASTER_KEY": otherKey, "VIGIL_DATABASE_URL": ""])
        #expect(wrongKey.status == 2)
        #expect(wrongKey.stderr.contains("signature does not verify with the master key given"), "\(wrongKey.stderr)")
        #expect(!FileManager.default.fileExists(atPath: restored.appendingPathComponent("vigil.sqlite").path))
        if backend == .sqlite {
            try FileManager.default.createDirectory(at: restored, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: data.appendingPathComponent("master.key"), to: restored.appendingPathComponent("master.key"))
        }
        // A backup changed by someone who can write where backups are kept (the manifest's counts
        // and digest made to agree with a changed database), and one whose database file is a
        // link to another file, are refused, and nothing is written.
        let databaseName = backend == .sqlite ? "vigil.sqlite" : "vigil.pgdump"
        let tampered = dir.url.appendingPathComponent("tampered"), linked = dir.url.appendingPathComponent("linked")
        for copy in [tampered, linked] { try FileManager.default.copyItem(at: backup, to: copy) }
        var fields = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: tampered.appendingPathComponent("manifest.json"))) as? [String: Any])
        var counts = try #require(fields["counts"] as? [String: Any])
        counts["api_keys"] = ((counts["api_keys"] as? Int) ?? 0) + 1
        fields["counts"] = counts
        try JSONSerialization.data(withJSONObject: fields).write(to: tampered.appendingPathComponent("manifest.json"))
        let changed = try await VigilProcess.run(["restore", tampered.path] + restoredStorage, environment: environment)
        #expect(changed.status == 2 && changed.stderr.contains("signature does not verify"), "\(changed.stderr)")
        let victim = dir.url.appendingPathComponent("victim.txt")
        try Data("not a database".utf8).write(to: victim)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: victim.path)
        try FileManager.default.removeItem(at: linked.appendingPathComponent(databaseName))
        try FileManager.default.createSymbolicLink(at: linked.appendingPathComponent(databaseName), withDestinationURL: victim)
        let followed = try await VigilProcess.run(["restore", linked.path] + restoredStorage, environment: environment)
        #expect(followed.status == 2 && followed.stderr.contains("not a link"), "\(followed.stderr)")
        #expect((try FileManager.default.attributesOfItem(atPath: victim.path)[.posixPermissions] as? Int) == 0o644, "the link's target is left alone")
        #expect(!FileManager.default.fileExists(atPath: restored.appendingPathComponent("vigil.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: restored.appendingPathComponent("vigil.sqlite.restoring").path))
        let restore = try await VigilProcess.run(["restore", backup.path] + restoredStorage, environment: environment)
        try #require(restore.status == 0, "restore: \(restore.stderr)")
        #expect(restore.stdout.contains("4 evidence file(s) opened"), "two originals and their previews: \(restore.stdout)")
        let twice = try await VigilProcess.run(["restore", backup.path] + restoredStorage, environment: environment)
        #expect(twice.status == 2, "a restore never writes over a database: \(twice.stdout)")

        // A server on the restored database answers as the first did, and sends the drafted report.
        let second = try ServeCommandTests.Server(dataDir: restored, port: port, environment: environment,
                                                  arguments: Array(restoredStorage.dropFirst(2)) + ["--fetch-allow", "127.0.0.0/8"],
                                                  stderr: dir.url.appendingPathComponent("serve-2.log"))
        try await second.waitReady()
        for path in paths {
            let reply = try await ReplicaTests.call(.GET, "\(base)\(path)", key: key, limit: 1 << 24)
            #expect(reply.status == 200 && reply.body == before[path], "\(backend) \(path) differs after the restore:\n\(before[path]?.prefix(600) ?? "")\n\(reply.body.prefix(600))")
        }
        let loadBank = ReportProcessTests.json(try await ReplicaTests.call(.GET, "\(base)/v1/banks/LOAD", key: key).body)
        let kept = try #require(loadBank["entry_count"] as? Int, "\(loadBank)")
        #expect(kept >= 200 && kept <= addedInAll && kept % 50 == 0, "a consistent cut of the load: \(kept) of \(addedInAll) entries, whole batches only")
        let sent = try await ReplicaTests.call(.POST, "\(base)/v1/reports/\(reportIDs[1])/approve", key: key, json: "{}")
        try #require(sent.status == 202, "\(sent.body)")
        try await Self.waitFor("report \(reportIDs[1]) finished after the restore", base: base, key: key, path: "/v1/reports/\(reportIDs[1])",
                               field: "state", value: "finished")
        #expect(mock.reports.filter { $0.state == .finished }.count == 2)
        #expect(try await second.terminate() == 0)
        try await origin.stop()
        withExtendedLifetime((source, target)) {}
    }

    struct LoadFailed: Error { let reply: String }

    static func waitFor(_ what: String, base: String, key: String, path: String, field: String, value: String) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        var shown: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            shown = ReportProcessTests.json(try await ReplicaTests.call(.GET, "\(base)\(path)", key: key).body)
            if shown[field] as? String == value { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(what): not after 90 s: \(shown)")
        throw LoadFailed(reply: what)
    }

    static func waitForMatch(base: String, key: String) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let bank = ReportProcessTests.json(try await ReplicaTests.call(.GET, "\(base)/v1/banks/VIGIL_DEMO", key: key).body)
            if ((bank["feedback"] as? [String: Any])?["matches"] as? Int ?? 0) >= 1 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LoadFailed(reply: "the workflow's match was not counted on the demo bank in 90 s")
    }

    static func waitForEntries(atLeast count: Int, base: String, key: String) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let bank = ReportProcessTests.json(try await ReplicaTests.call(.GET, "\(base)/v1/banks/LOAD", key: key).body)
            if (bank["entry_count"] as? Int ?? 0) >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LoadFailed(reply: "the load added fewer than \(count) entries in 90 s")
    }
}
