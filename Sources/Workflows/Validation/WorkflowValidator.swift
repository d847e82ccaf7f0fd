import Integrations
import JSONValues

/// Checks a definition when it is saved: step types, integrations and operations, credentials,
/// every input against its declared field, every template and condition parsed and typed
/// against what the step can see. Every issue names its step and field.
public struct WorkflowValidator: Sendable {
    /// The stored credentials: id → integration.
    public let credentials: [String: String]

    public init(credentials: [String: String]) { self.credentials = credentials }

    static let maxSteps = 200

    public func validate(_ definition: WorkflowDefinition) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let name = definition.name.trimmingSpaces
        if name.isEmpty || name.count > 200 {
            issues.append(ValidationIssue(step: nil, field: "name", message: "a workflow needs a name of 1 to 200 characters"))
        }
        let trigger = triggerType(definition.trigger, &issues)
        let all = definition.allSteps
        if all.isEmpty { issues.append(ValidationIssue(step: nil, field: "steps", message: "a workflow needs at least one step")) }
        if all.count > Self.maxSteps {
            issues.append(ValidationIssue(step: nil, field: "steps", message: "a workflow has at most \(Self.maxSteps) steps, this one \(all.count)"))
        }
        var seen: Set<String> = []
        for step in all {
            if !Self.isIdentifier(step.id) {
                issues.append(ValidationIssue(step: step.id, field: "id",
                                              message: "a step id is 1 to 64 lowercase letters, digits and _, starting with a letter"))
            }
            if !seen.insert(step.id).inserted {
                issues.append(ValidationIssue(step: step.id, field: "id", message: "another step has the id \(step.id)"))
            }
        }
        check(definition.steps, visible: [:], trigger: trigger, &issues)
        return issues
    }

    /// Throws `WorkflowInvalid` listing every issue.
    public func require(_ definition: WorkflowDefinition) throws(WorkflowInvalid) {
        let issues = validate(definition)
        if !issues.isEmpty { throw WorkflowInvalid(issues: issues) }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, (1...64).contains(text.count), ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    // MARK: trigger

    private func triggerType(_ trigger: Trigger, _ issues: inout [ValidationIssue]) -> ValueType {
        switch trigger.type {
        case "api":
            var fields: [String: ValueType] = [:]
            for (i, parameter) in (trigger.parameters ?? []).enumerated() {
                let field = "trigger.parameters[\(i)]"
                if !Self.isIdentifier(parameter.name) {
                    issues.append(ValidationIssue(step: nil, field: field, message: "\"\(parameter.name)\" is not a parameter name (lowercase letters, digits, _)"))
                }
                guard let type = ValueType(parameterType: parameter.type) else {
                    issues.append(ValidationIssue(step: nil, field: field + ".type", message: "unknown type \"\(parameter.type)\" (one of \(ValueType.parameterTypes.joined(separator: ", ")))"))
                    continue
                }
                if let limit = parameter.maxLength {
                    if !Parameter.limitedTypes.contains(parameter.type) {
                        issues.append(ValidationIssue(step: nil, field: field + ".max_length", message: "max_length is for text, url, object and list parameters"))
                    } else if !(1...Parameter.largestMaxLength).contains(limit) {
                        issues.append(ValidationIssue(step: nil, field: field + ".max_length",
                                                      message: "max_length must be from 1 to \(Parameter.largestMaxLength) bytes, not \(limit)"))
                    }
                }
                if fields.updateValue(type, forKey: parameter.name) != nil {
                    issues.append(ValidationIssue(step: nil, field: field, message: "parameter \(parameter.name) is declared twice"))
                }
            }
            return .object(fields, open: false)
        case "event":
            let names = trigger.events ?? []
            if names.isEmpty {
                issues.append(ValidationIssue(step: nil, field: "trigger.events", message: "an event trigger names at least one event type"))
            }
            var type = ValueType.object([:], open: true)
            for name in names {
                guard let event = EventCatalog.event(name) else {
                    issues.append(ValidationIssue(step: nil, field: "trigger.events", message: "unknown event type \"\(name)\" (known: \(EventCatalog.all.map(\.name).joined(separator: ", ")))"))
                    continue
                }
                type = .object(event.fields)
            }
            if let condition = trigger.condition {
                check(condition: condition, scope: .object(["trigger": type], open: false), step: nil, field: "trigger.condition", &issues)
            }
            return type
        default:
            issues.append(ValidationIssue(step: nil, field: "trigger.type", message: "unknown trigger type \"\(trigger.type)\" (api or event)"))
            return .any
        }
    }

    // MARK: steps

    /// Checks steps in order: each step's fields against its type (`Step.shape`, the one place
    /// that says which fields fit), then what it does. Returns the record types of the steps
    /// visible after them.
    @discardableResult
    private func check(_ steps: [StepDefinition], visible: [String: ValueType], trigger: ValueType, _ issues: inout [ValidationIssue]) -> [String: ValueType] {
        var visible = visible
        for step in steps {
            let scope = ValueType.object(["trigger": trigger, "steps": .object(visible, open: false)], open: false)
            retryIssues(step, &issues)
            var output = ValueType.object([:], open: false)
            switch Step.shape(of: step, strict: true, issues: &issues) {
            case let .action(action)?:
                output = self.action(action, of: step, scope: scope, &issues)
            case .conditional?:
                for (i, branch) in (step.branches ?? []).enumerated() {
                    if let condition = branch.condition {
                        check(condition: condition, scope: scope, step: step.id, field: "branches[\(i)].condition", &issues)
                    }
                    check(branch.steps, visible: visible, trigger: trigger, &issues)
                }
                check(step.otherwise ?? [], visible: visible, trigger: trigger, &issues)
                output = .object(["branch": .text], open: false)
            case .parallel?:
                var after = visible
                for branch in step.branches ?? [] {
                    after.merge(check(branch.steps, visible: visible, trigger: trigger, &issues)) { first, _ in first }
                }
                visible = after
            case nil:
                // An action that names no action: what it outputs is unknown, not absent.
                if step.type == "action" { output = .any }
            }
            visible[step.id] = .object(["output": output, "status": .text, "error": .text, "attempts": .integer], open: false)
        }
        return visible
    }

    private func retryIssues(_ step: StepDefinition, _ issues: inout [ValidationIssue]) {
        guard let retry = step.retry else { return }
        if !(1...20).contains(retry.attempts) {
            issues.append(ValidationIssue(step: step.id, field: "retry.attempts", message: "attempts is 1 to 20, got \(retry.attempts)"))
        }
        if !(0...3600).contains(retry.backoffSeconds) || !(0...86400).contains(retry.maxBackoffSeconds) {
            issues.append(ValidationIssue(step: step.id, field: "retry.backoff_seconds", message: "backoff_seconds is 0 to 3600 and max_backoff_seconds 0 to 86400"))
        }
    }

    private func check(condition: String, scope: ValueType, step: String?, field: String, _ issues: inout [ValidationIssue]) {
        do {
            try ExpressionChecker(scope: scope).checkCondition(try ExpressionParser.parse(condition))
        } catch {
            issues.append(ValidationIssue(step: step, field: field, message: "\(error.description) in \"\(condition)\""))
        }
    }

    /// An action step: the action, its credential and its inputs. Returns the output's type.
    private func action(_ action: Step.Action, of step: StepDefinition, scope: ValueType, _ issues: inout [ValidationIssue]) -> ValueType {
        let key = action.key
        if let integration = action.integration {
            let operation = String(key.dropFirst(integration.count + 1))
            guard let found = Integrations.integration(integration) else {
                issues.append(ValidationIssue(step: step.id, field: "integration", message: "unknown integration \"\(integration)\" (known: \(Integrations.catalogue.map(\.id).joined(separator: ", ")))"))
                return .any
            }
            guard found.operations.contains(where: { $0.id == operation }) else {
                let known = found.operations.map(\.id)
                issues.append(ValidationIssue(step: step.id, field: "operation", message: "\(integration) has no operation \"\(operation)\"" + (known.isEmpty ? "" : " (it has: \(known.joined(separator: ", ")))")))
                return .any
            }
        }
        guard let declaration = ActionCatalog.declaration(key) else {
            let builtIns = ActionCatalog.builtIns.map(\.key).joined(separator: ", ")
            issues.append(ValidationIssue(step: step.id, field: "action", message: "unknown action \"\(key)\" (built-in actions: \(builtIns))"))
            return .any
        }
        if let reason = declaration.unavailable {
            issues.append(ValidationIssue(step: step.id, field: action.integration != nil ? "operation" : "action", message: "\(key) \(reason)"))
            return .object(declaration.outputs)
        }
        credentialIssues(action.credential, of: step, declaration, &issues)
        let inputs = action.inputs
        let declared = Dictionary(declaration.inputs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in inputs.keys.sorted() where declared[name] == nil {
            issues.append(ValidationIssue(step: step.id, field: "inputs.\(name)", message: "\(key) takes no input \(name) (it takes: \(declaration.inputs.map(\.name).joined(separator: ", ")))"))
        }
        for field in declaration.inputs where field.required && inputs[field.name] == nil && field.defaultValue == nil {
            issues.append(ValidationIssue(step: step.id, field: "inputs.\(field.name)", message: "\(key) needs \(field.name)"))
        }
        if !declaration.oneOf.isEmpty, !declaration.oneOf.contains(where: { inputs[$0] != nil }) {
            issues.append(ValidationIssue(step: step.id, field: "inputs", message: "\(key) needs one of \(declaration.oneOf.joined(separator: ", "))"))
        }
        let checker = ExpressionChecker(scope: scope)
        for (name, value) in inputs.sorted(by: { $0.key < $1.key }) {
            guard let field = declared[name] else { continue }
            if let problem = InputCheck.problem(value, for: field.kind, checker: checker) {
                issues.append(ValidationIssue(step: step.id, field: "inputs.\(name)", message: problem))
            }
        }
        // PhotoDNA given a URL fetches the image itself: Vigil has no bytes to keep, and a case step
        // reading image_sha256 would fail on every match.
        if key == "photodna.match_lookup", inputs["keep_image"] == .bool(true), (inputs["value_format"]?.string ?? "URL") != "Inline" {
            issues.append(ValidationIssue(step: step.id, field: "inputs.keep_image",
                                          message: "keep_image needs value_format Inline with PhotoDNA (given a URL, PhotoDNA fetches the image and Vigil never has it)"))
        }
        return .object(declaration.outputs)
    }

    private func credentialIssues(_ credential: String?, of step: StepDefinition, _ declaration: ActionDeclaration, _ issues: inout [ValidationIssue]) {
        let accepted = declaration.credentialIntegrations
        guard !accepted.isEmpty else {
            if credential != nil {
                issues.append(ValidationIssue(step: step.id, field: "credential", message: "\(declaration.key) uses no credential"))
            }
            return
        }
        guard let id = credential, !id.isEmpty else {
            issues.append(ValidationIssue(step: step.id, field: "credential", message: "\(declaration.key) needs a \(accepted.joined(separator: " or ")) credential"))
            return
        }
        guard let integration = credentials[id] else {
            issues.append(ValidationIssue(step: step.id, field: "credential", message: "no credential \(id)"))
            return
        }
        if !accepted.contains(integration) {
            issues.append(ValidationIssue(step: step.id, field: "credential",
                                          message: "credential \(id) is for \(integration), but \(declaration.key) needs a \(accepted.joined(separator: " or ")) credential"))
        }
    }
}
