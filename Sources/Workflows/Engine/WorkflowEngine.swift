import Spans
public import Foundation
import Integrations
public import Jobs
import JSONValues
public import Logging
import Tracing

/// Executes runs, one step at a time, committing every step transition before the next step
/// starts, so a run picked up after a crash resumes from its last completed step: a completed
/// step is never performed again, and a step that was in flight is performed again with the same
/// idempotency key (its performer does not repeat its effect).
public final class WorkflowEngine: Sendable {
    let store: any WorkflowStore
    let actions: [String: any WorkflowAction]
    let secrets: any SecretRedactor
    let logger: Logger
    /// Told how every run it takes to its end finished (the server's metrics count them).
    let observe: @Sendable (WorkflowRun, RunStatus) -> Void
    /// Told how each attempt of an action step ended (its action, `succeeded`, `failed` or
    /// `retrying`) and how long it ran.
    let observeStep: @Sendable (String, String, Duration) -> Void

    public enum Advance: Sendable, Equatable {
        case finished(RunStatus)
        /// A step waits for its next try; call again at this time.
        case wait(until: Date)
    }

    /// Where the images runs were given are read back (a run's input keeps their SHA-256 only).
    let images: any RunImages
    /// Where conditions and step inputs are evaluated (off the cooperative pool, each on a budget).
    let evaluation: any ExpressionThreads
    /// Each version's conditions and templates, parsed once in this process.
    private let parsedVersions = ParsedVersions()

