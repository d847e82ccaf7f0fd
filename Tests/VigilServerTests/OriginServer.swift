import Foundation
import Hummingbird
import VigilServer
import Logging
import NIOCore
import Synchronization

/// A local HTTP server playing the remote side of URL fetches: images, redirects, a slow
/// response, an endless body, a non-image.
final class OriginServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    func url(_ path: String, host: String = "127.0.0.1") -> String { "http://\(host):\(port)\(path)" }

    /// `files` are served at `/files/{name}` as JPEG images.
    static func start(files: [String: [UInt8]] = [:]) async throws -> OriginServer {
        let router = Router()
        router.get("files/{name}") { _, context in
            guard let bytes = files[try context.parameters.require("name")] else { return Response(status: .notFound) }
            return Self.bytes(bytes, type: "image/jpeg")
        }
        let demo = try Images.demo(0)
        router.get("demo-0.jpg") { _, _ in Self.bytes(demo, type: "image/jpeg") }
        // A picture no test bank and no demo bank holds.
        let unmatched = try Images.demo(DemoImages.count)
        router.get("unmatched.jpg") { _, _ in Self.bytes(unmatched, type: "image/jpeg") }
        // The matching picture the first time, a picture no bank holds after: an origin whose
        // answer changes between a lookup's fetch and a second one.
        let switchFetches = Mutex(0)
        router.get("switch.jpg") { _, _ in
            let fetch = switchFetches.withLock { count in
                count += 1
                return count
            }
            return Self.bytes(fetch == 1 ? demo : unmatched, type: "image/jpeg")
        }
        router.get("text") { _, _ in Self.bytes(Array("just text".utf8), type: "text/plain") }
        // /redirect/3 → /redirect/2 → /redirect/1 → /redirect/0 → the image.
        router.get("redirect/{n}") { _, context in
            let n = Int(try context.parameters.require("n")) ?? 0
            return Self.redirect(n == 0 ? "/demo-0.jpg" : "/redirect/\(n - 1)")
        }
        router.get("redirect-to") { request, _ in Self.redirect(request.uri.queryParameters.get("location") ?? "/") }
        router.get("slow") { _, _ in
            try await Task.sleep(for: .seconds(20))
            return Self.bytes(demo, type: "image/jpeg")
        }
        router.get("slow-2s") { _, _ in
            try await Task.sleep(for: .seconds(2))
            return Self.bytes(demo, type: "image/jpeg")
        }
        router.get("endless") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/jpeg"], body: ResponseBody { writer in
                let chunk = ByteBuffer(repeating: 0xFF, count: 64 * 1024)
                while !Task.isCancelled { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
        }
        let (port, task) = try await LocalServer.start(router, label: "origin")
        return OriginServer(port: port, task: task)
    }

    func stop() async throws {
        task.cancel()
        _ = await task.result
    }

    static func bytes(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location])
    }
}
