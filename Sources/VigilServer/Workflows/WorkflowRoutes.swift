import Foundation
import Hummingbird
import JSONValues
import Workflows

/// `/v1/workflows`: definitions (a draft checked when saved), publish and rollback, versions,
/// and the catalogue of actions and events a step can use. Curators read; admins change, and
/// every change and publish is in the audit log.
struct WorkflowRoutes {
    let workflows: WorkflowService
    let triggers: EventTriggers
    let auditor: Auditor
    static let bodyLimit = 1024 * 1024


    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("workflow-actions") { _, _ in
            try JSONText.response(WorkflowCatalogueJSON(actions: ActionCatalog.all, events: EventCatalog.all))
        }
        routes.get("workflows") { _, _ in
            try JSONText.response(["workflows": try await workflows.list().map(WorkflowJSON.init)])
        }
        routes.get("workflows/{id}") { _, context in
            try JSONText.response(WorkflowJSON(try await workflows.workflow(try Self.reference(context))))
        }
        routes.get("workflows/{id}/versions") { _, context in
            let versions = try await workflows.versions(try Self.reference(context))
            return try JSONText.response(["versions": versions.map { WorkflowVersionJSON($0, withDefinition: false) }])
        }
        routes.get("workflows/{id}/versions/{version}") { _, context in
            try JSONText.response(WorkflowVersionJSON(try await workflows.version(try Self.reference(context), try version(context))))
        }

        routes.post("workflows/validate") { request, _ in
            let definition = try await Self.definition(request)
            let issues = try await workflows.validate(definition)
            return try JSONText.response(ValidationJSON(valid: issues.isEmpty, issues: issues))
        }
        routes.post("workflows") { request, context in
            let definition = try await Self.definition(request)
            let workflow = try await auditor.audited(context, "workflow.create", target: "workflow:\(definition.name)",
                                                     resultTarget: { "workflow:\($0.id)" }) {
                try await workflows.create(definition)
            }
            return try JSONText.response(WorkflowJSON(workflow), status: .created)
        }
        routes.put("workflows/{id}") { request, context in
            let id = try Self.reference(context)
            let definition = try await Self.definition(request)
            let workflow = try await auditor.audited(context, "workflow.update", target: "workflow:\(id)") {
                try await workflows.updateDraft(id, definition)
            }
            return try JSONText.response(WorkflowJSON(workflow))
        }
        routes.delete("workflows/{id}") { _, context in
            let id = try Self.reference(context)
            let workflow = try await auditor.audited(context, "workflow.delete", target: "workflow:\(id)") { try await workflows.delete(id) }
            return try JSONText.response(WorkflowJSON(workflow))
        }
        routes.post("workflows/{id}/publish") { _, context in
            let id = try Self.reference(context)
            let actor = context.actor
            let version = try await auditor.audited(context, "workflow.publish", target: "workflow:\(id)",
                                                    resultTarget: { "workflow:\($0.workflowID)@\($0.version)" }) {
                try await workflows.publish(id, by: actor)
            }
            try? await triggers.refresh()
            return try JSONText.response(WorkflowVersionJSON(version), status: .created)
        }
        // A rollback: an earlier version made live again.
        routes.post("workflows/{id}/versions/{version}/publish") { _, context in
            let id = try Self.reference(context)
            let number = try version(context)
            let version = try await auditor.audited(context, "workflow.publish", target: "workflow:\(id)@\(number)") {
                try await workflows.publish(id, version: number)
            }
            try? await triggers.refresh()
            return try JSONText.response(WorkflowVersionJSON(version))
        }
    }

    func version(_ context: VigilRequestContext) throws -> Int {
        guard let number = Int(try context.parameters.require("version")), number > 0 else {
            throw APIError.badRequest("version must be a positive integer")
        }
        return number
    }

    /// The workflow a path names, by id or by name (percent-decoded: names have spaces).
    static func reference(_ context: VigilRequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        return raw.removingPercentEncoding ?? raw
    }

    /// A definition from a JSON body; a shape error names the field.
    static func definition(_ request: Request) async throws -> WorkflowDefinition {
        try JSONInput.decode(WorkflowDefinition.self, from: try await request.collectJSON(limit: bodyLimit))
    }
}

struct ValidationJSON: Encodable {
    let valid: Bool
    let issues: [ValidationIssue]
}

struct WorkflowCatalogueJSON: Encodable {
    let actions: [ActionJSON]
    let events: [EventTypeJSON]

    init(actions: [ActionDeclaration], events: [EventCatalog.EventType]) {
        self.actions = actions.map(ActionJSON.init)
        self.events = events.map(EventTypeJSON.init)
    }
}

/// An event a workflow's trigger can name, with its payload's fields.
struct EventTypeJSON: Encodable {
    let name: String
    let summary: String
    let fields: [FieldJSON]

    init(_ type: EventCatalog.EventType) {
        name = type.name
        summary = type.summary
        fields = type.fields.map(FieldJSON.init)
    }
}

/// An action a step can take, as the API shows it.
struct ActionJSON: Encodable {
    let action: ActionDeclaration

    enum CodingKeys: String, CodingKey {
        case key, summary, inputs, outputs, unavailable
        case credentialIntegration = "credential_integration"
        case credentialIntegrations = "credential_integrations"
        case hasSideEffects = "has_side_effects"
        case oneOf = "one_of"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(action.key, forKey: .key)
        try c.encode(action.summary, forKey: .summary)
        try c.encode(action.inputs.map(FieldJSON.init), forKey: .inputs)
        try c.encode(action.outputs.map(FieldJSON.init), forKey: .outputs)
        try c.encodeIfPresent(action.unavailable, forKey: .unavailable)
        try c.encodeIfPresent(action.credentialIntegration, forKey: .credentialIntegration)
        if !action.credentialIntegrations.isEmpty { try c.encode(action.credentialIntegrations, forKey: .credentialIntegrations) }
        try c.encode(action.hasSideEffects, forKey: .hasSideEffects)
        try c.encode(action.oneOf, forKey: .oneOf)
    }
}