    public init(store: any WorkflowStore, actions: [any WorkflowAction], secrets: any SecretRedactor = NoSecrets(), images: any RunImages = NoRunImages(),
                evaluation: any ExpressionThreads = CallerThread(),
                logger: Logger = Logger(label: "vigil.workflows"), observe: @escaping @Sendable (WorkflowRun, RunStatus) -> Void = { _, _ in },
                observeStep: @escaping @Sendable (String, String, Duration) -> Void = { _, _, _ in }) {
        self.observe = observe
        self.observeStep = observeStep
        self.images = images
        self.evaluation = evaluation
        self.store = store
        self.actions = Dictionary(actions.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        self.secrets = secrets
        self.logger = logger
    }

    /// Takes a run as far as it can go now. `lease` fences every write (see `JobLease`).
    public func advance(runID: Int64, lease: JobLease? = nil, worker: String? = nil,
                        isCancelled: @escaping @Sendable () -> Bool = { false }) async throws -> Advance {
        guard let run = try await store.run(id: runID) else { throw ActionFailure("workflow run \(runID) no longer exists") }
        if run.status.isFinished { return .finished(run.status) }
        if run.cancelRequested || isCancelled() { return try await finish(run, .cancelled, error: nil, lease) }
        guard let version = try await store.version(workflowID: run.workflowID, version: run.version) else {
            return try await finish(run, .failed, error: "version \(run.version) of workflow \(run.workflowID) no longer exists", lease)
        }
        try await store.setRunStatus(id: run.id, .running, error: nil, at: Date(), lease: lease)
        let records = Dictionary(try await store.steps(runID: run.id).map { ($0.stepID, $0) }, uniquingKeysWith: { _, last in last })
        let execution = Execution(run: run, version: try await parsedVersions.version(version, on: evaluation), records: records, lease: lease, worker: worker,
                                  isCancelled: isCancelled)
        let trigger: JSONValue
        do {
            trigger = try await RunInput.hydrate(run.input, parameters: version.definition.trigger.imageParameters, images: images)
        } catch {
            return try await finish(run, .failed, error: String(describing: error), lease)
        }
        let steps: [Step]
        do {
            steps = try execution.version.steps()
        } catch {
            // Fail closed: a stored version whose steps no longer fit their types runs nothing.
            return try await finish(run, .failed, error: "version \(run.version) cannot run: \(error)", lease)
        }
        var scope = Scope(trigger: trigger, images: RunInput.imageSHA256s(run.input, parameters: version.definition.trigger.imageParameters))
        switch try await execute(steps, &scope, execution) {
        case .completed: return try await finish(run, .succeeded, error: nil, lease)
        case let .failed(message): return try await finish(run, .failed, error: message, lease)
        case .cancelled: return try await finish(run, .cancelled, error: nil, lease)
        case let .wait(until):
            try await store.setRunStatus(id: run.id, .waiting, error: nil, at: Date(), lease: lease)
            return .wait(until: until)
        }
    }

    private func finish(_ run: WorkflowRun, _ status: RunStatus, error: String?, _ lease: JobLease?) async throws -> Advance {
        if try await store.setRunStatus(id: run.id, status, error: error, at: Date(), lease: lease) { observe(run, status) }
        logger.info("workflow run finished", metadata: ["run": .stringConvertible(run.id), "workflow": .string(run.workflowID),
                                                        "status": .string(status.rawValue)])
        return .finished(status)
    }

    // MARK: steps

    struct Execution: Sendable {
        let run: WorkflowRun
        /// The run's version, its expressions parsed.
        let version: ParsedVersion
        /// What the store held when this pass began: steps that finished in an earlier pass.
        let records: [String: StepRecord]
        let lease: JobLease?
        /// The worker that holds the run's job, as step records name it.
        let worker: String?
        let isCancelled: @Sendable () -> Bool
    }

    /// What a step sees: the trigger and the steps that finished before it.
    struct Scope: Sendable {
        var trigger: JSONValue
        var steps: [String: JSONValue] = [:]
        /// The run images its steps may read: those it was given, and those its match lookups kept.
        var images: Set<String> = []

        /// An action step's record in the scope; the image a match lookup kept becomes readable.
        mutating func finished(_ stepID: String, _ value: JSONValue?, action key: String) {
            steps[stepID] = value
            if Self.keepsImages(key), case let .object(fields)? = value, case let .object(output)? = fields["output"],
               let sha256 = output["image_sha256"]?.string {
                images.insert(sha256)
            }
        }

        /// Whether `key` is an action that keeps run images: one the catalogue declares with an
        /// `image_sha256` output (the match lookups). Another step's output naming a SHA-256 (a
        /// hash step's, a webhook's answer) never makes an image readable.
        static func keepsImages(_ key: String) -> Bool {
            ActionCatalog.declaration(key)?.outputs.contains { $0.name == "image_sha256" } == true
        }

        var data: JSONValue { .object(["trigger": trigger, "steps": .object(steps)]) }
    }

    enum Flow: Sendable {
        case completed
        case failed(String)
        case wait(Date)
        case cancelled
    }

    private func execute(_ steps: [Step], _ scope: inout Scope, _ execution: Execution) async throws -> Flow {
        for step in steps {
            if try await stopRequested(execution) { return .cancelled }
            let flow: Flow = switch step.kind {
            case let .action(action): try await self.action(action, of: step, &scope, execution)
            case let .conditional(branches, otherwise): try await conditional(step, branches, otherwise: otherwise, &scope, execution)
            case let .parallel(branches): try await parallel(step, branches, &scope, execution)
            }
            guard case .completed = flow else { return flow }
        }
        return .completed
    }

    /// A cancel asked through the job queue or on the run (by the API, from any replica).
    private func stopRequested(_ execution: Execution) async throws -> Bool {
        if execution.isCancelled() { return true }
        return try await store.run(id: execution.run.id)?.cancelRequested ?? true
    }

    private func action(_ action: Step.Action, of step: Step, _ scope: inout Scope, _ execution: Execution) async throws -> Flow {
        let existing = execution.records[step.id]
        switch existing?.status {
        case .succeeded?:
            scope.finished(step.id, existing?.scopeValue, action: action.key)
            return .completed
        case .failed?:
            scope.finished(step.id, existing?.scopeValue, action: action.key)
            return step.continuesOnError ? .completed : .failed("step \(step.id) failed: \(existing?.error ?? "unknown error")")
        case .retrying?:
            if let next = existing?.nextAttemptAt, next > Date() { return .wait(next) }
        case .running?, nil:
            break
        }
        let key = action.key
        // A step whose tries keep dying with their process (it crashes it, or outlives every
        // lease) is not tried for ever: two interrupted tries beyond its policy, then it fails.
        if let existing, existing.status == .running, existing.attempts >= step.retry.attempts + 2 {
            var failed = existing
            failed.status = .failed
            failed.error = "interrupted \(existing.attempts) times before it finished"
            failed.finishedAt = Date()
            try await store.saveStep(failed, lease: execution.lease)
            scope.finished(step.id, failed.scopeValue, action: action.key)
            return step.continuesOnError ? .completed : .failed("step \(step.id) failed: \(failed.error ?? "")")
        }
        let declaration = ActionCatalog.declaration(key)
        let attempt = (existing?.attempts ?? 0) + 1
        /// A step that fails before it runs: nothing of it is kept but why.
        func failedBeforeRunning(_ message: String) async throws -> Flow {
            let record = StepRecord(runID: execution.run.id, stepID: step.id, status: .failed, attempts: attempt, input: nil, output: nil,
                                    error: message, startedAt: existing?.startedAt ?? Date(), finishedAt: Date(), nextAttemptAt: nil,
                                    worker: execution.worker)
            try await store.saveStep(record, lease: execution.lease)
            scope.finished(step.id, record.scopeValue, action: action.key)
            return step.continuesOnError ? .completed : .failed("step \(step.id) failed: \(message)")
        }
        let inputs: [String: JSONValue]
        do {
            let data = scope.data
            let version = execution.version
            inputs = try await evaluation.run { try Self.inputs(action, declaration, data, version) }
        } catch {
            // Inputs that cannot be worked out within the budget: the step does not run.
            return try await failedBeforeRunning("its inputs could not be worked out: \(error)")
        }
        let redact: @Sendable (String) -> String
        do {
            redact = try await redactor(for: action)
        } catch {
            // The step's data could not be checked for secrets: it does not run (nor is its input kept).
            return try await failedBeforeRunning(String(describing: error))
        }
        var record = StepRecord(runID: execution.run.id, stepID: step.id, status: .running, attempts: attempt,
                                input: Self.redacted(.object(inputs), declaration, redact), output: nil, error: nil,
                                startedAt: existing?.startedAt ?? Date(), finishedAt: nil, nextAttemptAt: nil, worker: execution.worker)
        try await store.saveStep(record, lease: execution.lease)

        let attemptStarted = ContinuousClock.now
        do {
            guard let performer = actions[key] else { throw ActionFailure("this process cannot run \(key)") }
            var call = ActionCall(inputs: inputs, credential: action.credential, idempotencyKey: "wfrun-\(execution.run.id)-\(step.id)",
                                  runID: execution.run.id, stepID: step.id, workflowID: execution.run.workflowID)
            call.images = StepImages(images: images, readable: scope.images)
            // One span per try of a step; its outbound calls and lookups are its children. Step
            // ids and action keys come from the definition, never from run data.
            let output = try await TracedSpan.run("workflow step \(step.id)") { span in
                span.attributes["vigil.workflow.run_id"] = Int(execution.run.id)
                span.attributes["vigil.workflow.step"] = step.id
                span.attributes["vigil.workflow.action"] = key
                span.attributes["vigil.workflow.attempt"] = attempt
                return try await performer.perform(call)
            }
            record.status = .succeeded
            record.output = Self.redacted(output, nil, redact)
            record.finishedAt = Date()
            try await store.saveStep(record, lease: execution.lease)
            observeStep(key, "succeeded", ContinuousClock.now - attemptStarted)
            scope.finished(step.id, record.scopeValue, action: action.key)
            return .completed
        } catch {
            if error is CancellationError || Task.isCancelled { throw error }
            let message = redact(String(describing: error))
            let retry = step.retry
            if !(error is ActionFailure), attempt < retry.attempts {
                record.status = .retrying
                record.error = message
                record.nextAttemptAt = Date().addingTimeInterval(retry.backoff(after: attempt))
                try await store.saveStep(record, lease: execution.lease)
                observeStep(key, "retrying", ContinuousClock.now - attemptStarted)
                logger.info("workflow step failed; retrying", metadata: ["run": .stringConvertible(execution.run.id), "step": .string(step.id),
                                                                          "attempt": .stringConvertible(attempt), "error": .string(message)])
                return .wait(record.nextAttemptAt ?? Date())
            }
            record.status = .failed
            record.error = message
            record.finishedAt = Date()
            try await store.saveStep(record, lease: execution.lease)
            observeStep(key, "failed", ContinuousClock.now - attemptStarted)
            scope.finished(step.id, record.scopeValue, action: action.key)
            return step.continuesOnError ? .completed : .failed("step \(step.id) failed: \(message)")
        }
    }

    /// Takes the first branch whose condition holds, else the `else` steps. The choice is
    /// committed, so a resumed run takes the same branch whatever changed since.
    private func conditional(_ step: Step, _ branches: [Step.ConditionalBranch], otherwise: [Step]?, _ scope: inout Scope,
                             _ execution: Execution) async throws -> Flow {
        var chosen: String
        if let existing = execution.records[step.id], existing.status == .succeeded,
           case let .object(fields)? = existing.output, let branch = fields["branch"]?.string {
            chosen = branch
            scope.steps[step.id] = existing.scopeValue
        } else {
            chosen = otherwise == nil ? "none" : "else"
            for (i, branch) in branches.enumerated() {
                let expression: Expression
                do {
                    expression = try execution.version.condition(branch.condition)
                } catch {
                    // Fail closed: a condition that cannot be read decides nothing; the run fails, saying why.
                    let message = "the condition of branch \(branch.name ?? String(i)) does not parse: \(error)"
                    logger.error("a stored workflow condition does not parse", metadata: ["run": .stringConvertible(execution.run.id),
                                                                                          "step": .string(step.id), "error": .string(message)])
                    let now = Date()
                    let record = StepRecord(runID: execution.run.id, stepID: step.id, status: .failed, attempts: 1, input: nil, output: nil,
                                            error: message, startedAt: now, finishedAt: now, nextAttemptAt: nil)
                    try await store.saveStep(record, lease: execution.lease)
                    return .failed("step \(step.id) failed: \(message)")
                }
                let data = scope.data
                let holds: Bool
                do {
                    holds = try await evaluation.run { ExpressionEvaluator.truth(try ExpressionEvaluator.evaluate(expression, in: data)) }
                } catch {
                    // Fail closed: a condition that cannot be decided within its budget decides nothing.
                    let message = "the condition of branch \(branch.name ?? String(i)) could not be decided: \(error)"
                    let now = Date()
                    let record = StepRecord(runID: execution.run.id, stepID: step.id, status: .failed, attempts: 1, input: nil, output: nil,
                                            error: message, startedAt: now, finishedAt: now, nextAttemptAt: nil)
                    try await store.saveStep(record, lease: execution.lease)
                    return .failed("step \(step.id) failed: \(message)")
                }
                if holds {
                    chosen = String(i)
                    break
                }
            }
            let now = Date()
            let record = StepRecord(runID: execution.run.id, stepID: step.id, status: .succeeded, attempts: 1, input: nil,
                                    output: .object(["branch": .string(chosen)]), error: nil, startedAt: now, finishedAt: now, nextAttemptAt: nil)
            try await store.saveStep(record, lease: execution.lease)
            scope.steps[step.id] = record.scopeValue
        }
        let steps: [Step] = if chosen == "else" { otherwise ?? [] } else if let i = Int(chosen), branches.indices.contains(i) {
            branches[i].steps
        } else { [] }
        return try await execute(steps, &scope, execution)
    }

    /// Runs every branch at once; each branch's steps run in order and commit as they go.
    private func parallel(_ step: Step, _ branches: [Step.ParallelBranch], _ scope: inout Scope, _ execution: Execution) async throws -> Flow {
        // Branches whose steps all finished in an earlier pass only put their records in the scope.
        let existing = execution.records[step.id]
        let decided = existing?.status == .succeeded || existing?.status == .failed
        var record = StepRecord(runID: execution.run.id, stepID: step.id, status: .running, attempts: 1, input: nil, output: nil, error: nil,
                                startedAt: existing?.startedAt ?? Date(), finishedAt: nil, nextAttemptAt: nil)
        if existing == nil { try await store.saveStep(record, lease: execution.lease) }
        let start = scope
        let results = try await withThrowingTaskGroup(of: (Flow, Scope).self) { group in
            for branch in branches {
                group.addTask {
                    var branchScope = start
                    let flow = try await self.execute(branch.steps, &branchScope, execution)
                    return (flow, branchScope)
                }
            }
            var all: [(Flow, Scope)] = []
            for try await result in group { all.append(result) }
            return all
        }
        for (_, branchScope) in results {
            scope.steps.merge(branchScope.steps) { first, _ in first }
            scope.images.formUnion(branchScope.images)
        }
        var failures: [String] = []
        var waits: [Date] = []
        var cancelled = false
        for (flow, _) in results {
            switch flow {
            case .completed: break
            case let .failed(message): failures.append(message)
            case let .wait(until): waits.append(until)
            case .cancelled: cancelled = true
            }
        }
        if cancelled { return .cancelled }
        if let until = waits.min(), failures.isEmpty { return .wait(until) }
        if decided, let existing {
            scope.steps[step.id] = existing.scopeValue
            return existing.status == .failed && !step.continuesOnError ? .failed("step \(step.id) failed: \(existing.error ?? "")") : .completed
        }
        record.finishedAt = Date()
        if !failures.isEmpty {
            record.status = .failed
            record.error = failures.joined(separator: "; ")
            try await store.saveStep(record, lease: execution.lease)
            scope.steps[step.id] = record.scopeValue
            return step.continuesOnError ? .completed : .failed("step \(step.id) failed: \(record.error ?? "")")
        }
        record.status = .succeeded
        record.output = .object([:])
        try await store.saveStep(record, lease: execution.lease)
        scope.steps[step.id] = record.scopeValue
        return .completed
    }

    // MARK: inputs

    /// The step's inputs rendered over the run's data, declared defaults filled in.
    static func inputs(_ action: Step.Action, _ declaration: ActionDeclaration?, _ data: JSONValue, _ version: ParsedVersion) throws -> [String: JSONValue] {
        var budget = EvaluationBudget()
        var inputs: [String: JSONValue] = [:]
        for (name, value) in action.inputs { inputs[name] = try version.render(value, with: data, budget: &budget) }
        for field in declaration?.inputs ?? [] where inputs[field.name] == nil {
            guard let text = field.defaultValue else { continue }
            inputs[field.name] = switch field.kind {
            case .boolean: .bool(text == "true")
            case .integer, .number: Double(text).map(JSONValue.number) ?? .string(text)
            default: .string(text)
            }
        }
        return inputs
    }

    /// What hides the secrets of the step's credential in what is kept or shown of it (none: nothing to hide).
    func redactor(for action: Step.Action) async throws -> @Sendable (String) -> String {
        guard let credential = action.credential else { return { $0 } }
        return try await secrets.redactor(forCredential: credential)
    }

    /// What the history keeps: secrets replaced, image bytes not kept.
    static func redacted(_ value: JSONValue, _ declaration: ActionDeclaration?, _ redact: @Sendable (String) -> String) -> JSONValue {
        let bytesFields = Set((declaration?.inputs ?? []).filter { $0.kind == .bytes }.map(\.name))
        func walk(_ value: JSONValue, top: Bool) -> JSONValue {
            switch value {
            case let .string(text): return .string(redact(text))
            case let .array(items): return .array(items.map { walk($0, top: false) })
            case let .object(fields):
                var copy: [String: JSONValue] = [:]
                for (name, item) in fields {
                    if top, bytesFields.contains(name), case let .string(text) = item {
                        copy[name] = .string("(not kept: \(text.count) characters)")
                    } else {
                        copy[name] = walk(item, top: false)
                    }
                }
                return .object(copy)
            default: return value
            }
        }
        return walk(value, top: true)
    }
}
