import Access
import Basics
import Foundation
import Hummingbird
import Integrations

/// Integrations: the marketplace (a card per integration), one integration with its
/// operations and an Add Credential form built from its declared fields, and the credential
/// list (secrets masked) with a real "Test connection".
struct IntegrationPages {
    let kit: PageKit
    let credentials: CredentialService
    let users: UserService
    let auditor: Auditor

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("integrations") { request, context in
            let data: [String: Any] = ["integrations": Integrations.catalogue.map { integration in
                ["id": integration.id, "name": integration.name, "summary": integration.summary, "operations": integration.operations.count,
                 "needsCredential": integration.needsCredential] as [String: Any]
            }]
            return kit.page("integrations", title: "Integrations", section: "integrations", data: data, request, context)
        }
        pages.get("integrations/{id}") { request, context in
            try await integration(request, context)
        }
        pages.post("integrations/{id}/credentials") { request, context in
            let id = try context.parameters.require("id")
            guard let integration = Integrations.integration(id) else { throw APIError(.notFound, "not_found", "no integration \(id)") }
            let fields = try await kit.form(request)
            var values: [String: String] = [:]
            var problems: [String: String] = [:]
            for field in integration.credentialFields {
                if let value = fields.text(field.name) { values[field.name] = value } else if field.required { problems[field.name] = "\(FieldForm.label(field.name)) is required." }
            }
            if problems.isEmpty {
                do {
                    let view = try await auditor.audited(context, "credential.create", target: "integration:\(id)", resultTarget: { "credential:\($0.id)" }) {
                        try await credentials.create(integration: id, values: values, mayRedirect: context.isAdmin)
                    }
                    return kit.done("/credentials#credential-\(view.id)", notice: "Credential \(view.values["nickname"] ?? view.id) saved.", request, context)
                } catch let error as CredentialService.Failure {
                    let message = error.description
                    let field = integration.credentialFields.first { message.contains($0.name) }?.name ?? "form"
                    problems[field] = message
                }
            }
            // Secrets are never echoed back into the form.
            let kept = values.filter { name, _ in !integration.secretFieldNames.contains(name) }
            return try await self.integration(request, context, values: kept, problems: problems)
        }
        pages.get("credentials") { request, context in try await credentials(request, context) }
        pages.get("credentials/{id}/edit") { request, context in try await edit(request, context) }
        pages.post("credentials/{id}") { request, context in
            let id = try context.parameters.require("id")
            let view = try await credentials.show(id: id)
            guard let integration = Integrations.integration(view.integration) else { throw APIError(.notFound, "not_found", "no integration \(view.integration)") }
            let fields = try await kit.form(request)
            // A field left empty keeps what is stored: a secret is replaced only when typed again.
            var values: [String: String] = [:]
            for field in integration.credentialFields {
                if let value = fields.text(field.name) { values[field.name] = value }
            }
            do {
                let change = try await auditor.audited(context, "credential.update", target: "credential:\(id)",
                                                       outcome: { "ok: changed " + ($0.changedFields.isEmpty ? "nothing" : $0.changedFields.joined(separator: ", ")) }) {
                    try await credentials.update(id: id, values: values, mayRedirect: context.isAdmin)
                }
                let what = change.changedFields.isEmpty ? "nothing changed" : "changed " + change.changedFields.map(FieldForm.label).joined(separator: ", ")
                return kit.done("/credentials#credential-\(id)", notice: "Credential \(change.view.values["nickname"] ?? id) saved: \(what).", request, context)
            } catch let error as CredentialService.Failure {
                var problems: [String: String] = [:]
                switch error {
                case let .invalidValues(invalid):
                    for problem in invalid.problems { problems[problem.field] = problems[problem.field].map { "\($0) \(problem.message)" } ?? problem.message }
                default:
                    let field = integration.credentialFields.first { error.description.hasPrefix($0.name) }?.name ?? "form"
                    problems[field] = error.description
                }
                // What was typed stays in the form, secrets excepted: they are never echoed back.
                let kept = values.filter { name, _ in !integration.secretFieldNames.contains(name) }
                let typedSecret = values.keys.contains { integration.secretFieldNames.contains($0) }
                return try await edit(request, context, values: kept, problems: problems, secretsCleared: typedSecret)
            }
        }
        pages.post("credentials/{id}/test") { request, context in
            let id = try context.parameters.require("id")
            let result = try await auditor.audited(context, "credential.test", target: "credential:\(id)", outcome: { $0.ok ? "ok" : "failed: \($0.summary)" }) {
                try await credentials.test(id: id)
            }
            return try await credentials(request, context, tested: (id, result))
        }
        pages.post("credentials/{id}/delete") { request, context in
            let id = try context.parameters.require("id")
            let force = try await kit.form(request).checked("force")
            do {
                let view = try await auditor.audited(context, force ? "credential.delete_forced" : "credential.delete", target: "credential:\(id)") {
                    guard !force || context.isAdmin else { throw APIError(.forbidden, "forbidden", "deleting a credential in use takes the admin role") }
                    return try await credentials.delete(id: id, force: force)
                }
                return kit.done("/credentials", notice: "Credential \(view.values["nickname"] ?? id) deleted.", request, context)
            } catch let error as CredentialService.Failure {
                guard case let .inUse(_, users) = error else { throw error }
                return try await credentials(request, context, inUse: (id, users), status: .conflict)
            }
        }
    }

    func integration(_ request: Request, _ context: VigilRequestContext, values: [String: String] = [:],
                     problems: [String: String] = [:]) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let integration = Integrations.integration(id) else { throw APIError(.notFound, "not_found", "no integration \(id)") }
        let data: [String: Any] = [
            "integration": ["id": integration.id, "name": integration.name, "summary": integration.summary],
            "operations": integration.operations.map { operation in
                ["id": operation.id, "summary": operation.summary, "inputs": operation.inputs.map { ["name": $0.name, "summary": $0.summary] }] as [String: Any]
            },
            "fields": integration.credentialFields.map { field in
                FieldForm.input(field, name: field.name, value: values[field.name], error: problems[field.name], idPrefix: "credential")
            },
            "needsCredential": integration.needsCredential,
            "general": problems["form"] ?? "",
            "errors": problems,
        ]
        return kit.page("integration", title: integration.name, section: "integrations", data: data,
                        status: problems.isEmpty ? .ok : .unprocessableContent, request, context)
    }

    /// A credential's edit form: its values as stored (typed ones after a refused save), its
    /// secrets never shown (left empty, a secret keeps its stored value).
    func edit(_ request: Request, _ context: VigilRequestContext, values typed: [String: String]? = nil, problems: [String: String] = [:],
              secretsCleared: Bool = false) async throws -> Response {
        let view = try await credentials.show(id: try context.parameters.require("id"))
        guard let integration = Integrations.integration(view.integration) else { throw APIError(.notFound, "not_found", "no integration \(view.integration)") }
        let values = typed.map { view.values.merging($0) { _, new in new } } ?? view.values
        let data: [String: Any] = [
            "credential": ["id": view.id, "nickname": view.values["nickname"] ?? view.id, "integration": integration.name],
            "fields": integration.credentialFields.map { field in
                var input = FieldForm.input(field, name: field.name, value: field.secret ? nil : values[field.name], error: problems[field.name],
                                            idPrefix: "edit")
                if field.secret {
                    input["required"] = false
                    input["hint"] = "Stored\(view.secrets[field.name].map { " (\($0))" } ?? ""), never shown: leave empty to keep it, or type a new one to replace it."
                }
                if field.bindsSecrets && !field.secret {
                    input["hint"] = "\(field.summary) Changing it moves where the secrets go: it takes the admin role and the secrets typed again."
                }
                return input
            },
            "general": problems["form"] ?? "",
            "secretsCleared": secretsCleared && !problems.isEmpty,
        ]
        return kit.page("credential-edit", title: "Edit \(view.values["nickname"] ?? view.id)", section: "integrations", data: data,
                        status: problems.isEmpty ? .ok : .unprocessableContent, request, context)
    }

    func credentials(_ request: Request, _ context: VigilRequestContext, tested: (String, CredentialTestResult)? = nil,
                     inUse: (String, [String])? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let list = try await credentials.list()
        let data: [String: Any] = ["credentials": list.map { view in
            var row: [String: Any] = [
                "id": view.id, "integration": Integrations.integration(view.integration)?.name ?? view.integration,
                "nickname": view.values["nickname"] ?? view.id,
                "values": view.values.keys.sorted().filter { $0 != "nickname" }.map { ["name": FieldForm.label($0), "value": view.values[$0] ?? ""] },
                "secrets": view.secrets.keys.sorted().map { ["name": FieldForm.label($0), "value": view.secrets[$0] ?? ""] },
                "updated": Display.time(view.updatedAt),
            ]
            if let (id, result) = tested, id == view.id {
                row["test"] = ["ok": result.ok, "summary": result.summary, "ms": Int(result.elapsed.milliseconds.rounded()),
                               "details": result.details.keys.sorted().map { ["name": $0, "value": result.details[$0] ?? ""] }]
            }
            if let (id, users) = inUse, id == view.id { row["inUse"] = ["users": users.map { ["text": $0] }, "mayForce": context.isAdmin] as [String: Any] }
            return row
        }, "empty": list.isEmpty]
        return kit.page("credentials", title: "Credentials", section: "integrations", data: data, status: status, request, context)
    }
}
