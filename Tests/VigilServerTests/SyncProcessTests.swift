import Foundation
import PDQ
import Testing
import VigilTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Bank syncs in real `vigil serve` processes: one killed with `kill -9` in the middle of a
/// sync resumes on restart with every entry once; and two Vigils, each its own process, stay in
/// step through the change export.
@Suite(.serialized) struct SyncProcessTests {
    typealias Server = ServeCommandTests.Server

    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    static func entryCount(_ base: String, _ bank: String, key: String) async throws -> Int {
        json(try await ReplicaTests.call(.GET, "\(base)/v1/banks/\(bank)", key: key).body)["entry_count"] as? Int ?? -1
    }

    /// Waits until `condition` holds, polling; false when `seconds` pass first.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func aSyncKilledMidwayResumesOnRestartWithEveryEntryOnce() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        // The mock listens on loopback: the operator's leave, for the command line and the server alike.
        let env = ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": "", "VIGIL_DATA_DIR": data.path, "VIGIL_FETCH_ALLOW": "127.0.0.0/8"]
        let admin = try await VigilProcess.run(["keys", "create", "--role", "admin"], environment: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(admin.hasPrefix("vgl_"))
        // 1 004 entries in pages of 40, each page 150 ms: a sync of about four seconds.
        // The mock takes any free port and says which: no other test can take it first.
        let mockOut = dir.url.appendingPathComponent("mock.out")
        _ = FileManager.default.createFile(atPath: mockOut.path, contents: nil)
        let mock = Process()
        mock.executableURL = VigilProcess.executable
        mock.arguments = ["mock", "ncmec-hash-sharing", "--port", "0", "--page-size", "40", "--generated", "1000", "--page-delay-ms", "150"]
        mock.standardOutput = try FileHandle(forWritingTo: mockOut)
        mock.standardError = FileHandle.nullDevice
        try mock.run()
        defer { mock.terminate() }
        var mockBase: String?
        _ = try await Self.eventually(60) {
            let text = (try? String(contentsOf: mockOut, encoding: .utf8)) ?? ""
            mockBase = text.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init)
            return mockBase != nil
        }
        let mockURL = try #require(mockBase, "the mock did not start")
        #expect(try await VigilProcess.run(["bank", "create", "NCMEC"], environment: env).status == 0)
        let added = try await VigilProcess.run(["credentials", "add", "--integration", "ncmec_hash_sharing", "--value", "nickname=mock",
                                          "--value", "username=esp-user", "--value", "endpoint=\(mockURL)"],
                                         stdin: Data("esp-password\n".utf8), environment: env)
        let credential = try #require(added.lines.first?.split(separator: " ").last.map(String.init), "\(added.stderr)")
        #expect(try await VigilProcess.run(["bank", "source", "NCMEC", "--credential", credential], environment: env).status == 0)
        // The mock hashes its demo pictures before it listens: wait until it answers.
        var probe = try await VigilProcess.run(["credentials", "test", credential], environment: env)
        for _ in 0..<100 where probe.status != 0 {
            try await Task.sleep(for: .milliseconds(200))
            probe = try await VigilProcess.run(["credentials", "test", credential], environment: env)
        }
        try #require(probe.status == 0, "the mock did not answer: \(probe.stdout)")

        // The schedule queues the due sync as soon as the server is ready.
        let port = try ServeCommandTests.freePort(), base = "http://127.0.0.1:\(port)"
        let serveEnv = ["VIGIL_JOB_LEASE_SECONDS": "2", "VIGIL_MASTER_KEY": "", "VIGIL_FETCH_ALLOW": "127.0.0.0/8"]
        let log = dir.url.appendingPathComponent("first.log")
        let first = try Server(dataDir: data, port: port, environment: serveEnv, arguments: ["--no-demo-bank"], stderr: log)
        try await first.waitReady()
        var seen = 0
        let midway = try await Self.eventually(90) {
            seen = try await Self.entryCount(base, "NCMEC", key: admin)
            return seen >= 80 && seen < 1004
        }
        let jobs = (try? await ReplicaTests.call(.GET, "\(base)/v1/jobs?kind=bank.sync", key: admin).body) ?? ""
        try await first.kill9()
        let serverLog = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(2000)
        try #require(midway, "the sync was not seen midway (last count \(seen)); jobs: \(jobs.prefix(800)); log: \(serverLog)")

