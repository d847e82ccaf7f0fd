import Access
import Foundation
import Hummingbird
import NIOCore

/// `/v1/keys`: admins issue, list and revoke keys over HTTP (the CLI does the same locally).
struct KeyRoutes {
    let keys: KeyService
    let auditor: Auditor

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("keys") { _, _ in try JSONText.response(["keys": try await keys.list().map(KeyJSON.init)]) }
        routes.post("keys") { request, context in try await create(request, context) }
        routes.delete("keys/{id}") { _, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.badRequest("key id must be an integer") }
            let key = try await auditor.audited(context, "key.revoke", target: "key:\(id)") { try await keys.revoke(id: id) }
            return try JSONText.response(KeyJSON(key))
        }
    }

    struct CreateBody: Decodable {
        var role: String
        var label: String?
    }

    func create(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let body = try JSONInput.decode(CreateBody.self, from: try await request.collectBody(limit: 16 * 1024))
        guard let role = Role(rawValue: body.role) else {
            throw APIError.badRequest("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let issued = try await auditor.audited(context, "key.create", target: "role:\(role.rawValue)") {
            try await keys.issue(role: role, label: body.label ?? "")
        }
        var json = KeyJSON(issued.key)
        json.secret = issued.secret
        return try JSONText.response(json, status: .created)
    }
}
