import Foundation
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
    /// The most a trial performs: a draft is tried, not run at scale.
    static let trialLimits = (performed: 20, seconds: 60.0)

    /// Runs a draft once against `input`, writing no run, no step record and no case, account,
    /// report, bank entry or message. Steps that only read (a match lookup, a hash) are performed
    /// for real, so a condition sees what the live workflow would; their lookups are recorded
    /// as every lookup is, marked `trial` (no workflow starts from them). Every step with an
    /// effect is shown with the inputs it would have had and is not performed. A condition that
    /// reads such a step is undecided, and the trial stops there, as it stops at a step that
    /// failed (unless the step goes on after an error, as a run would); a retry is not tried.
    /// At most 20 steps are performed, within 60 s.
    public func tryOut(_ definition: WorkflowDefinition, input: [String: JSONValue]) async throws -> [TrialStep] {
        guard definition.trigger.type == "api" else {
            throw WorkflowError.invalidInput("a trial gives the trigger's parameters: only an API workflow can be tried here")
        }
        let checked = try RunInput.check(input, against: definition.trigger.parameters ?? [])
        let version = ParsedVersion(definition)
        // An image given is shown as what it is, never as its bytes, wherever a step's inputs or
        // output carry it.
        let images = checked.images.map { name, bytes in (base64: Data(bytes).base64EncodedString(), words: "(the image given as \(name): \(bytes.count) bytes)") }
        var trial = Trial(version: version, started: Date(), hideImages: { text in
            images.reduce(text) { text, image in text.contains(image.base64) ? text.replacingOccurrences(of: image.base64, with: image.words) : text }
        })
        var scope = Scope(trigger: .object(checked.input))
        _ = try await self.trial(try version.steps(), depth: 0, &scope, &trial)
        return trial.results
    }

    struct Trial {
        let version: ParsedVersion
        let started: Date
        let hideImages: @Sendable (String) -> String
        var results: [TrialStep] = []
        /// Steps not performed (they have an effect, or failed): what they would give is unknown.
        var notRun: Set<String> = []
        var performed = 0
    }

    /// False when the trial stops (a step failed, a condition could not be decided, a limit).
    private func trial(_ steps: [Step], depth: Int, _ scope: inout Scope, _ trial: inout Trial) async throws -> Bool {
        for step in steps {
            switch step.kind {
            case let .action(action):
                if trial.performed >= Self.trialLimits.performed || Date().timeIntervalSince(trial.started) > Self.trialLimits.seconds {
                    trial.results.append(TrialStep(stepID: step.id, name: step.name, action: action.key, depth: depth, inputs: nil,
                                                   outcome: .failed("not tried: a test run performs at most \(Self.trialLimits.performed) steps within \(Int(Self.trialLimits.seconds)) s")))
                    return false
                }
                let result = try await trialAction(action, step, depth: depth, &scope, &trial)
                trial.results.append(result)
                if case .failed = result.outcome, !step.continuesOnError { return false }
            case let .conditional(branches, otherwise):
                var chosen = otherwise == nil ? "none" : "else"
                for (index, branch) in branches.enumerated() {
                    // A condition on a step that was not performed cannot be known: saying which
                    // branch a run would take would be a guess (null reads as false).
                    if let unknown = trial.notRun.sorted().first(where: { Self.reads(branch.condition, step: $0) }) {
                        trial.results.append(TrialStep(stepID: step.id, name: step.name, action: nil, depth: depth, inputs: nil, outcome: .undecided(
                            "the condition of branch \(branch.name ?? String(index + 1)) reads step \(unknown), which a test run does not perform")))
                        return false
                    }
                    let data = scope.data
                    do {
                        let expression = try trial.version.condition(branch.condition)
                        if try await evaluation.run({ ExpressionEvaluator.truth(try ExpressionEvaluator.evaluate(expression, in: data)) }) {
                            chosen = String(index)
                            break
                        }
                    } catch {
                        trial.results.append(TrialStep(stepID: step.id, name: step.name, action: nil, depth: depth, inputs: nil, outcome: .undecided(
                            "the condition of branch \(branch.name ?? String(index + 1)) could not be decided: \(error)")))
                        return false
                    }
                }
                let label = Int(chosen).map { branches[$0].name ?? "branch \($0 + 1)" } ?? chosen
                trial.results.append(TrialStep(stepID: step.id, name: step.name, action: nil, depth: depth, inputs: nil, outcome: .took(label)))
                scope.steps[step.id] = .object(["output": .object(["branch": .string(chosen)]), "status": "succeeded"])
                let next: [Step] = if chosen == "else" { otherwise ?? [] } else if let i = Int(chosen), branches.indices.contains(i) { branches[i].steps } else { [] }
                guard try await self.trial(next, depth: depth + 1, &scope, &trial) else { return false }
            case let .parallel(branches):
                trial.results.append(TrialStep(stepID: step.id, name: step.name, action: nil, depth: depth, inputs: nil, outcome: .took("all")))
                // A run starts every branch from the same scope; so does a trial, one after another.
                let start = scope
                var merged = scope
                for branch in branches {
                    var own = start
                    guard try await self.trial(branch.steps, depth: depth + 1, &own, &trial) else { return false }
                    merged.steps.merge(own.steps) { _, new in new }
                }
                scope = merged
            }
        }
        return true
    }

    /// Whether `condition` reads step `id` (`steps.id` followed by anything but a name's letter).
    static func reads(_ condition: String, step id: String) -> Bool {
        var rest = Substring(condition)
        while let range = rest.range(of: "steps.\(id)") {
            let after = rest[range.upperBound...].first
            let before = range.lowerBound == condition.startIndex ? nil : condition[condition.index(before: range.lowerBound)]
            let startsAName = before.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ?? false
            if !startsAName, after.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }

    private func trialAction(_ action: Step.Action, _ step: Step, depth: Int, _ scope: inout Scope, _ trial: inout Trial) async throws -> TrialStep {
        let declaration = ActionCatalog.declaration(action.key)
        func result(_ inputs: JSONValue?, _ outcome: TrialStep.Outcome) -> TrialStep {
            if case .ran = outcome {} else { trial.notRun.insert(step.id) }
            return TrialStep(stepID: step.id, name: step.name, action: action.key, depth: depth, inputs: inputs, outcome: outcome)
        }
        let redact: @Sendable (String) -> String
        do {
            let secrets = try await redactor(for: action)
            let hideImages = trial.hideImages
            redact = { hideImages(secrets($0)) }
        } catch {
            return result(nil, .failed(String(describing: error)))
        }
        let inputs: [String: JSONValue]
        do {
            let data = scope.data
            let version = trial.version
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
        trial.performed += 1
        do {
            guard let performer = actions[action.key] else { throw ActionFailure("this process cannot run \(action.key)") }
            var call = ActionCall(inputs: inputs, credential: action.credential, idempotencyKey: "trial-\(UUID().uuidString)",
                                  runID: 0, stepID: step.id, workflowID: "trial")
            call.isTrial = true
            let output = try await performer.perform(call)
            scope.steps[step.id] = .object(["output": output, "status": "succeeded"])
            return result(shown, .ran(Self.redacted(output, nil, redact)))
        } catch {
            if error is CancellationError || Task.isCancelled { throw error }
            scope.steps[step.id] = .object(["output": .null, "status": "failed", "error": .string(redact(String(describing: error)))])
            let retried = step.retry.attempts > 1 ? " (a run would try it \(step.retry.attempts) times)" : ""
            return result(shown, .failed(redact(String(describing: error)) + retried))
        }
    }
}
