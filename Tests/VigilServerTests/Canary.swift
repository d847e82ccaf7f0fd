import NIOCore
import NIOPosix
import Synchronization

/// A TCP listener on 127.0.0.1 that counts every connection made to it and closes it at once:
/// whatever Vigil was told to send there, the count says whether anything left.
final class Canary: Sendable {
    let port: Int
    private let channel: any Channel
    private let count: Counter

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private init(port: Int, channel: any Channel, count: Counter) {
        self.port = port
        self.channel = channel
        self.count = count
    }

    var connections: Int { count.value.load(ordering: .sequentiallyConsistent) }
    var base: String { "http://127.0.0.1:\(port)" }

    static func start() async throws -> Canary {
        let count = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                count.value.add(1, ordering: .sequentiallyConsistent)
                return child.close()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return Canary(port: channel.localAddress?.port ?? 0, channel: channel, count: count)
    }

    func stop() async throws { try await channel.close() }
}
