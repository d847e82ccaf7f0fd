import Foundation
import Hummingbird
import JSONValues
import Workflows

/// The builder's edits of a draft beyond adding a step — move, duplicate, the trigger's
/// parameters, a test run, an earlier version made live again — and the helpers they share.
extension WorkflowPages {
    func registerDraftEdits(on pages: RouterGroup<VigilRequestContext>) {
        pages.post("workflows/{id}/steps/{step}/move") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            let stepID = try context.parameters.require("step")
            let fields = try await kit.form(request)
            guard let direction = fields["direction"], direction == "up" || direction == "down" else {
                throw APIError.badRequest("direction is up or down")
            }
            guard WorkflowDraftEdits.find(stepID, in: workflow.draft.steps) != nil else { throw APIError(.notFound, "not_found", "the draft has no step \(stepID)") }
            let up = direction == "up"
            var definition = workflow.draft
            guard WorkflowDraftEdits.move(stepID, by: up ? -1 : 1, in: &definition.steps) else {
                return kit.done("/workflows/\(workflow.id)#step-\(stepID)", notice: "Step \(stepID) is already \(up ? "first" : "last") where it is.", request, context)
            }
            return try await save(definition, of: workflow, "moved step \(stepID) \(up ? "up" : "down")", anchor: "step-\(stepID)", request, context)
        }
        pages.post("workflows/{id}/steps/{step}/duplicate") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            let stepID = try context.parameters.require("step")
            var definition = workflow.draft
            guard let copy = WorkflowDraftEdits.duplicate(stepID, in: &definition.steps) else {
                throw APIError(.notFound, "not_found", "the draft has no step \(stepID)")
            }
            return try await save(definition, of: workflow, "copied step \(stepID) as \(copy)", anchor: "step-\(copy)", request, context)
        }
        pages.post("workflows/{id}/trigger") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            let fields = try await kit.form(request)
            var definition = workflow.draft
            guard definition.trigger.type == "api" else {
                return try await builder(request, context, problems: ["form": "Only an API trigger has parameters."])
            }
            definition.trigger.parameters = Self.parameters(fields)
            return try await save(definition, of: workflow, "changed the trigger's parameters", anchor: "trigger", request, context,
                                  problemKey: "parameters", typedParameters: definition.trigger.parameters)
        }
        pages.post("workflows/{id}/trial") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            // A draft that takes an image is tried with an uploaded file: the form is then multipart.
            let (fields, images) = try await Self.trialForm(request, kit: kit)
            let issues = try await workflows.validate(workflow.draft)
            guard !workflow.draft.steps.isEmpty, issues.isEmpty else {
                let why = workflow.draft.steps.isEmpty ? "the draft has no step yet" : issues.map(\.description).joined(separator: "; ")
                return try await builder(request, context, problems: ["trial": "Not tried: \(why)."], trialFields: fields)
            }
            let results: [TrialStep]
            do {
                // Audited: a trial calls out (fetches, PhotoDNA) with the organisation's credentials.
                results = try await auditor.audited(context, "workflow.trial", target: "workflow:\(workflow.id)", outcome: { WorkflowTrialText.summary($0) }) {
                    try await trials.tryOut(workflow.draft, input: WorkflowTrialText.input(fields, workflow.draft.trigger.parameters ?? [], images: images))
                }
            } catch let error as WorkflowError {
                return try await builder(request, context, problems: ["trial": "Not tried: \(error.description)."], trialFields: fields)
            } catch let error as WorkflowInvalid {
                return try await builder(request, context, problems: ["trial": "Not tried: \(error)."], trialFields: fields)
            }
            // A trial writes nothing and may be repeated: its page is the answer to the post.
            return try await builder(request, context, trial: results, trialFields: fields)
        }
        pages.post("workflows/{id}/versions/{version}/live") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            let number = try context.positiveID("version", of: "a version")
            do {
                _ = try await auditor.audited(context, "workflow.publish", target: "workflow:\(workflow.id)@\(number)", outcome: { _ in "ok: version \(number) made live again" }) {
                    try await workflows.publish(workflow.id, version: Int(number))
                }
            } catch let WorkflowError.invalid(issues) {
                return try await builder(request, context, problems: ["form": "Version \(number) cannot be live again: " + issues.map(\.description).joined(separator: "; ")])
            }
            return kit.done("/workflows/\(workflow.id)#versions", notice: "Version \(number) is live again: new runs use it.", request, context)
        }
    }

    /// Saves an edited draft (audited), back to the step it touched; refused edits come back
    /// with the validator's words.
    func save(_ definition: WorkflowDefinition, of workflow: Workflow, _ what: String, anchor: String, _ request: Request,
              _ context: VigilRequestContext, problemKey: String = "form", typedParameters: [Parameter]? = nil) async throws -> Response {
        do {
            _ = try await auditor.audited(context, "workflow.update", target: "workflow:\(workflow.id)", outcome: { _ in "ok: \(what)" }) {
                try await workflows.updateDraft(workflow.id, definition)
            }
        } catch let WorkflowError.invalid(issues) {
            // A refused change comes back as typed, so nothing has to be typed again.
            return try await builder(request, context, problems: [problemKey: "Not saved: " + issues.map(\.description).joined(separator: "; ")],
                                     typedParameters: typedParameters)
        }
        return kit.done("/workflows/\(workflow.id)#\(anchor)", notice: "Draft saved: \(what).", request, context)
    }

    /// The trigger's parameters as the form lists them, one row each: name, type, required.
    static func parameters(_ fields: FormFields) -> [Parameter] {
        let names = fields.all("parameter_name"), types = fields.all("parameter_type")
        let required = Set(fields.all("parameter_required"))
        return names.indices.compactMap { index in
            let name = names[index].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { return nil }
            return Parameter(name: name, type: types.indices.contains(index) ? types[index] : "text", required: required.contains(String(index)) ? true : nil)
        }
    }

    static let parameterTypes = ["text", "url", "image", "integer", "number", "boolean", "object", "list"]

    /// The trigger's parameters as rows of the form, and two empty rows to add one.
    static func parameterRows(_ parameters: [Parameter]) -> [[String: Any]] {
        (parameters + [Parameter(name: "", type: "text"), Parameter(name: "", type: "text")]).enumerated().map { index, parameter in
            ["index": index, "name": parameter.name, "required": parameter.required == true,
             "types": parameterTypes.map { ["value": $0, "selected": $0 == parameter.type] }] as [String: Any]
        }
    }

    /// A step's values as its builder form sends them, to open it for editing.
    static func form(of step: StepDefinition) -> FormFields {
        var pairs: [(String, String)] = [("step_id", step.id), ("step_name", step.name ?? "")]
        if step.type == "conditional" {
            pairs.append(("kind", "conditional"))
            for (index, branch) in (step.branches ?? []).enumerated() {
                pairs += [("branch_\(index)", branch.name ?? ""), ("condition_\(index)", branch.condition ?? "")]
            }
        } else {
            pairs += [("kind", "action"), ("action", WorkflowBuilder.actionKey(step) ?? ""), ("credential", step.credential ?? "")]
            for (name, value) in (step.inputs ?? [:]).sorted(by: { $0.key < $1.key }) {
                // "false" is kept: a box left out would be drawn with its default (keep_image is on by default).
                pairs.append(("in_\(name)", WorkflowBuilder.display(value)))
            }
        }
        return FormFields(pairs: pairs)
    }


    /// A trial's form: its text fields, and the files it uploaded by field name (a multipart form
    /// carries its CSRF token in the action's query, checked before this reads the body).
    static func trialForm(_ request: Request, kit: PageKit) async throws -> (FormFields, [String: [UInt8]]) {
        guard case let .multipart(contentType) = BodyKind(request) else { return (try await kit.form(request), [:]) }
        let parts = try MultipartForm.parse(try await request.collectBody(limit: kit.settings.maxBodyBytes), contentType: contentType)
        var texts: [(String, String)] = []
        var files: [String: [UInt8]] = [:]
        for part in parts {
            guard let name = part.name else { continue }
            if part.filename == nil {
                texts.append((name, part.text))
            } else if part.body.readableBytes > 0 {
                files[name] = part.bytes
            }
        }
        return (FormFields(pairs: texts), files)
    }
}
