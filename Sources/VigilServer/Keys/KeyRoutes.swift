import Access
import Foundation
import Hummingbird
import NIOCore

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
