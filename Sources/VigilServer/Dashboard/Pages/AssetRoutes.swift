import Foundation
import Hummingbird
import NIOCore

/// The one stylesheet and the one script, from the module's resources, cached for an hour.
struct AssetRoutes {
    static let files: [String: (bytes: ByteBuffer, type: String)] = {
        var files: [String: (ByteBuffer, String)] = [:]
        for (name, type) in [("vigil.css", "text/css; charset=utf-8"), ("vigil.js", "text/javascript; charset=utf-8")] {
            if let url = Bundle.module.url(forResource: "Assets/\(name)", withExtension: nil) ?? Bundle.module.url(forResource: name, withExtension: nil,
                                                                                                                 subdirectory: "Assets"),
               let data = try? Data(contentsOf: url) {
                files[name] = (ByteBuffer(bytes: data), type)
            }
        }
        return files
    }()

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("assets/{file}") { _, context in
            guard let file = Self.files[try context.parameters.require("file")] else { throw HTTPError(.notFound, message: "no such asset") }
            return Response(status: .ok, headers: [.contentType: file.type, .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: file.bytes))
        }
    }
}
