public import Foundation
public import JSONValues
import Integrations

/// One step of a trial of a draft: what it did (a lookup or a hash, for real), or what it would
/// have done (anything with an effect: a case, an account, a report, a bank entry, a message).
public struct TrialStep: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Performed: its output.
        case ran(JSONValue)
        /// Not performed, as it has an effect: its inputs say what it would have done.
        case wouldRun
        case failed(String)
        /// A conditional: the branch it took, by its name (or "branch 2"), "else" or "none"; a
        /// parallel step: "all".
        case took(String)
        /// A conditional that could not be decided (it read what a step that did not run would give).
        case undecided(String)
    }

    public let stepID: String
    public let name: String?
    /// The action's key (`photodna.match_lookup`), nil for a conditional or parallel step.
    public let action: String?
    /// How deep in branches the step sits (0: the top).
    public let depth: Int
    /// Its inputs as rendered, secrets replaced.
    public let inputs: JSONValue?
    public let outcome: Outcome
}

extension WorkflowEngine {
    /// Runs a draft once against `input`, writing nothing: no run, no step record, no event.
    /// Steps that only read (a match lookup, a hash) are performed for real, so a condition
    /// sees what the live workflow would; every step with an effect is shown with the inputs it
    /// would have had and is not performed. A later step reads such a step's outputs as absent
    /// (null): a condition that depends on one says it could not be decided, and takes no branch.
    public func tryOut(_ definition: WorkflowDefinition, input: [String: JSONValue]) async throws -> [TrialStep] {
        guard definition.trigger.type == "api" else {
            throw WorkflowError.invalidInput("a trial gives the trigger's parameters: only an API workflow can be tried here")
        }
        let checked = try RunInput.check(input, against: definition.trigger.parameters ?? [])
        let version = ParsedVersion(definition)
        let steps = try version.steps()
        var results: [TrialStep] = []
        var scope = Scope(trigger: .object(checked.input))
        try await trial(steps, depth: 0, &scope, version, &results)
        return results
    }

    private func trial(_ steps: [Step], depth: Int, _ scope: inout Scope, _ version: ParsedVersion, _ results: inout [TrialStep]) async throws {
        for step in steps {
            switch step.kind {
            case let .action(action):
                results.append(try await trialAction(action, step, depth: depth, &scope, version))
            case let .conditional(branches, otherwise):
                var chosen = otherwise == nil ? "none" : "else"
                var undecided: String?
                for (index, branch) in branches.enumerated() {
                    let data = scope.data
                    do {
                        let expression = try version.condition(branch.condition)
                        let holds = try await evaluation.run { ExpressionEvaluator.truth(try ExpressionEvaluator.evaluate(expression, in: data)) }
                        if holds {
                            chosen = String(index)
                            break
                        }
                    } catch {
                        undecided = "the condition of branch \(branch.name ?? String(index + 1)) could not be decided: \(error)"
                        break
                    }
                }
                if let undecided {
                    results.append(TrialStep(stepID: step.id, name: step.name, action: nil, depth: depth, inputs: nil, outcome: .undecided(undecided)))
                    continue
                }
                let label = Int(chosen).map { branches[$0].name ?? "branch \($0 + 1)" } ?? chosen
                results.append(TrialStep(stepID: step.id, name: step.name, action: nil, depth: depth, inputs: nil, outcome: .took(label)))
                scope.steps[step.id] = .object(["output": .object(["branch": .string(chosen)]), "status": "succeeded"])
                let next: [Step] = if chosen == "else" { otherwise ?? [] } else if let i = Int(chosen), branches.indices.contains(i) { branches[i].steps } else { [] }
                try await trial(next, depth: depth + 1, &scope, version, &results)
            case let .parallel(branches):
                results.append(TrialStep(stepID: step.id, name: step.name, action: nil, depth: depth, inputs: nil, outcome: .took("all")))
                for branch in branches { try await trial(branch.steps, depth: depth + 1, &scope, version, &results) }
            }
        }
    }

    private func trialAction(_ action: Step.Action, _ step: Step, depth: Int, _ scope: inout Scope, _ version: ParsedVersion) async throws -> TrialStep {
        let declaration = ActionCatalog.declaration(action.key)
        func result(_ inputs: JSONValue?, _ outcome: TrialStep.Outcome) -> TrialStep {
            TrialStep(stepID: step.id, name: step.name, action: action.key, depth: depth, inputs: inputs, outcome: outcome)
        }
        let redact: @Sendable (String) -> String
        do {
            redact = if let credential = action.credential { try await secrets.redactor(forCredential: credential) } else { { $0 } }
        } catch {
            return result(nil, .failed(String(describing: error)))
        }
        let inputs: [String: JSONValue]
        do {
            let data = scope.data
            inputs = try await evaluation.run { try Self.inputs(action, declaration, data, version) }
        } catch {
            scope.steps[step.id] = .object(["output": .null, "status": "failed"])
            return result(nil, .failed("its inputs could not be worked out: \(redact(String(describing: error)))"))
        }
        let shown = Self.redacted(.object(inputs), declaration, redact)
        // Fail closed: an action the catalogue does not know is taken to have an effect.
        guard let declaration, !declaration.hasSideEffects else {
            scope.steps[step.id] = .object(["output": .null, "status": "not run"])
            return result(shown, .wouldRun)
        }
        do {
            guard let performer = actions[action.key] else { throw ActionFailure("this process cannot run \(action.key)") }
            let output = try await performer.perform(ActionCall(inputs: inputs, credential: action.credential, idempotencyKey: "trial-\(UUID().uuidString)",
                                                                runID: 0, stepID: step.id, workflowID: "trial"))
            let kept = Self.redacted(output, nil, redact)
            scope.steps[step.id] = .object(["output": output, "status": "succeeded"])
            return result(shown, .ran(kept))
        } catch {
            if error is CancellationError || Task.isCancelled { throw error }
            scope.steps[step.id] = .object(["output": .null, "status": "failed", "error": .string(redact(String(describing: error)))])
            return result(shown, .failed(redact(String(describing: error))))
        }
    }
}
