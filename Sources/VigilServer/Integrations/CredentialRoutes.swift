import Foundation
import Hummingbird
import Integrations

/// `/v1/credentials`: admins store, show (secrets masked), change and delete credentials for the
/// integrations, and test them with a real call. Every change and test is written to the audit
/// log, with its outcome.
struct CredentialRoutes {
    let credentials: CredentialService
    let auditor: Auditor

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("credentials") { _, _ in
            try JSONText.response(["credentials": try await credentials.list().map(CredentialJSON.init)])
        }
        routes.post("credentials") { request, context in
            let body = try JSONInput.decode(CredentialBody.self, from: try await request.collectBody(limit: 64 * 1024))
            guard let integration = body.integration else { throw APIError.badRequest("integration is required", code: "invalid_credential") }
            let values = try body.textValues()
            let view = try await auditor.audited(context, "credential.create", target: "integration:\(integration)",
                                                 resultTarget: { "credential:\($0.id)" }) {
                try await credentials.create(integration: integration, values: values, mayRedirect: context.isAdmin)
            }
            return try JSONText.response(CredentialJSON(view), status: .created)
        }
        routes.get("credentials/{id}") { _, context in
            try JSONText.response(CredentialJSON(try await credentials.show(id: try context.parameters.require("id"))))
        }
        routes.patch("credentials/{id}") { request, context in
            let id = try context.parameters.require("id")
            let body = try JSONInput.decode(CredentialBody.self, from: try await request.collectBody(limit: 64 * 1024))
            if body.integration != nil { throw APIError.badRequest("a credential's integration cannot change; create a new one", code: "invalid_credential") }
            let values = try body.textValues()
            // The audit names the fields that changed, never their values.
            let change = try await auditor.audited(context, "credential.update", target: "credential:\(id)",
                                                   outcome: { "ok: changed " + ($0.changedFields.isEmpty ? "nothing" : $0.changedFields.joined(separator: ", ")) }) {
                try await credentials.update(id: id, values: values, mayRedirect: context.isAdmin)
            }
            return try JSONText.response(CredentialJSON(change.view))
        }
        // A real call with the credential. The answer is 200 whether or not the credential works:
        // the test ran, and `ok` and `summary` say what it found. The audit records the outcome.
        routes.post("credentials/{id}/test") { _, context in
            let id = try context.parameters.require("id")
            let result = try await auditor.audited(context, "credential.test", target: "credential:\(id)",
                                                   outcome: { $0.ok ? "ok" : "failed: \($0.summary)" }) {
                try await credentials.test(id: id)
            }
            return try JSONText.response(CredentialTestJSON(credential: id, result))
        }
        routes.delete("credentials/{id}") { request, context in
            let id = try context.parameters.require("id")
            let force = try Flag.parse(request.query("force"), name: "force") ?? false
            let view = try await auditor.audited(context, force ? "credential.delete_forced" : "credential.delete", target: "credential:\(id)") {
                // Deleting what something uses (and so making room for another's credential) is an
                // admin's call; the attempt is audited either way.
                guard !force || context.isAdmin else { throw APIError(.forbidden, "forbidden", "force: deleting a credential in use takes the admin role") }
                return try await credentials.delete(id: id, force: force)
            }
            return try JSONText.response(CredentialJSON(view))
        }
    }
}
