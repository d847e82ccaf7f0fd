import Foundation
import Integrations
import JSONValues
import Workflows

/// The workflow builder's edits of a definition, kept apart from the pages: where a new step
/// goes, turning a generated form back into step inputs, and which template variables a step
/// may use. Every edit is validated by the domain before it is saved.
enum WorkflowBuilder {
    /// Where a step is added: at the end, or at the end of a conditional's branch or its else.
    struct Place: Equatable {
        var step: String?
        var branch: Int?  // nil with a step: its else
        init(_ text: String?) {
            guard let text, !text.isEmpty, text != "top" else { return }
            let parts = text.split(separator: "#", maxSplits: 1).map(String.init)
            step = parts[0]
            branch = parts.count > 1 ? Int(parts[1]) : nil
        }
    }

    static func insert(_ new: StepDefinition, at place: Place, into steps: inout [StepDefinition]) -> Bool {
        guard let target = place.step else {
            steps.append(new)
            return true
        }
        for index in steps.indices {
            if steps[index].id == target {
                if let branch = place.branch {
                    guard var branches = steps[index].branches, branches.indices.contains(branch) else { return false }
                    branches[branch].steps.append(new)
                    steps[index].branches = branches
                } else {
                    steps[index].otherwise = (steps[index].otherwise ?? []) + [new]
                }
                return true
            }
            if var branches = steps[index].branches {
                for b in branches.indices where insert(new, at: place, into: &branches[b].steps) {
                    steps[index].branches = branches
                    return true
                }
            }
            if var otherwise = steps[index].otherwise, insert(new, at: place, into: &otherwise) {
                steps[index].otherwise = otherwise
                return true
            }
        }
        return false
    }

    static func remove(_ id: String, from steps: inout [StepDefinition]) -> Bool {
        if let index = steps.firstIndex(where: { $0.id == id }) {
            steps.remove(at: index)
            return true
        }
        for index in steps.indices {
            if var branches = steps[index].branches {
                for b in branches.indices where remove(id, from: &branches[b].steps) {
                    steps[index].branches = branches
                    return true
                }
            }
            if var otherwise = steps[index].otherwise, remove(id, from: &otherwise) {
                steps[index].otherwise = otherwise
                return true
            }
        }
        return false
    }

    /// The steps as rows of a tree: depth, and the branch each sits in.
    /// The draft as a flow for the `flow-step` partial: each step a node, a conditional's
    /// branches side by side under it (the else branch last), each holding its own steps. Every
    /// node carries every key the partial reads (empty when it has none), so a nested section
    /// never finds its parent's value instead.
    static func flow(_ steps: [StepDefinition], depth: Int = 0) -> [[String: Any]] {
        steps.map { step in
            // A conditional's branches are chosen by their conditions; a parallel step's all run.
            let parallel = step.type == "parallel"
            var branches: [[String: Any]] = (step.branches ?? []).enumerated().map { i, branch in
                ["name": branch.name ?? "branch \(i + 1)", "label": parallel ? "runs alongside the others" : "if \(branch.condition ?? "…")",
                 "else": false, "steps": flow(branch.steps, depth: depth + 1)]
            }
            if step.type == "conditional" {
                branches.append(["name": "else", "label": "when no branch's condition holds", "else": true, "steps": flow(step.otherwise ?? [], depth: depth + 1)])
            }
            return ["id": step.id, "name": step.name ?? step.id, "named": step.name != nil && step.name != step.id, "type": step.type,
                    "depth": depth, "action": actionKey(step) ?? "", "hasBranches": !branches.isEmpty, "branches": branches,
                    "inputs": (step.inputs ?? [:]).keys.sorted().map { ["name": $0, "value": display(step.inputs?[$0])] }]
        }
    }

    /// Every place a step can go, for the "add to" select.
    static func places(_ steps: [StepDefinition]) -> [(value: String, label: String)] {
        var places = [("top", "the end of the workflow")]
        for step in WorkflowDefinition(name: "", trigger: .api([]), steps: steps).allSteps where step.type == "conditional" {
            for (i, branch) in (step.branches ?? []).enumerated() {
                places.append(("\(step.id)#\(i)", "\(step.id): \(branch.name ?? "branch \(i + 1)") (if \(branch.condition ?? "…"))"))
            }
            places.append(("\(step.id)#else", "\(step.id): else"))
        }
        return places
    }

    static func actionKey(_ step: StepDefinition) -> String? {
        if let integration = step.integration, let operation = step.operation { return "\(integration).\(operation)" }
        return step.action
    }

    /// The step a form describes: the declaration's inputs, read by kind. A value that is a
    /// template (`{{ … }}`) stays text whatever the field's kind; the validator checks its type.
    static func actionStep(id: String, name: String?, declaration: ActionDeclaration, credential: String?, fields: FormFields) -> StepDefinition {
        var inputs: [String: JSONValue] = [:]
        for field in declaration.inputs {
            let key = "in_\(field.name)"
            if case .boolean = field.kind {
                inputs[field.name] = .bool(fields.checked(key))
                continue
            }
            guard let text = fields.text(key) else { continue }
            inputs[field.name] = value(text, kind: field.kind)
        }
        let parts = declaration.key.split(separator: ".", maxSplits: 1).map(String.init)
        let isIntegration = parts.count == 2 && Integrations.integration(parts[0]) != nil
        return StepDefinition(id: id, name: name, type: "action", integration: isIntegration ? parts[0] : nil, operation: isIntegration ? parts[1] : nil,
                    action: isIntegration ? nil : declaration.key, credential: credential, inputs: inputs)
    }

