import Access
public import Foundation
import Hummingbird
import NIOCore

/// Health, readiness, metrics and the API document.
struct OperationsRoutes {
    let service: VigilService

    func register(on router: Router<VigilRequestContext>, matcher: RouterGroup<VigilRequestContext>) {
        // HMA's probes: /status is 503 until the index is loaded; /status/live only says the process answers.
        router.get("status") { _, _ in
            service.isReady ? Self.text("I-AM-ALIVE") : Self.text("INDEX-NOT-LOADED", status: .serviceUnavailable)
        }
        router.get("status/live") { _, _ in Self.text("I-AM-ALIVE") }
        router.get("status/ready") { _, _ in ready() }
        router.get("openapi.json") { _, _ in try OpenAPIDocument.response() }
        matcher.get("metrics") { _, _ in metrics() }
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Ready once the index has loaded; it stays ready while it follows the change log. The body
    /// says how far it has followed: the applied sequence, the newest one seen, and the lag.
    func ready() -> Response {
        let counts = service.banks.index.counts
        if let failure = service.indexLoadError {
            return JSONText.response(#"{"ready":false,"reason":"# + JSONText.quote("index load failed: \(failure.prefix(300))") + "}",
                                     status: .serviceUnavailable)
        }
        guard service.isReady else { return JSONText.response(#"{"ready":false,"reason":"index loading"}"#, status: .serviceUnavailable) }
        let log = service.changeLogStatus
        return JSONText.response(#"{"ready":true,"index":{"pdq":\#(counts.pdq),"md5":\#(counts.md5),"sha256":\#(counts.sha256),"banks":\#(counts.banks)},"#
            + #""change_log":{"applied_sequence":\#(log.applied),"latest_sequence":\#(log.latest),"lag_changes":\#(log.latest - log.applied)}}"#)
    }

    func metrics() -> Response {
        let counts = service.banks.index.counts
        service.metrics.setIndexGauges(pdq: counts.pdq, md5: counts.md5, sha256: counts.sha256, banks: counts.banks, ready: service.isReady)
        let log = service.changeLogStatus
        service.metrics.setChangeLogGauges(applied: log.applied, latest: log.latest)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: service.metrics.registry.emitToBuffer())))
    }
}

/// The OpenAPI 3.1 document, shipped as a resource (the same file as docs/openapi.json). Found
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
            throw APIError.notFound("the OpenAPI document is not installed beside this binary (Vigil_VigilServer.resources); see docs/openapi.json")
        }
        var headers = HTTPFields()
        headers[.contentType] = JSONText.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `/v1/keys`: admins issue, list and revoke keys over HTTP (the CLI does the same locally).
struct KeyRoutes {
    let service: VigilService

    func register(on admin: RouterGroup<VigilRequestContext>) {
        admin.get("keys") { _, _ in try JSONText.response(["keys": try await service.keys.list().map(KeyJSON.init)]) }
        admin.post("keys") { request, _ in try await create(request) }
        admin.delete("keys/{id}") { _, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.badRequest("key id must be an integer") }
            return try JSONText.response(KeyJSON(try await service.keys.revoke(id: id)))
        }
    }

    struct CreateBody: Decodable {
        var role: String
        var label: String?
    }

    func create(_ request: Request) async throws -> Response {
        let body = try JSONInput.decode(CreateBody.self, from: try await request.collectBody(limit: 16 * 1024))
        guard let role = Role(rawValue: body.role) else {
            throw APIError.badRequest("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let issued = try await service.keys.issue(role: role, label: body.label ?? "")
        var json = KeyJSON(issued.key)
        json.secret = issued.secret
        return try JSONText.response(json, status: .created)
    }
}

/// A key as the API shows it: the secret only once, in the response that created it.
struct KeyJSON: Encodable {
    var id: Int64
    var label: String
    var role: String
    var prefix: String
    var createdAt: String
    var revokedAt: String?
    var secret: String?

    enum CodingKeys: String, CodingKey {
        case id, label, role, prefix, createdAt = "created_at", revokedAt = "revoked_at", secret
    }

    init(_ key: APIKey) {
        id = key.id
        label = key.label
        role = key.role.rawValue
        prefix = key.prefix
        createdAt = ISO8601.string(key.createdAt)
        revokedAt = key.revokedAt.map(ISO8601.string)
    }
}
