import Foundation
import Jobs
import JSONValues
import Synchronization
import Workflows

/// `WorkflowStore` in memory, for the engine's unit tests (the SQL store has its own tests).
final class InMemoryWorkflowStore: WorkflowStore {
    struct State {
        var workflows: [String: Workflow] = [:]
        var versions: [String: [WorkflowVersion]] = [:]
        var runs: [Int64: WorkflowRun] = [:]
        var steps: [Int64: [String: StepRecord]] = [:]
        var nextRun: Int64 = 1
        var jobs: [(kind: String, run: Int64)] = []
    }
    let state = Mutex(State())

    func insert(_ workflow: Workflow) async throws {
        try state.withLock { state in
            if state.workflows.values.contains(where: { $0.name == workflow.name }) { throw WorkflowError.duplicateName(workflow.name) }
            state.workflows[workflow.id] = workflow
        }
    }
    func workflow(id: String) async throws -> Workflow? { state.withLock { $0.workflows[id] } }
    func workflow(named name: String) async throws -> Workflow? { state.withLock { $0.workflows.values.first { $0.name == name } } }
    func workflows() async throws -> [Workflow] { state.withLock { Array($0.workflows.values) } }
    func updateDraft(id: String, name: String, draft: WorkflowDefinition, at time: Date) async throws -> Workflow? {
        state.withLock { state in
            state.workflows[id]?.draft = draft
            state.workflows[id]?.name = name
            return state.workflows[id]
        }
    }
    func delete(id: String) async throws -> Bool { state.withLock { $0.workflows.removeValue(forKey: id) != nil } }
    func publish(workflowID: String, definition: WorkflowDefinition, by actor: String, at time: Date) async throws -> WorkflowVersion {
        state.withLock { state in
            let number = (state.workflows[workflowID]?.latestVersion ?? 0) + 1
            let version = WorkflowVersion(workflowID: workflowID, version: number, definition: definition, publishedAt: time, publishedBy: actor)
            state.versions[workflowID, default: []].append(version)
            state.workflows[workflowID]?.latestVersion = number
            state.workflows[workflowID]?.liveVersion = number
            return version
        }
    }
    func setLive(workflowID: String, version: Int, at time: Date) async throws -> Bool {
        state.withLock { state in
            guard state.versions[workflowID]?.contains(where: { $0.version == version }) == true else { return false }
            state.workflows[workflowID]?.liveVersion = version
            return true
        }
    }
    func versions(workflowID: String) async throws -> [WorkflowVersion] { state.withLock { $0.versions[workflowID] ?? [] } }
    func version(workflowID: String, version: Int) async throws -> WorkflowVersion? {
        state.withLock { $0.versions[workflowID]?.first { $0.version == version } }
    }
    func liveEventVersions() async throws -> [WorkflowVersion] {
        state.withLock { state in
            state.workflows.values.compactMap { workflow in
                state.versions[workflow.id]?.first { $0.version == workflow.liveVersion && $0.definition.trigger.type == "event" }
            }
        }
    }
    func createRun(_ new: NewRun, jobKind: String, at time: Date) async throws -> (run: WorkflowRun, created: Bool) {
        state.withLock { state in
            if let key = new.idempotencyKey,
               let existing = state.runs.values.first(where: { $0.workflowID == new.workflowID && $0.idempotencyKey == key }) {
                return (existing, false)
            }
            let run = WorkflowRun(id: state.nextRun, workflowID: new.workflowID, version: new.version, status: new.failure == nil ? .queued : .failed,
                                  trigger: new.trigger, input: new.input, idempotencyKey: new.idempotencyKey, rerunOf: new.rerunOf,
                                  error: new.failure, cancelRequested: false, createdAt: time, startedAt: nil,
                                  finishedAt: new.failure == nil ? nil : time, updatedAt: time)
            state.runs[run.id] = run
            if new.failure == nil { state.jobs.append((jobKind, run.id)) }
            state.nextRun += 1
            return (run, true)
        }
    }
    func run(id: Int64) async throws -> WorkflowRun? { state.withLock { $0.runs[id] } }
    func runs(_ filter: RunFilter) async throws -> [WorkflowRun] {
        state.withLock { state in
            state.runs.values.filter { filter.workflowID == nil || $0.workflowID == filter.workflowID }
                .filter { filter.statuses == nil || filter.statuses?.contains($0.status) == true }
                .sorted { $0.id > $1.id }
        }
    }
    func setRunStatus(id: Int64, _ status: RunStatus, error: String?, at time: Date, lease: JobLease?) async throws -> Bool {
        state.withLock { state in
            guard let run = state.runs[id], !run.status.isFinished else { return false }
            state.runs[id]?.status = status
            state.runs[id]?.error = error
            if status == .running, run.startedAt == nil { state.runs[id]?.startedAt = time }
            if status.isFinished { state.runs[id]?.finishedAt = time }
            return true
        }
    }
    func requestCancel(runID: Int64, at time: Date) async throws -> WorkflowRun? {
        state.withLock { state in
            state.runs[runID]?.cancelRequested = true
            if state.runs[runID]?.status == .queued || state.runs[runID]?.status == .waiting { state.runs[runID]?.status = .cancelled }
            return state.runs[runID]
        }
    }
    func steps(runID: Int64) async throws -> [StepRecord] {
        state.withLock { Array(($0.steps[runID] ?? [:]).values).sorted { $0.startedAt < $1.startedAt } }
    }
    func saveStep(_ record: StepRecord, lease: JobLease?) async throws {
        state.withLock { $0.steps[record.runID, default: [:]][record.stepID] = record }
    }

    func step(_ run: Int64, _ id: String) -> StepRecord? { state.withLock { $0.steps[run]?[id] } }
}

/// An action that answers from a script and counts its calls by idempotency key.
final class ScriptedAction: WorkflowAction {
    let key: String
    let answer: @Sendable (ActionCall, Int) throws -> JSONValue
    private let calls = Mutex<[ActionCall]>([])

    init(_ key: String, answer: @escaping @Sendable (ActionCall, Int) throws -> JSONValue) {
        self.key = key
        self.answer = answer
    }

    func perform(_ call: ActionCall) async throws -> JSONValue {
        let number = calls.withLock { calls in
            calls.append(call)
            return calls.count
        }
        return try answer(call, number)
    }

    var received: [ActionCall] { calls.withLock { $0 } }
}

struct Flaky: Error, CustomStringConvertible {
    var description: String { "the provider is down" }
}
