import Foundation
public import Jobs

/// The job of one run: `{"run": id}`. It takes the run as far as it goes; a step waiting for
/// its next try postpones the job until then. Safe to repeat: the engine resumes from the
/// committed steps and side effects carry their idempotency keys.
public struct WorkflowRunJob: JobHandler {
    public let kind = WorkflowService.jobKind
    public let safeToRepeat = true
    public let commitsOwnProgress = true
    let engine: WorkflowEngine

    public init(engine: WorkflowEngine) { self.engine = engine }

    struct Payload: Codable { var run: Int64 }

    public static func payload(runID: Int64) throws -> String { try JobText.encode(Payload(run: runID)) }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        let payload = try JobText.payload(Payload.self, of: job)
        do {
            switch try await engine.advance(runID: payload.run, lease: context.lease, worker: context.owner,
                                            isCancelled: { context.isCancelled }) {
            case let .finished(status): return try JobText.encode(["status": status.rawValue])
            case let .wait(until): throw JobPostponed(until: until, reason: "run \(payload.run) waits for a step's next try")
            }
        } catch let failure as ActionFailure {
            throw JobFailure.permanent(failure.description)
        }
    }

    /// The run's job keeps dying: the run fails, saying why (and `workflow.run.failed` says so).
    public func abandon(_ job: Job, reason: String, lease: JobLease) async throws {
        let payload = try JobText.payload(Payload.self, of: job)
        try await engine.store.setRunStatus(id: payload.run, .failed, error: "the run \(reason)", at: Date(), lease: lease)
    }
}
