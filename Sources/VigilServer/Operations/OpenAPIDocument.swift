import Access
public import Foundation
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 document, shipped as a resource (Resources/openapi.json: the one copy, and the contract the API tests check every answer against). Found
/// without `Bundle.module`, whose accessor stops the process when the resource folder is missing
/// (a binary copied without it): then the route answers 404 instead.
public enum OpenAPIDocument {
    public static let data: Data? = {
        let name = "Vigil_VigilServer.resources/openapi.json"
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent(name),
            executable.appendingPathComponent(name),
            // The source tree, for binaries run where they were built.
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/openapi.json"),
        ]
        return candidates.lazy.compactMap { try? Data(contentsOf: $0) }.first
    }()

    static func response() throws -> Response {
        guard let data else {
            throw APIError.notFound("the OpenAPI document is not installed beside this binary (Vigil_VigilServer.resources); the document is Sources/VigilServer/Resources/openapi.json in the source")
        }
        var headers = HTTPFields()
        headers[.contentType] = JSONText.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
