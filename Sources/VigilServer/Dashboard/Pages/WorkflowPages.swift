import Foundation
import Hummingbird
import Integrations
import JSONValues
import Workflows

/// Workflows: the list; a new workflow; the builder (add an action step from the catalogue,
/// with a form generated from its input schema, or a conditional with branches; remove a
/// step; publish); the versions; the runs and each step's input, output, timing and error.
struct WorkflowPages {
    let kit: PageKit
    let credentials: CredentialService
    let workflows: WorkflowService
    /// The builder's "Test run": a draft tried without side effects.
    let trials: any WorkflowTrials
    let auditor: Auditor

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("workflows") { request, context in try await list(request, context) }
        pages.post("workflows") { request, context in
            let fields = try await kit.form(request)
            var problems: [String: String] = [:]
            let name = fields.text("name") ?? ""
            if name.isEmpty { problems["name"] = "Give the workflow a name." }
            let trigger: Trigger
            if fields["trigger"] == "api" {
                trigger = .api(Self.parameters(fields))
            } else {
                let events = fields.all("events")
                if events.isEmpty { problems["events"] = "Choose at least one event, or an API trigger." }
                trigger = .event(events, condition: fields.text("condition"))
            }
            guard problems.isEmpty else { return try await list(request, context, form: fields, problems: problems) }
            do {
                let workflow = try await auditor.audited(context, "workflow.create", target: "workflow:\(name)", resultTarget: { "workflow:\($0.id)" }) {
                    try await workflows.create(WorkflowDefinition(name: name, description: fields.text("description"), trigger: trigger, steps: []))
                }
                return kit.done("/workflows/\(workflow.id)#add-step", notice: "Draft \(workflow.name) saved: add its first step.", request, context)
            } catch let error as WorkflowError {
                switch error {
                case let .invalid(issues):
                    for issue in issues {
                        let key = issue.field.hasPrefix("trigger.events") ? "events" : issue.field.hasPrefix("trigger.condition") ? "condition"
                            : issue.field == "name" ? "name" : "form"
                        problems[key] = problems[key].map { "\($0) \(issue.description)" } ?? issue.description
                    }
                default: problems["name"] = error.description
                }
                return try await list(request, context, form: fields, problems: problems)
            }
        }
        pages.get("workflows/{id}") { request, context in try await builder(request, context) }
        pages.post("workflows/{id}/steps") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            let fields = try await kit.form(request)
            var definition = workflow.draft
            let editing = fields.text("editing")
            // An id is made from the step's name when none is typed (a person names steps; the id
            // is what templates use).
            let taken = WorkflowDraftEdits.ids(definition.steps).subtracting([editing].compactMap { $0 })
            let id = fields.text("step_id") ?? editing
                ?? WorkflowDraftEdits.id(fromName: fields.text("step_name") ?? fields.text("action")?.replacingOccurrences(of: ".", with: " ") ?? "decide", taken: taken)
            let kind = fields["kind"] ?? "action"
            let step: StepDefinition
            var slots: [Int] = []
            if kind == "conditional" {
                var branches: [BranchDefinition] = []
                for index in 0..<3 {
                    // The expression as written wins; else the one built from the clauses (each
                    // clause's field and operator one the form offered).
                    let built: String?
                    do { built = try WorkflowBuilder.condition(from: fields, branch: index, paths: WorkflowBuilder.pathKinds(definition)) } catch let error as WorkflowBuilder.ClauseProblem {
                        return try await builder(request, context, problems: ["condition_\(index)": error.message], fields: fields)
                    }
                    guard let condition = fields.text("condition_\(index)") ?? built else { continue }
                    branches.append(BranchDefinition(name: fields.text("branch_\(index)"), condition: condition, steps: []))
                    slots.append(index)
                }
                step = StepDefinition(id: id, name: fields.text("step_name"), type: "conditional", branches: branches, otherwise: [])
            } else {
                guard let key = fields.text("action"), let declaration = ActionCatalog.declaration(key) else {
                    return try await builder(request, context, problems: ["action": "Choose an action."], fields: fields)
                }
                step = WorkflowBuilder.actionStep(id: id, name: fields.text("step_name"), declaration: declaration, credential: fields.text("credential"),
                                                  fields: fields)
            }
            if let editing {
                do { try WorkflowDraftEdits.replace(editing, with: step, slots: kind == "conditional" ? slots : nil, in: &definition.steps) }
                catch let error as WorkflowDraftEdits.Refusal {
                    return try await builder(request, context, problems: ["form": error.message], fields: fields)
                }
            } else if !WorkflowBuilder.insert(step, at: .init(fields["place"]), into: &definition.steps) {
                return try await builder(request, context, problems: ["place": "That branch is no longer in the workflow."], fields: fields)
            }
            let done = editing.map { $0 == id ? "changed step \(id)" : "changed step \($0) (now \(id))" } ?? "added step \(id)"
            do {
                _ = try await auditor.audited(context, "workflow.update", target: "workflow:\(workflow.id)", outcome: { _ in "ok: \(done)" }) {
                    try await workflows.updateDraft(workflow.id, definition)
                }
            } catch let WorkflowError.invalid(issues) {
                // Issues of the new step go next to its fields; any other issue is the draft's.
                var problems: [String: String] = [:]
                for issue in issues {
                    let ofNewStep = issue.step == id
                    let key = ofNewStep ? WorkflowBuilder.formField(issue) : "form"
                    let message = ofNewStep ? issue.message : issue.description
                    problems[key] = problems[key].map { "\($0) \(message)" } ?? message
                }
                return try await builder(request, context, problems: problems, fields: fields)
            }
            return kit.done("/workflows/\(workflow.id)#step-\(id)", notice: editing == nil ? "Step \(id) added to the draft." : "Step \(id) changed in the draft.",
                            request, context)
        }
        registerDraftEdits(on: pages)
        pages.post("workflows/{id}/steps/{step}/delete") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            let stepID = try context.parameters.require("step")
            var definition = workflow.draft
            guard WorkflowBuilder.remove(stepID, from: &definition.steps) else { throw APIError(.notFound, "not_found", "the draft has no step \(stepID)") }
            do {
                _ = try await auditor.audited(context, "workflow.update", target: "workflow:\(workflow.id)", outcome: { _ in "ok: removed step \(stepID)" }) {
                    try await workflows.updateDraft(workflow.id, definition)
                }
            } catch let WorkflowError.invalid(issues) {
                return try await builder(request, context, problems: ["form": "Removing \(stepID) would leave the draft invalid: " + issues.map(\.description).joined(separator: "; ")])
            }
            return kit.done("/workflows/\(workflow.id)#steps", notice: "Step \(stepID) removed from the draft.", request, context)
        }
        pages.post("workflows/{id}/publish") { request, context in
            let workflow = try await workflows.workflow(try context.parameters.require("id"))
            // The form names the draft it showed the changes of: an edit since is refused, not published unseen.
            guard let reviewed = try await kit.form(request).text("draft_revision") else {
                throw APIError.badRequest("draft_revision is required: the publish form names the draft it showed; reload the page and publish from it")
            }
            do {
                let version = try await auditor.audited(context, "workflow.publish", target: "workflow:\(workflow.id)", resultTarget: { "workflow:\(workflow.id)@\($0.version)" }) {
                    try await workflows.publish(workflow.id, by: context.actor, reviewedDraft: reviewed)
                }
                return kit.done("/workflows/\(workflow.id)#versions", notice: "Version \(version.version) published: it is live.", request, context)
            } catch let WorkflowError.invalid(issues) {
                return try await builder(request, context, problems: ["form": "Not published: " + issues.map(\.description).joined(separator: "; ")])
            } catch let WorkflowError.conflict(message) {
                return try await builder(request, context, problems: ["form": "Not published: " + message + "."])
            }
        }
        pages.get("workflow-runs/{run}") { request, context in try await runPage(request, context) }
        pages.post("workflow-runs/{run}/rerun") { request, context in
            let run = try await workflows.run(try context.positiveID("run", of: "a run"))
            let again = try await auditor.audited(context, "workflow.rerun", target: "workflow_run:\(run.id)", resultTarget: { "workflow_run:\($0.id)" }) {
                try await workflows.rerun(run.id)
            }
            return kit.done("/workflow-runs/\(again.id)", notice: "Run #\(run.id) started again as run #\(again.id).", request, context)
        }
    }

    /// A run's page leads with what it did, in words and links (`RunStory`), then its steps; the
    /// raw input and outputs stay behind disclosures.
    func runPage(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let run = try await workflows.run(try context.positiveID("run", of: "a run"))
        let steps = try await workflows.steps(of: run.id)
        // A deleted workflow's runs stay readable, named by the workflow's id.
        let name: String?
        do { name = try await workflows.workflow(run.workflowID).name } catch WorkflowError.notFound { name = nil }
        // The story first: the steps' table names each step as its author did.
        let story: RunStory?
        var storyError: String?
        do {
            story = try await workflows.story(of: run, records: steps)
        } catch {
            story = nil
            storyError = "What this run did cannot be told: \(APIError.from(error)?.message ?? String(describing: error)). Its steps are below."
        }
        var data: [String: Any] = [
            "run": ["id": run.id, "workflow": run.workflowID, "workflowName": name ?? run.workflowID, "version": run.version,
                    "status": run.status.rawValue, "statusText": Display.words(run.status.rawValue), "trigger": Display.words(run.trigger.rawValue),
                    "input": Self.pretty(run.input), "error": run.error ?? "", "created": Display.time(run.createdAt),
                    "finished": Display.time(run.finishedAt), "rerunOf": run.rerunOf.map { $0 as Any } ?? false, "finishedRun": run.status.isFinished],
            "steps": steps.map { step in
                ["id": step.stepID, "name": story?.names[step.stepID] ?? step.stepID, "named": (story?.names[step.stepID] ?? step.stepID) != step.stepID,
                 "status": step.status.rawValue, "statusText": Display.words(step.status.rawValue), "attempts": step.attempts,
                 "input": step.input.map(Self.pretty) ?? "", "output": step.output.map(Self.pretty) ?? "", "error": step.error ?? "",
                 "started": Display.time(step.startedAt),
                 "ms": step.finishedAt.map { String(Int(($0.timeIntervalSince(step.startedAt) * 1000).rounded())) } ?? "—"] as [String: Any]
            },
        ]
        if let story {
            let known = Set(try await credentials.list().map(\.id))
            data["story"] = RunStoryText.beats(story)
            let advice = RunStoryText.advice(story, run: run, knownCredentials: known)
            data["advice"] = advice.map { ["text": $0] }
            data["hasAdvice"] = !advice.isEmpty
        }
        if let storyError { data["storyError"] = storyError }
        return kit.page("workflow-run", title: "Run \(run.id)", section: "workflows", data: data, request, context)
    }

    static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? value.text
    }

    func list(_ request: Request, _ context: VigilRequestContext, form: FormFields? = nil, problems: [String: String] = [:]) async throws -> Response {
        let workflows = try await workflows.list()
        let chosen = Set(form?.all("events") ?? [])
        let data: [String: Any] = [
            "workflows": workflows.map { workflow in
                ["id": workflow.id, "name": workflow.name, "trigger": Self.describe(workflow.draft.trigger),
                 "live": workflow.liveVersion.map { "v\($0)" } ?? "draft only", "steps": workflow.draft.allSteps.count,
                 "updated": Display.time(workflow.updatedAt)] as [String: Any]
            },
            "empty": workflows.isEmpty,
            "events": EventCatalog.all.map { ["name": $0.name, "summary": $0.summary, "checked": chosen.contains($0.name)] },
            "form": ["name": form?["name"] ?? "", "description": form?["description"] ?? "",
                     "api": form?["trigger"] == "api", "condition": form?["condition"] ?? ""],
            // A new API workflow is offered the image to screen (required) and its account.
            "parameterRows": Self.parameterRows(form.map { Self.parameters($0) }
                ?? [Parameter(name: "image_url", type: "url", required: true), Parameter(name: "account_reference_id", type: "text")]),
            "errors": problems, "general": problems["form"] ?? "",
        ]
        return kit.page("workflows", title: "Workflows", section: "workflows", data: data, status: problems.isEmpty ? .ok : .unprocessableContent,
                        request, context)
    }

    static func describe(_ trigger: Trigger) -> String {
        trigger.type == "api" ? "API (\((trigger.parameters ?? []).map(\.name).joined(separator: ", ")))" : "on " + (trigger.events ?? []).joined(separator: ", ")
    }

    func builder(_ request: Request, _ context: VigilRequestContext, problems: [String: String] = [:], fields: FormFields? = nil,
                 trial: [TrialStep]? = nil, trialFields: FormFields? = nil, typedParameters: [Parameter]? = nil) async throws -> Response {
        let workflow = try await workflows.workflow(try context.parameters.require("id"))
        let query = request.formQuery
        // A step opened for editing: its form, filled with what it holds now.
        let editing = fields?.text("editing") ?? query.get("edit").flatMap { id in WorkflowDraftEdits.find(id, in: workflow.draft.steps) != nil ? id : nil }
        var fields = fields
        if fields == nil, let editing, let step = WorkflowDraftEdits.find(editing, in: workflow.draft.steps) { fields = Self.form(of: step) }
        let chosenKey = fields?.text("action") ?? query.get("action").flatMap { $0.isEmpty ? nil : $0 }
        let kind = fields?["kind"] ?? query.get("kind") ?? "action"
        let place = fields?["place"] ?? query.get("place") ?? "top"
        let variables = WorkflowBuilder.variables(workflow.draft)
        // What a condition can read, once for every clause of every branch.
        let readable = WorkflowBuilder.values(workflow.draft).map(\.path)
        var data: [String: Any] = [
            "workflow": ["id": workflow.id, "name": workflow.name, "trigger": Self.describe(workflow.draft.trigger),
                         "live": workflow.liveVersion.map(String.init) ?? "", "latest": workflow.latestVersion.map(String.init) ?? ""],
            "flow": WorkflowBuilder.flow(workflow.draft.steps),
            "hasSteps": !workflow.draft.steps.isEmpty,
            "places": WorkflowBuilder.places(workflow.draft.steps).map { ["value": $0.value, "label": $0.label, "selected": $0.value == place] },
            "builtIns": ActionCatalog.builtIns.filter { $0.unavailable == nil }.map { ["key": $0.key, "summary": $0.summary, "selected": $0.key == chosenKey] },
            "integrations": Integrations.catalogue.compactMap { integration -> [String: Any]? in
                let actions = ActionCatalog.all.filter { $0.key.hasPrefix(integration.id + ".") && $0.unavailable == nil }
                guard !actions.isEmpty else { return nil }
                return ["name": integration.name, "actions": actions.map { action in
                    ["key": action.key, "label": "\(integration.name): \(FieldForm.label(String(action.key.dropFirst(integration.id.count + 1))))",
                     "selected": action.key == chosenKey] as [String: Any]
                }]
            },
            "conditional": kind == "conditional",
            "variables": variables.map { ["value": $0] },
            "stepID": fields?["step_id"] ?? "", "stepName": fields?["step_name"] ?? "",
            "conditions": (0..<3).map { index in
                // The expression checked is shown: as written, or as the clauses built it.
                ["index": index, "name": fields?["branch_\(index)"] ?? "",
                 "condition": fields?.text("condition_\(index)") ?? fields.flatMap { try? WorkflowBuilder.condition(from: $0, branch: index) } ?? "",
                 "or": fields?["join_\(index)"] == "or",
                 "clauses": (0..<2).map { n in
                     ["n": n, "joined": n > 0, "branchIndex": index, "value": fields?["value_\(index)_\(n)"] ?? "",
                      "paths": readable.map { ["value": $0, "selected": $0 == fields?["when_\(index)_\(n)"]] },
                      "operators": WorkflowBuilder.operators.map { ["value": $0.value, "label": $0.label, "selected": $0.value == fields?["op_\(index)_\(n)"]] }]
                     as [String: Any]
                 },
                 "error": problems["condition_\(index)"] ?? ""] as [String: Any]
            },
            "errors": problems, "general": problems["form"] ?? "",
            "editing": editing ?? false,
            "versions": try await workflows.versions(workflow.id).reversed().map { version in
                ["version": version.version, "by": version.publishedBy, "at": Display.time(version.publishedAt),
                 "live": version.version == workflow.liveVersion, "steps": version.definition.allSteps.count] as [String: Any]
            },
            "triggerForm": workflow.draft.trigger.type == "api" ? ["rows": Self.parameterRows(typedParameters ?? workflow.draft.trigger.parameters ?? [])] : false,
            "runs": try await workflows.runs(RunFilter(workflowID: workflow.id, limit: 20)).map { run in
                ["id": run.id, "status": run.status.rawValue, "version": run.version, "trigger": run.trigger.rawValue,
                 "created": Display.time(run.createdAt), "error": run.error ?? ""] as [String: Any]
            },
        ]
        // What publishing would do: the changes from the live version, or why it cannot yet.
        var live: WorkflowDefinition?
        if let number = workflow.liveVersion { live = try await workflows.version(workflow.id, number).definition }
        let changes = WorkflowDraftEdits.changes(from: live, to: workflow.draft)
        let issues = try await workflows.validate(workflow.draft)
        var publish: [String: Any] = ["changes": changes.map { ["text": $0] }, "hasChanges": !changes.isEmpty,
                                      "draftRevision": try WorkflowService.revision(workflow.draft)]
        if workflow.draft.steps.isEmpty {
            publish["blocked"] = "The draft has no step yet: add one, then publish."
        } else if !issues.isEmpty {
            publish["blocked"] = "The draft cannot be published yet: " + issues.map(\.description).joined(separator: "; ")
        } else if changes.isEmpty {
            publish["blocked"] = "The draft is the live version: nothing to publish."
        } else {
            publish["ready"] = true
        }
        data["publish"] = publish
        // A version compared with the draft: what publishing the draft would change from it.
        if let number = query.get("compare").flatMap(Int.init) {
            let compared: WorkflowVersion
            do { compared = try await workflows.version(workflow.id, number) } catch WorkflowError.versionNotFound {
                throw APIError(.notFound, "not_found", "workflow \(workflow.name) has no version \(number)")
            }
            let lines = WorkflowDraftEdits.changes(from: compared.definition, to: workflow.draft)
            data["comparison"] = ["version": number, "changes": lines.map { ["text": $0] }, "same": lines.isEmpty]
        }
        if workflow.draft.trigger.type == "api" {
            data["trial"] = WorkflowTrialText.data(parameters: workflow.draft.trigger.parameters ?? [], fields: trialFields, results: trial,
                                                   problem: problems["trial"])
        }
        if kind != "conditional", let key = chosenKey, let declaration = ActionCatalog.declaration(key) {
            var action: [String: Any] = [
                "key": declaration.key, "summary": declaration.summary,
                "inputs": declaration.inputs.map { field in
                    // A posted form without a box's field had the box off (not its default).
                    FieldForm.input(field, name: "in_\(field.name)",
                                    value: fields?["in_\(field.name)"] ?? (fields != nil && field.kind == .boolean ? "false" : nil), error: problems["in_\(field.name)"],
                                    idPrefix: "input", templates: true)
                },
            ]
            if let integration = declaration.credentialIntegration {
                let accepted = declaration.credentialIntegrations
                let credentials = try await credentials.list().filter { accepted.contains($0.integration) }
                action["credentials"] = credentials.map { ["id": $0.id, "nickname": $0.values["nickname"] ?? $0.id, "selected": $0.id == fields?["credential"]] }
                action["needsCredential"] = true
                action["noCredential"] = credentials.isEmpty
                action["credentialIntegration"] = integration
                // One service: its page; several (Slack or Teams): the marketplace, to choose.
                action["credentialHref"] = accepted.count == 1 ? "/integrations/\(integration)" : "/integrations"
                action["credentialLabel"] = accepted.map { Integrations.integration($0)?.name ?? $0 }.joined(separator: " or ")
            }
            if !declaration.oneOf.isEmpty { action["oneOf"] = declaration.oneOf.joined(separator: " or ") }
            data["action"] = action
        }
        return kit.page("workflow", title: "Workflow \(workflow.name)", section: "workflows", data: data,
                        status: problems.isEmpty ? .ok : .unprocessableContent, request, context)
    }
}
