import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A local HTTP server that plays a provider from a script: each request to a scripted path
/// gets the next reply (the last one repeats), and every request is recorded with its arrival
/// time, so a test can assert what a client sent and how it paced and retried.
final class ScriptedServer: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
        var delay: Duration = .zero

        static func json(_ body: String, status: Int = 200) -> Reply {
            Reply(status: status, headers: ["Content-Type": "application/json"], body: body)
        }
    }

    struct Received: Sendable {
        var at: ContinuousClock.Instant
        var uri: String
        /// By lower-cased name.
        var headers: [String: String]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    let port: Int
    private let state: Mutex<(replies: [Reply], received: [Received])>
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)

    var base: String { "http://127.0.0.1:\(port)" }
    var received: [Received] { state.withLock { $0.received } }

    private init(port: Int, replies: [Reply]) {
        self.port = port
        state = Mutex((replies, []))
    }

    /// Serves `replies` on every path in `paths` (POST and GET), and `files` as fixed GET answers.
    static func start(_ replies: [Reply], paths: [String] = ["photodna/v1.0/Match"], files: [String: [UInt8]] = [:]) async throws -> ScriptedServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let holder = Mutex<ScriptedServer?>(nil)
        let router = Router()
        for path in paths {
            let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
                guard let server = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
                return try await server.answer(request)
            }
            router.post(RouterPath(stringLiteral: path), use: handler)
            router.get(RouterPath(stringLiteral: path), use: handler)
        }
        for (path, bytes) in files {
            router.get(RouterPath(stringLiteral: path)) { _, _ in
                Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "scripted") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        let server = ScriptedServer(port: port, replies: replies)
        server.task.withLock { $0 = task }
        holder.withLock { $0 = server }
        return server
    }

    private func answer(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 8 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let reply = state.withLock { state in
            state.received.append(Received(at: .now, uri: request.uri.description, headers: headers, body: Array(body.readableBytesView)))
            return state.replies.count > 1 ? state.replies.removeFirst() : state.replies[0]
        }
        if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
        var fields = HTTPFields()
        for (name, value) in reply.headers { if let name = HTTPField.Name(name) { fields[name] = value } }
        return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }

    func stop() async {
        guard let task = task.withLock({ $0 }) else { return }
        task.cancel()
        _ = await task.result
    }
}
