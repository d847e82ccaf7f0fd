import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PDQ
import Testing
import VigilTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP import is a job: `kill -9` of the server in the middle of it, a restart, and the job
/// resumes from its last committed batch — every row imported once, none lost.
@Suite(.serialized) struct ImportJobProcessTests {
    typealias Server = ServeCommandTests.Server

    static func job(_ port: Int, _ id: Int, key: String) async throws -> [String: Any] {
        let reply = try await ReplicaTests.call(.GET, "http://127.0.0.1:\(port)/v1/jobs/\(id)", key: key)
        return (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]) ?? [:]
    }

    static func summary(_ job: [String: Any], _ field: String) -> [String: Any]? {
        (job[field] as? [String: Any])?["summary"] as? [String: Any]
    }

    @Test(arguments: ["sqlite", "postgres"])
    func anImportKilledMidwayResumesWithoutDuplicatesOrLoss(backend: String) async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let scratch = backend == "postgres" ? try ScratchPostgres() : nil
        let storage = ["--data-dir", data.path] + (scratch.map { ["--database-url", $0.url] } ?? [])
        let made = try await VigilProcess.run(["keys", "create", "--role", "admin"] + storage, environment: ["VIGIL_DATABASE_URL": ""])
        try #require(made.status == 0, "\(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await VigilProcess.run(["bank", "create", "BIG"] + storage, environment: ["VIGIL_DATABASE_URL": ""]).status == 0)

        let rows = 100_000
        var generator = HashGenerator(seed: 99)
        var csv = "pdq,external_id\n"
        csv.reserveCapacity(rows * 80)
        for i in 0..<rows { csv += "\(generator.randomHash().hex),row-\(i)\n" }

        let environment = ["VIGIL_JOB_LEASE_SECONDS": "2", "VIGIL_IMPORT_BATCH_ROWS": "1000"]
        let arguments = Array(storage.dropFirst(2)) + ["--no-demo-bank"]
        let port = try ServeCommandTests.freePort()
        let first = try Server(dataDir: data, port: port, environment: environment, arguments: arguments)
        try await first.waitReady()
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/banks/BIG/import?format=csv")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "text/csv")
        request.body = .bytes(ByteBuffer(string: csv))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        #expect(response.status == .accepted)
        let accepted = try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 20))) as? [String: Any]
        let id = try #require(accepted?["id"] as? Int)

        // Wait until some batches, not all, are committed, then kill the server outright (early:
        // a fast moment of the machine once imported every row before the test looked).
        let deadline = ContinuousClock.now + .seconds(120)
        var committed = 0, fraction = 0.0
        while ContinuousClock.now < deadline {
            let progress = try await Self.job(port, id, key: key)["progress"] as? [String: Any]
            committed = (progress?["summary"] as? [String: Any])?["rows_read"] as? Int ?? 0
            fraction = progress?["fraction"] as? Double ?? 0
            if committed >= 2_000 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await first.kill9()
        try #require(committed >= 2_000 && committed < rows, "killed after \(committed) of \(rows) rows")
        // The checkpoint says how far through the upload the import is.
        #expect(fraction > 0 && fraction < 1, "fraction \(fraction)")

        let second = try Server(dataDir: data, port: port, environment: environment, arguments: arguments)
        try await second.waitReady()
        var job: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            job = try await Self.job(port, id, key: key)
            if (job["state"] as? String).map({ ["succeeded", "failed", "cancelled"].contains($0) }) == true { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(job["state"] as? String == "succeeded", "\(job)")
        #expect(job["attempts"] as? Int == 2)
        let result = try #require(Self.summary(job, "result"))
        #expect(result["added"] as? Int == rows && result["duplicates"] as? Int == 0 && result["rows_read"] as? Int == rows, "\(result)")
        let bank = try await ReplicaTests.call(.GET, "http://127.0.0.1:\(port)/v1/banks/BIG", key: key)
        #expect(bank.body.contains(#""entry_count":\#(rows)"#), "\(bank.body)")
        #expect(try await second.terminate() == 0)
        withExtendedLifetime(scratch) {}
    }
}
