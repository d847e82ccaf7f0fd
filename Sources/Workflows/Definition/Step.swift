public import JSONValues

/// A step as the engine runs it: an action, a conditional or a parallel step, each with only
/// what it takes. Made from the author's `StepDefinition` by `Step.make`, which names every
/// field that does not fit its type (the validator reports those issues; the engine refuses a
/// version that has any), so nothing downstream guesses from a bag of optionals.
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

    /// The steps of a definition, typed; every field that does not fit its step's type is an
    /// issue, and a definition with any is refused. The engine's way in: a version was checked
    /// when it was published, so this fails only for one stored by a laxer version of Vigil.
    public static func plan(_ definitions: [StepDefinition]) throws(WorkflowInvalid) -> [Step] {
        var issues: [ValidationIssue] = []
        let steps = make(definitions, issues: &issues)
        if !issues.isEmpty { throw WorkflowInvalid(issues: issues) }
        return steps
    }

    /// The typed steps of `definitions`, every misfit added to `issues` with its step and field.
    /// What can still be typed is returned (a step of unknown type, or an action that names no
    /// action, is left out) so the validator can check it too and report every issue at once.
    static func make(_ definitions: [StepDefinition], issues: inout [ValidationIssue]) -> [Step] {
        definitions.compactMap { make($0, issues: &issues) }
    }

    private static func make(_ step: StepDefinition, issues: inout [ValidationIssue]) -> Step? {
        func issue(_ field: String, _ message: String) { issues.append(ValidationIssue(step: step.id, field: field, message: message)) }
        /// A conditional's or parallel step's fields that only an action takes.
        func refuseActionFields(_ kind: String) {
            for (field, present) in [("integration", step.integration != nil), ("operation", step.operation != nil), ("action", step.action != nil),
                                     ("credential", step.credential != nil), ("inputs", step.inputs != nil)] where present {
                issue(field, "a \(kind) step takes no \(field): its branches' steps do the work")
            }
        }
        let kind: Kind?
        switch step.type {
        case "action":
            if step.branches != nil || step.otherwise != nil { issue("branches", "an action step has no branches") }
            kind = action(step, issue: issue).map(Kind.action)
        case "conditional":
            refuseActionFields("conditional")
            let branches = step.branches ?? []
            if branches.isEmpty { issue("branches", "a conditional needs at least one branch") }
            var typed: [ConditionalBranch] = []
            for (i, branch) in branches.enumerated() {
                guard let condition = branch.condition else {
                    issue("branches[\(i)].condition", "each branch of a conditional needs a condition (use else for the rest)")
                    continue
                }
                typed.append(ConditionalBranch(name: branch.name, condition: condition, steps: make(branch.steps, issues: &issues)))
            }
            kind = .conditional(typed, otherwise: step.otherwise.map { make($0, issues: &issues) })
        case "parallel":
            refuseActionFields("parallel")
            let branches = step.branches ?? []
            if branches.isEmpty { issue("branches", "a parallel step needs at least one branch") }
            if step.otherwise != nil { issue("else", "a parallel step has no else: all its branches run") }
            var typed: [ParallelBranch] = []
            for (i, branch) in branches.enumerated() {
                if branch.condition != nil { issue("branches[\(i)].condition", "a parallel step's branches all run: they take no condition") }
                typed.append(ParallelBranch(name: branch.name, steps: make(branch.steps, issues: &issues)))
            }
            kind = .parallel(typed)
        default:
            issue("type", "unknown step type \"\(step.type)\" (one of \(types.joined(separator: ", ")))")
            kind = nil
        }
        guard let kind else { return nil }
        return Step(id: step.id, name: step.name, kind: kind, retry: step.retry ?? Retry(), continuesOnError: step.continueOnError ?? false)
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
