import AsyncHTTPClient
import Foundation
import ImageCodecs
import NIOCore
import NIOPosix
import Synchronization
import Testing
import VigilTestSupport

/// Issue 28, §3: `vigil serve` keeps answering `/status/live` within 100 ms (p99) while each of
/// the resource attacks is tried on it: slow headers, slow bodies, one address opening too many
/// connections, huge JSON bodies, images that take more decoding memory than the process has for
/// them, and conditions over a megabyte of text. Each attack also ends the way it should.
@Suite(.serialized) struct AttackProcessTests {
    /// A raw TCP connection from a chosen local address, recording what it receives.
    final class RawConnection: Sendable {
        let channel: any Channel
        let inbox: Inbox

        final class Inbox: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            private let text = Mutex("")
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                let buffer = unwrapInboundIn(data)
                text.withLock { $0 += String(buffer: buffer) }
            }
            var received: String { text.withLock { $0 } }

            /// Whether the server has ended its side (a FIN seen, or the connection closed).
            private let ended = Mutex(false)
            func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
                if case .inputClosed? = event as? ChannelEvent { ended.withLock { $0 = true } }
                context.fireUserInboundEventTriggered(event)
            }
            func channelInactive(context: ChannelHandlerContext) {
                ended.withLock { $0 = true }
                context.fireChannelInactive()
            }
            var serverEnded: Bool { ended.withLock { $0 } }
        }

        init(channel: any Channel, inbox: Inbox) {
            self.channel = channel
            self.inbox = inbox
        }

        /// `halfClosure`: the connection stays open for writing after the server ends its side
        /// (as a client that sends its whole body before it reads does).
        static func open(port: Int, from source: String, halfClosure: Bool = false) async throws -> RawConnection {
            let inbox = Inbox()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.allowRemoteHalfClosure, value: halfClosure)
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) } }
                .connect(host: "127.0.0.1", port: port).get()
            return RawConnection(channel: channel, inbox: inbox)
        }

        func send(_ text: String) async throws {
            try await channel.writeAndFlush(ByteBuffer(string: text)).get()
        }

        var isOpen: Bool { channel.isActive }
        func close() async { try? await channel.close().get() }
    }

    /// The p99 of `count` `/status/live` calls, one after another, in milliseconds.
    static func liveP99(_ base: String, count: Int = 100) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/status/live"), timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 16)
            #expect(response.status == .ok)
            let elapsed = start.duration(to: .now)
            times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return times.sorted()[min(times.count - 1, Int(Double(times.count) * 0.99))]
    }

    /// `POST /v1/match` with `body` of `type`.
    static func match(_ base: String, _ key: String, _ type: String, _ body: ByteBuffer, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "\(base)/v1/match")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: type)
        request.body = .bytes(body)
        return try await HTTPClient.shared.execute(request, timeout: timeout)
    }

    /// Waits (polling, up to `seconds`) for `condition`.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    @Test func liveStaysQuickWhileEachAttackIsTried() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let admin = try await VigilProcess.newKey(role: "admin", dataDir: data)
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let server = try ServeCommandTests.Server(dataDir: data, port: port, environment: [
            // Headers get 5 s: the 21 connections below must all be open before the first times
            // out (on a machine busy with the rest of the suite, 2 s was not always enough).
            "VIGIL_HEADER_TIMEOUT_SECONDS": "5", "VIGIL_MAX_CONNECTIONS_PER_ADDRESS": "20", "VIGIL_DECODE_MEMORY_BYTES": String(64 << 20),
            "VIGIL_MAX_JSON_BYTES": String(2 << 20), "VIGIL_HASH_THREADS": "2",
        ], arguments: ["--no-demo-bank"], stderr: dir.url.appendingPathComponent("serve.log"))
        try await server.waitReady()
        var report: [String: Double] = [:]

        // Slow headers from one address, one connection more than its limit: one is refused at
        // once (which one depends on which event loop sets it up first), the rest time out.
        var slow: [RawConnection] = []
        for _ in 0..<21 {
            let connection = try await RawConnection.open(port: port, from: "127.0.0.2")
            try? await connection.send("GET /status/live HTTP/1.1\r\nHost: vigil\r\n")
            slow.append(connection)
        }
        let dripping = slow
        let drip = Task { for _ in 0..<60 { for connection in dripping where connection.isOpen { try? await connection.send("X-") }; try? await Task.sleep(for: .milliseconds(300)) } }
        #expect(try await Self.eventually(5) { slow.contains { $0.inbox.received.hasPrefix("HTTP/1.1 503") } }, "no connection was refused")
        report["slow headers"] = try await Self.liveP99(base)
        #expect(try await Self.eventually(15) { slow.allSatisfy { !$0.isOpen } }, "slow headers are still open")
        let answers = slow.map { String($0.inbox.received.prefix(12)) }
        #expect(answers.filter { $0 == "HTTP/1.1 503" }.count == 1 && answers.filter { $0 == "HTTP/1.1 408" }.count == 20, "\(answers)")
        drip.cancel()

        // A body at a byte a second, after headers that came at once.
        var bodies: [RawConnection] = []
        for _ in 0..<5 {
            let connection = try await RawConnection.open(port: port, from: "127.0.0.3")
            try await connection.send("POST /v1/match HTTP/1.1\r\nHost: vigil\r\nAuthorization: Bearer \(admin)\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n")
            bodies.append(connection)
        }
        let trickling = bodies
        let trickle = Task { for _ in 0..<20 { for connection in trickling where connection.isOpen { try? await connection.send("\u{FF}") }; try? await Task.sleep(for: .seconds(1)) } }
        report["slow bodies"] = try await Self.liveP99(base)
        #expect(try await Self.eventually(10) { bodies.allSatisfy { !$0.isOpen } }, "slow bodies are still open")
        #expect(bodies.allSatisfy { $0.inbox.received.hasPrefix("HTTP/1.1 408") }, "\(bodies.map(\.inbox.received))")
        trickle.cancel()

        // 8 MB JSON bodies (four times the limit the server is given here): refused by their size,
        // never decoded. What remains is reading the bytes the clients send anyway, as for any
        // upload; with 32 MB bodies that reading alone took the debug build's p99 to 50-103 ms.
        let json = "{\"url\": \"" + String(repeating: "a", count: 8 << 20) + "\"}"
        let posts = (0..<4).map { _ in
            Task { try await Self.match(base, admin, "application/json", ByteBuffer(string: json), timeout: .seconds(60)).status.code }
        }
        report["8 MB JSON bodies"] = try await Self.liveP99(base)
        for post in posts { #expect(try await post.value == 413) }

        // Images that each take more decoding memory than the budget: one at a time; the others
        // are told to come back.
        let width = 4000, height = 3000
        let rgb = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buffer, count in
            for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) }
            count = buffer.count
        }
        let image = try JPEGEncoder.encode(rgb: rgb, width: width, height: height, quality: 80)
        let uploads = (0..<4).map { _ in
            Task {
                let response = try await Self.match(base, admin, "image/jpeg", ByteBuffer(bytes: image), timeout: .seconds(120))
                return (Int(response.status.code), response.headers.first(name: "Retry-After"))
            }
        }
        report["12-megapixel images over the decode budget"] = try await Self.liveP99(base)
        var statuses: [Int] = []
        for upload in uploads {
            let (status, retry) = try await upload.value
            statuses.append(status)
            if status == 503 { #expect(retry == "1") }
        }
        #expect(statuses.contains(200) && statuses.allSatisfy { $0 == 200 || $0 == 503 }, "\(statuses)")

        // Conditions over a megabyte of text, on two runs at once.
        let needle = String(repeating: "a", count: 1000) + "b"
        let definition = #"""
            {"name": "needle", "trigger": {"type": "api", "parameters": [{"name": "t", "type": "text", "max_length": 1048576}]},
             "steps": [{"id": "look", "type": "conditional", "branches": [{"condition": "'\#(needle)' in trigger.t", "steps": []}], "else": []}]}
            """#
        let created = try await ReplicaTests.call(.POST, "\(base)/v1/workflows", key: admin, json: definition)
        let workflow = try #require((try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["id"] as? String, "\(created.body)")
        #expect(try await ReplicaTests.call(.POST, "\(base)/v1/workflows/\(workflow)/publish", key: admin).status == 201)
        let text = String(repeating: "a", count: (1 << 20) - 64)
        var runs: [Int] = []
        for _ in 0..<2 {
            let started = try await ReplicaTests.call(.POST, "\(base)/v1/workflows/\(workflow)/runs", key: admin, json: #"{"t": "\#(text)"}"#, limit: 16 << 20)
            runs.append(try #require((try JSONSerialization.jsonObject(with: Data(started.body.utf8)) as? [String: Any])?["id"] as? Int, "\(started.body)"))
        }
        report["conditions over 1 MB of text"] = try await Self.liveP99(base)
        for run in runs {
            #expect(try await Self.eventually(30) {
                let shown = try await ReplicaTests.call(.GET, "\(base)/v1/workflow-runs/\(run)", key: admin, limit: 16 << 20)
                return (try JSONSerialization.jsonObject(with: Data(shown.body.utf8)) as? [String: Any])?["status"] as? String == "succeeded"
            }, "run \(run) did not succeed")
        }

        for (attack, p99) in report.sorted(by: { $0.key < $1.key }) {
            print("/status/live p99 under \(attack): \(String(format: "%.1f", p99)) ms")
            #expect(p99 < 100, "/status/live p99 \(p99) ms under \(attack)")
        }
        let metrics = try await ReplicaTests.call(.GET, "\(base)/metrics", key: admin)
        #expect(metrics.body.contains(#"outcome="slow_headers""#) && metrics.body.contains(#"outcome="slow_body""#)
                    && metrics.body.contains(#"outcome="per_address""#), "the closures are counted")
        #expect(try await server.terminate() == 0)
    }
}
