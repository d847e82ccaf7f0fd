public import JSONValues

/// A step as the engine runs it: an action, a conditional or a parallel step, each with only
/// what it takes. Made from the author's `StepDefinition` by `Step.plan`; `Step.shape` is the
/// one place that says which fields fit which type (the validator reports its issues when a
/// version is saved; the engine refuses a stored version that has any), so nothing downstream
/// guesses from a bag of optionals.
public struct Step: Sendable, Equatable {
    public let id: String
    public let name: String?
    public let kind: Kind
    public let retry: Retry
    /// When the step fails after its last attempt, record the failure and go on with the next step.
    public let continuesOnError: Bool

    public enum Kind: Sendable, Equatable {
        case action(Action)
        /// The first branch whose condition holds runs, else `otherwise` (`nil`: no `else`, the
        /// choice is recorded as "none").
        case conditional([ConditionalBranch], otherwise: [Step]?)
        /// Every branch runs at once; a branch's steps run in order.
        case parallel([ParallelBranch])
    }

    /// What an action step calls, and with what.
    public struct Action: Sendable, Equatable {
        /// `integration.operation` or a built-in action's key (`case.create`).
        public let key: String
        /// Set when the step names an integration's operation.
        public let integration: String?
        public let credential: String?
        /// Each a literal or a template (`"{{ trigger.image_url }}"`), nested objects and lists included.
        public let inputs: [String: JSONValue]
    }

    public struct ConditionalBranch: Sendable, Equatable {
        public let name: String?
        public let condition: String
        public let steps: [Step]
    }

    public struct ParallelBranch: Sendable, Equatable {
        public let name: String?
        public let steps: [Step]
    }

    public static let types = ["action", "conditional", "parallel"]

    /// The steps of a stored version, typed: the engine's way in. A version was checked when it
    /// was published, so this fails (naming every misfit) only for one stored by a laxer Vigil:
    /// a step of no known type, an action that names no action, a branch without its condition.
    /// Fields an earlier Vigil accepted and ignored (an action's fields on a conditional) are
    /// ignored here too, so an upgrade never stops a live workflow for them.
    public static func plan(_ definitions: [StepDefinition]) throws(WorkflowInvalid) -> [Step] {
        var issues: [ValidationIssue] = []
        let steps = make(definitions, strict: false, issues: &issues)
        if !issues.isEmpty { throw WorkflowInvalid(issues: issues) }
        return steps
    }

    private static func make(_ definitions: [StepDefinition], strict: Bool, issues: inout [ValidationIssue]) -> [Step] {
        definitions.compactMap { definition in
            let kind: Kind
            switch shape(of: definition, strict: strict, issues: &issues) {
            case nil: return nil
            case let .action(action)?: kind = .action(action)
            case .conditional?:
                let branches = (definition.branches ?? []).compactMap { branch in
                    branch.condition.map { ConditionalBranch(name: branch.name, condition: $0, steps: make(branch.steps, strict: strict, issues: &issues)) }
                }
                kind = .conditional(branches, otherwise: definition.otherwise.map { make($0, strict: strict, issues: &issues) })
            case .parallel?:
                kind = .parallel((definition.branches ?? []).map { ParallelBranch(name: $0.name, steps: make($0.steps, strict: strict, issues: &issues)) })
            }
            return Step(id: definition.id, name: definition.name, kind: kind, retry: definition.retry ?? Retry(),
                        continuesOnError: definition.continueOnError ?? false)
        }
    }

    /// What a step is, from its own fields (not its branches' steps).
    public enum Shape: Sendable, Equatable {
        case action(Action)
        case conditional
        case parallel
    }

    /// A step's own fields against its type, each misfit added to `issues` with its step and
    /// field; `nil` when its type is unknown or an action names no action. `strict` (saving and
    /// publishing) also refuses an action's fields on a conditional or parallel step.
    public static func shape(of step: StepDefinition, strict: Bool, issues: inout [ValidationIssue]) -> Shape? {
        func issue(_ field: String, _ message: String) { issues.append(ValidationIssue(step: step.id, field: field, message: message)) }
        /// A conditional's or parallel step's fields that only an action takes.
        func refuseActionFields(_ kind: String) {
            guard strict else { return }
            for (field, present) in [("integration", step.integration != nil), ("operation", step.operation != nil), ("action", step.action != nil),
                                     ("credential", step.credential != nil), ("inputs", step.inputs != nil)] where present {
                issue(field, "a \(kind) step takes no \(field): its branches' steps do the work")
            }
        }
        switch step.type {
        case "action":
            if step.branches != nil || step.otherwise != nil { issue("branches", "an action step has no branches") }
            return action(step, issue: issue).map(Shape.action)
        case "conditional":
            refuseActionFields("conditional")
            let branches = step.branches ?? []
            if branches.isEmpty { issue("branches", "a conditional needs at least one branch") }
            for (i, branch) in branches.enumerated() where branch.condition == nil {
                issue("branches[\(i)].condition", "each branch of a conditional needs a condition (use else for the rest)")
            }
            return .conditional
        case "parallel":
            refuseActionFields("parallel")
            let branches = step.branches ?? []
            if branches.isEmpty { issue("branches", "a parallel step needs at least one branch") }
            if step.otherwise != nil { issue("else", "a parallel step has no else: all its branches run") }
            for (i, branch) in branches.enumerated() where branch.condition != nil {
                issue("branches[\(i)].condition", "a parallel step's branches all run: they take no condition")
            }
            return .parallel
        default:
            issue("type", "unknown step type \"\(step.type)\" (one of \(types.joined(separator: ", ")))")
            return nil
        }
    }

    /// An action step names an integration's operation, or a built-in action.
    private static func action(_ step: StepDefinition, issue: (String, String) -> Void) -> Action? {
        let key: String
        switch (step.integration, step.operation, step.action) {
        case let (integration?, operation?, nil): key = "\(integration).\(operation)"
        case let (nil, nil, action?): key = action
        case (_, nil, nil) where step.integration != nil:
            issue("operation", "an integration step names its operation")
            return nil
        default:
            issue("action", "an action step names either integration and operation, or a built-in action")
            return nil
        }
        return Action(key: key, integration: step.integration, credential: step.credential, inputs: step.inputs ?? [:])
    }

    /// This step and every step inside it, depth first.
    public var allSteps: [Step] {
        switch kind {
        case .action: [self]
        case let .conditional(branches, otherwise): [self] + branches.flatMap { $0.steps.flatMap(\.allSteps) } + (otherwise ?? []).flatMap(\.allSteps)
        case let .parallel(branches): [self] + branches.flatMap { $0.steps.flatMap(\.allSteps) }
        }
    }
}