    static func value(_ text: String, kind: Field.Kind) -> JSONValue {
        if text.contains("{{") { return .string(text) }
        switch kind {
        case .integer, .number:
            return Double(text).map(JSONValue.number) ?? .string(text)
        case .object, .list:
            if let data = text.data(using: .utf8), let parsed = try? JSONDecoder().decode(JSONValue.self, from: data) { return parsed }
            return .string(text)
        default:
            return .string(text)
        }
    }

    static func display(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if case let .string(text) = value { return text }
        return value.text
    }

    /// The values a step may read, in the order the builder offers them — the trigger's fields,
    /// then every step's declared outputs — each with its type as the condition builder writes
    /// values for it: text, number, boolean, or any (a list, an object, an event's field).
    static func values(_ definition: WorkflowDefinition) -> [(path: String, kind: String)] {
        var values: [(path: String, kind: String)] = []
        if definition.trigger.type == "api" {
            for parameter in definition.trigger.parameters ?? [] {
                let kind = switch parameter.type {
                case "text", "url": "text"
                case "integer", "number": "number"
                case "boolean": "boolean"
                default: "any"
                }
                values.append(("trigger.\(parameter.name)", kind))
            }
        } else {
            var fields: [String] = []
            for event in definition.trigger.events ?? [] {
                for field in EventCatalog.event(event)?.fields ?? [] where !fields.contains(field.name) { fields.append(field.name) }
            }
            values += fields.map { ("trigger.\($0)", "any") }
        }
        for step in definition.allSteps {
            if step.type == "conditional" { values.append(("steps.\(step.id).output.branch", "text")); continue }
            guard let key = actionKey(step), let declaration = ActionCatalog.declaration(key) else { continue }
            for output in declaration.outputs {
                let kind = switch output.kind {
                case .text, .url, .choice: "text"
                case .integer, .number: "number"
                case .boolean: "boolean"
                default: "any"
                }
                values.append(("steps.\(step.id).output.\(output.name)", kind))
            }
        }
        return values
    }

    /// The template variables a step may use: the trigger's fields and every step's outputs.
    static func variables(_ definition: WorkflowDefinition) -> [String] { values(definition).map { "{{ \($0.path) }}" } }

    /// The operators the condition builder offers, as a person reads them, and how each is written.
    static let operators: [(value: String, label: String)] = [
        ("true", "is true"), ("false", "is false"), ("==", "equals"), ("!=", "does not equal"), (">", "is more than"), (">=", "is at least"),
        ("<", "is less than"), ("<=", "is at most"), ("contains", "contains"),
    ]

    /// Why a clause of the condition builder was not taken, in words for its field.
    struct ClauseProblem: Error {
        let message: String
    }

    /// A branch's condition built from the form's clauses (`when_<branch>_<n>`, `op_…`, `value_…`,
    /// joined by `join_<branch>`), as the expression the validator checks; nil when no clause is
    /// filled in. Each clause's field and operator must be ones the form offers (`paths`: what
    /// the draft's steps and trigger declare), and its value is written as the field's type: a
    /// text field's value is always quoted text (an account id of digits is text), a number's
    /// must be a number, a boolean's true or false.
    static func condition(from fields: FormFields, branch: Int, paths: [String: String]? = nil) throws(ClauseProblem) -> String? {
        var clauses: [String] = []
        for n in 0..<2 {
            guard let path = fields.text("when_\(branch)_\(n)"), let op = fields.text("op_\(branch)_\(n)") else { continue }
            if let paths, paths[path] == nil { throw ClauseProblem(message: "\(path) is not a value this draft's steps or trigger give: choose one from the list") }
            guard operators.contains(where: { $0.value == op }) else { throw ClauseProblem(message: "\(op) is not an operator the form offers") }
            if op == "true" || op == "false" {
                clauses.append("\(path) == \(op)")
                continue
            }
            let value = try literal(fields.text("value_\(branch)_\(n)") ?? "", kind: paths?[path] ?? "any", field: path)
            clauses.append(op == "contains" ? "\(value) in \(path)" : "\(path) \(op) \(value)")
        }
        guard !clauses.isEmpty else { return nil }
        return clauses.joined(separator: fields["join_\(branch)"] == "or" ? " or " : " and ")
    }

    static func literal(_ text: String, kind: String = "any", field: String = "the field") throws(ClauseProblem) -> String {
        let quoted = "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        switch kind {
        case "text": return quoted
        case "number":
            guard let number = Double(text), number.isFinite, text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else {
                throw ClauseProblem(message: "\(field) is a number: give digits, not \"\(text.prefix(40))\"")
            }
            return text
        case "boolean":
            guard text == "true" || text == "false" else { throw ClauseProblem(message: "\(field) is true or false, not \"\(text.prefix(40))\"") }
            return text
        default:
            if ["true", "false", "null"].contains(text) { return text }
            if let number = Double(text), number.isFinite, text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return text }
            return quoted
        }
    }

    /// The values a condition can read, each with its type (`values`), for the builder's checks.
    static func pathKinds(_ definition: WorkflowDefinition) -> [String: String] {
        Dictionary(values(definition).map { ($0.path, $0.kind) }, uniquingKeysWith: { first, _ in first })
    }

    /// Validation issues keyed as the forms name their controls: `id`, `in_<input>`, `condition_<n>`.
    static func formField(_ issue: ValidationIssue) -> String {
        let field = issue.field
        if field.hasPrefix("inputs.") { return "in_" + (field.dropFirst("inputs.".count).split(separator: ".").first.map(String.init) ?? "") }
        if field.hasPrefix("branches["), let end = field.firstIndex(of: "]") {
            return "condition_" + field[field.index(field.startIndex, offsetBy: 9)..<end]
        }
        return field
    }
}
