public import Foundation
public import Jobs

/// The workflows' storage port: definitions, versions, runs and their steps.
public protocol WorkflowStore: Sendable {
    /// Throws `WorkflowError.duplicateName` when the name is taken.
    func insert(_ workflow: Workflow) async throws
    func workflow(id: String) async throws -> Workflow?
    func workflow(named name: String) async throws -> Workflow?
    func workflows() async throws -> [Workflow]
    /// Replaces the draft (and the name); nil when there is no such workflow.
    func updateDraft(id: String, name: String, draft: WorkflowDefinition, at time: Date) async throws -> Workflow?
    /// Deletes a workflow with its versions and finished runs; refused (false) while it has runs
    /// that have not finished.
    func delete(id: String) async throws -> Bool

    /// Freezes `definition` as the next version and makes it live, in one transaction.
    func publish(workflowID: String, definition: WorkflowDefinition, by actor: String, at time: Date) async throws -> WorkflowVersion
    /// Makes an earlier version live again (a rollback); false when there is no such version.
    func setLive(workflowID: String, version: Int, at time: Date) async throws -> Bool
    func versions(workflowID: String) async throws -> [WorkflowVersion]
    func version(workflowID: String, version: Int) async throws -> WorkflowVersion?
    /// The live versions of workflows with an event trigger.
    func liveEventVersions() async throws -> [WorkflowVersion]

    /// Creates a run and the job that executes it, in one transaction. A run with the same
    /// workflow and idempotency key is returned instead (created: false), and no job is added.
    /// A run with a `failure` is created failed, without a job, with its `workflow.run.failed` event.
    func createRun(_ run: NewRun, jobKind: String, at time: Date) async throws -> (run: WorkflowRun, created: Bool)
    func run(id: Int64) async throws -> WorkflowRun?
    /// Newest first.
    func runs(_ filter: RunFilter) async throws -> [WorkflowRun]
    /// Moves a run that has not finished to `status` (the first move to running sets its start;
    /// a finished status sets its end). False when it had already finished. With a `lease`, the
    /// write is refused (`JobError.leaseLost`) unless that worker still holds the run's job. A
    /// move to `failed` writes the run's `workflow.run.failed` event in the same transaction.
    @discardableResult
    func setRunStatus(id: Int64, _ status: RunStatus, error: String?, at time: Date, lease: JobLease?) async throws -> Bool
    /// Flags a run to stop at its next step; a run that has not started, or waits for a step's
    /// next try, is cancelled at once.
    func requestCancel(runID: Int64, at time: Date) async throws -> WorkflowRun?

    func steps(runID: Int64) async throws -> [StepRecord]
    /// Inserts or replaces the step's record; with a `lease`, only while that worker holds the job.
    func saveStep(_ record: StepRecord, lease: JobLease?) async throws
}

extension WorkflowStore {
    /// Unfenced writes, for callers that hold no job (the API's cancel, tests).
    @discardableResult
    public func setRunStatus(id: Int64, _ status: RunStatus, error: String?, at time: Date) async throws -> Bool {
        try await setRunStatus(id: id, status, error: error, at: time, lease: nil)
    }

    public func saveStep(_ record: StepRecord) async throws { try await saveStep(record, lease: nil) }
}
