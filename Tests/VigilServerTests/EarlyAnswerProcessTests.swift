import Foundation
import NIOCore
import Testing
import VigilTestSupport

/// A request answered before its body has all arrived (a JSON body over `max_json_bytes` gets
/// its 413 at the first megabyte): a client that sends the whole body before it reads, as
/// Python's urllib does, still gets the answer, and the connection does not hang.
@Suite(.serialized) struct EarlyAnswerProcessTests {
    static let body = "{\"url\": \"" + String(repeating: "a", count: 8 << 20) + "\"}"

    static func request(_ admin: String, connection: String) -> String {
        "POST /v1/match HTTP/1.1\r\nHost: vigil\r\nAuthorization: Bearer \(admin)\r\nContent-Type: application/json\r\n"
            + "Connection: \(connection)\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    struct StoppedReading: Error, CustomStringConvertible {
        var description: String { "the server stopped reading the body: it was not all sent in 20 s" }
    }

    /// Sends all of `text`, failing (and closing the connection) if that takes 20 s.
    static func sendAll(_ connection: AttackProcessTests.RawConnection, _ text: String) async throws {
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            await connection.close()
        }
        defer { watchdog.cancel() }
        do {
            try await connection.send(text)
        } catch {
            throw StoppedReading()
        }
    }

    @Test func aBodyAnsweredEarlyIsReadToItsEndAndTheAnswerArrives() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let admin = try await VigilProcess.newKey(role: "admin", dataDir: data)
        let port = try ServeCommandTests.freePort()
        let server = try ServeCommandTests.Server(dataDir: data, port: port, arguments: ["--no-demo-bank"],
                                                  stderr: dir.url.appendingPathComponent("serve.log"))
        try await server.waitReady()

        // Connection: close — the 413 arrives, the rest of the body is read, then the server closes.
        let closing = try await AttackProcessTests.RawConnection.open(port: port, from: "127.0.0.1", halfClosure: true)
        try await Self.sendAll(closing, Self.request(admin, connection: "close"))
        #expect(try await AttackProcessTests.eventually(10) { closing.inbox.serverEnded }, "the connection was left open")
        #expect(closing.inbox.received.hasPrefix("HTTP/1.1 413"), "\(closing.inbox.received.prefix(200))")
        #expect(closing.inbox.received.contains("max_json_bytes"))

        // Keep-alive — the same, and the connection then serves the next request.
        let keeping = try await AttackProcessTests.RawConnection.open(port: port, from: "127.0.0.1")
        try await Self.sendAll(keeping, Self.request(admin, connection: "keep-alive"))
        try await keeping.send("GET /status/live HTTP/1.1\r\nHost: vigil\r\n\r\n")
        #expect(try await AttackProcessTests.eventually(10) { keeping.inbox.received.contains("HTTP/1.1 200") }, "\(keeping.inbox.received.prefix(300))")
        #expect(keeping.inbox.received.hasPrefix("HTTP/1.1 413"))
        await keeping.close()
        await closing.close()

        // A chunked body (no Content-Length) past the limit is a 413 too, not a 500.
        let chunked = try await AttackProcessTests.RawConnection.open(port: port, from: "127.0.0.1", halfClosure: true)
        let chunk = String(repeating: "a", count: 64 << 10)
        var text = "POST /v1/match HTTP/1.1\r\nHost: vigil\r\nAuthorization: Bearer \(admin)\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + "9\r\n{\"url\": \"\r\n"
        for _ in 0..<32 { text += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
        try await Self.sendAll(chunked, text + "2\r\n\"}\r\n0\r\n\r\n")
        #expect(try await AttackProcessTests.eventually(10) { chunked.inbox.received.contains("\r\n\r\n") }, "no answer")
        #expect(chunked.inbox.received.hasPrefix("HTTP/1.1 413"), "\(chunked.inbox.received.prefix(300))")
        await chunked.close()
    }

    /// The review of issue 28: connections that never sent a byte were held until the idle
    /// timeout (60 s), and enough of them filled max_connections. The header clock starts when
    /// a connection opens.
    @Test func aConnectionThatSaysNothingIsClosedAtTheHeaderTimeout() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        _ = try await VigilProcess.newKey(role: "admin", dataDir: data)
        let port = try ServeCommandTests.freePort()
        let server = try ServeCommandTests.Server(dataDir: data, port: port, environment: ["VIGIL_HEADER_TIMEOUT_SECONDS": "1"],
                                                  arguments: ["--no-demo-bank"], stderr: dir.url.appendingPathComponent("serve.log"))
        try await server.waitReady()
        let silent = try await AttackProcessTests.RawConnection.open(port: port, from: "127.0.0.1")
        #expect(try await AttackProcessTests.eventually(10) { !silent.isOpen }, "a silent connection is still open")
    }
}
