import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PDQ
import Testing
import VigilTestSupport

/// Several `vigil serve` processes and the CLI on one database are interchangeable: what any of
/// them writes, every server matches shortly after, and a deleted bank stops matching everywhere.
@Suite(.serialized) struct ReplicaTests {
    typealias Server = ServeCommandTests.Server

    static func call(_ method: HTTPMethod, _ url: String, key: String, json: String? = nil, limit: Int = 1 << 20) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: limit)))
    }

    /// Asks `port` to look `hash` up until `expected(body)` holds; returns how long that took.
    static func converge(port: Int, key: String, hash: PDQHash, within limit: Duration = .seconds(15),
                         _ expected: (String) -> Bool) async throws -> Duration {
        let start = ContinuousClock.now
        while start.duration(to: .now) < limit {
            let reply = try await call(.GET, "http://127.0.0.1:\(port)/m/lookup?signal_type=pdq&signal=\(hash.hex)", key: key)
            if reply.status == 200, expected(reply.body) { return start.duration(to: .now) }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("port \(port) did not converge for \(hash.hex) within \(limit)")
        return limit
    }

    @Test(arguments: ["sqlite", "postgres"])
    func twoServersAndTheCLIShareOneDatabase(backend: String) async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let scratch = backend == "postgres" ? try ScratchPostgres() : nil
        let storage = ["--data-dir", data.path] + (scratch.map { ["--database-url", $0.url] } ?? [])
        func cli(_ arguments: [String]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments + storage, environment: ["VIGIL_DATABASE_URL": ""])
        }
        let made = try await cli(["keys", "create", "--role", "admin"])
        try #require(made.status == 0, "keys create: \(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let (portA, portB) = (try ServeCommandTests.freePort(), try ServeCommandTests.freePort())
        let serverArguments = Array(storage.dropFirst(2)) + ["--no-demo-bank"]
        let a = try Server(dataDir: data, port: portA, arguments: serverArguments)
        let b = try Server(dataDir: data, port: portB, arguments: serverArguments)
        try await a.waitReady()
        try await b.waitReady()

        var generator = HashGenerator(seed: 77)
        let viaA = generator.randomHash(), viaCLI = generator.randomHash()
        #expect(try await Self.call(.POST, "http://127.0.0.1:\(portA)/v1/banks", key: key, json: #"{"name":"SHARED"}"#).status == 201)
        let added = try await Self.call(.POST, "http://127.0.0.1:\(portA)/v1/banks/SHARED/entries", key: key,
                                        json: #"{"entries":[{"pdq":"\#(viaA.hex)"}]}"#)
        #expect(added.status == 201 || added.status == 200)
        // The writer matches at once; the other replica once it has followed the log.
        let atOnce = try await Self.call(.GET, "http://127.0.0.1:\(portA)/m/lookup?signal_type=pdq&signal=\(viaA.hex)", key: key)
        #expect(atOnce.body.contains("SHARED"))
        _ = try await Self.converge(port: portB, key: key, hash: viaA) { $0.contains("SHARED") }

        // The CLI writes while both serve.
        let csv = try dir.file("list.csv", Array("pdq,external_id\n\(viaCLI.hex),cli-1\n".utf8))
        #expect(try await cli(["bank", "create", "CLI_BANK"]).status == 0)
        let imported = try await cli(["bank", "import", "CLI_BANK", csv.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        for port in [portA, portB] {
            _ = try await Self.converge(port: port, key: key, hash: viaCLI) { $0.contains("CLI_BANK") }
        }

        // A bank deleted through one replica stops matching on the other, and its hashes leave the index.
        #expect(try await Self.call(.DELETE, "http://127.0.0.1:\(portB)/v1/banks/SHARED", key: key).status == 200)
        _ = try await Self.converge(port: portA, key: key, hash: viaA) { $0 == "{}" }
        let ready = try await Self.call(.GET, "http://127.0.0.1:\(portA)/status/ready", key: key)
        #expect(ready.body.contains(#""pdq":1,"#) && ready.body.contains(#""lag_changes":0"#))

        #expect(try await a.terminate() == 0)
        #expect(try await b.terminate() == 0)
        withExtendedLifetime(scratch) {}
    }
}