        let second = try Server(dataDir: data, port: port, environment: serveEnv, arguments: ["--no-demo-bank"])
        try await second.waitReady()
        var job: [String: Any] = [:]
        let finished = try await Self.eventually(90) {
            let jobs = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/jobs?kind=bank.sync", key: admin).body)["jobs"] as? [[String: Any]] ?? []
            job = jobs.first ?? [:]
            return (job["state"] as? String).map { ["succeeded", "failed", "cancelled"].contains($0) } ?? false
        }
        #expect(finished && job["state"] as? String == "succeeded" && job["attempts"] as? Int == 2, "\(job)")
        #expect(try await Self.entryCount(base, "NCMEC", key: admin) == 1004)
        let source = Self.json(try await ReplicaTests.call(.GET, "\(base)/v1/banks/NCMEC/source", key: admin).body)
        #expect(source["checkpoint"] is String && (source["last_outcome"] as? String)?.hasPrefix("ok") == true, "\(source)")
        #expect(try await second.terminate() == 0)
    }

    @Test func twoVigilsStayInStepThroughTheChangeExport() async throws {
        let dir = try TemporaryDirectory()
        let originData = dir.url.appendingPathComponent("origin"), followerData = dir.url.appendingPathComponent("follower")
        func cli(_ data: URL, _ arguments: [String], stdin: String? = nil) async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments, stdin: stdin.map { Data($0.utf8) },
                                 environment: ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": "", "VIGIL_DATA_DIR": data.path, "VIGIL_FETCH_ALLOW": "127.0.0.0/8"])
        }
        let originAdmin = try await cli(originData, ["keys", "create", "--role", "admin"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let partnerKey = try await cli(originData, ["keys", "create", "--role", "matcher", "--label", "partner"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let followerAdmin = try await cli(followerData, ["keys", "create", "--role", "admin"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var generator = HashGenerator(seed: 77)
        let hashes = (0..<3).map { _ in generator.randomHash() }
        let list = dir.url.appendingPathComponent("shared.txt")
        try hashes.map(\.hex).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        #expect(try await cli(originData, ["bank", "create", "SHARED"]).status == 0)
        #expect(try await cli(originData, ["bank", "import", "SHARED", list.path, "--format", "list"]).status == 0)

        let originPort = try ServeCommandTests.freePort(), followerPort = try ServeCommandTests.freePort()
        let originBase = "http://127.0.0.1:\(originPort)", followerBase = "http://127.0.0.1:\(followerPort)"
        let origin = try Server(dataDir: originData, port: originPort, environment: ["VIGIL_MASTER_KEY": ""], arguments: ["--no-demo-bank"])
        try await origin.waitReady()

        #expect(try await cli(followerData, ["bank", "create", "PARTNER"]).status == 0)
        let added = try await cli(followerData, ["credentials", "add", "--integration", "vigil_remote", "--value", "nickname=partner",
                                           "--value", "endpoint=\(originBase)"], stdin: partnerKey + "\n")
        let credential = try #require(added.lines.first?.split(separator: " ").last.map(String.init), "\(added.stderr)")
        let sourced = try await cli(followerData, ["bank", "source", "PARTNER", "--kind", "vigil_remote", "--credential", credential, "--remote-bank", "SHARED"])
        #expect(sourced.status == 0, "\(sourced.stderr)")
        let follower = try Server(dataDir: followerData, port: followerPort, environment: ["VIGIL_MASTER_KEY": "", "VIGIL_FETCH_ALLOW": "127.0.0.0/8"],
                                  arguments: ["--no-demo-bank"])
        try await follower.waitReady()
        // The follower's schedule takes the whole bank at once.
        #expect(try await Self.eventually(30) { try await Self.entryCount(followerBase, "PARTNER", key: followerAdmin) == 3 })

        // On the origin: one hash added, one entry removed.
        let newHash = generator.randomHash()
        let addedEntry = try await ReplicaTests.call(.POST, "\(originBase)/v1/banks/SHARED/entries", key: originAdmin,
                                                     json: #"{"entries": [{"pdq": "\#(newHash.hex)"}]}"#)
        #expect(addedEntry.status == 201, "\(addedEntry.body)")
        let page = Self.json(try await ReplicaTests.call(.GET, "\(originBase)/v1/banks/SHARED/entries", key: originAdmin).body)
        let first = try #require((page["entries"] as? [[String: Any]])?.first)
        let firstID = try #require(first["id"] as? Int), firstPDQ = try #require(first["pdq"] as? String)
        #expect(try await ReplicaTests.call(.DELETE, "\(originBase)/v1/banks/SHARED/entries/\(firstID)", key: originAdmin).status == 200)

        let queued = try await ReplicaTests.call(.POST, "\(followerBase)/v1/banks/PARTNER/sync", key: followerAdmin)
        #expect(queued.status == 202, "\(queued.body)")
        let inStep = try await Self.eventually(30) {
            let lookup = try await ReplicaTests.call(.GET, "\(followerBase)/m/lookup?signal_type=pdq&signal=\(newHash.hex)", key: followerAdmin)
            guard lookup.body.contains("PARTNER") else { return false }
            return try await Self.entryCount(followerBase, "PARTNER", key: followerAdmin) == 3
        }
        #expect(inStep, "the follower did not follow the addition and the removal")
        let removed = try await ReplicaTests.call(.GET, "\(followerBase)/m/lookup?signal_type=pdq&signal=\(firstPDQ)", key: followerAdmin)
        #expect(removed.status == 200 && !removed.body.contains("PARTNER"), "\(removed.body)")
        #expect(try await follower.terminate() == 0)
        #expect(try await origin.terminate() == 0)
    }
}
