import Hummingbird
import Logging

/// A Hummingbird server on a free port of 127.0.0.1 playing a remote side in a test (an image
/// origin, a webhook receiver, a chat service, a peer, a trace collector).
enum LocalServer {
    /// Starts `router` and returns its port, with the task to cancel to stop it.
    static func start(_ router: Router<BasicRequestContext>, label: String) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: label) { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        return (port, task)
    }
}
