public import Foundation
import Synchronization

/// What a kind of job does. A handler is registered with the workers of every process that may
/// run its jobs.
public protocol JobHandler: Sendable {
    var kind: String { get }
    /// Whether running a job again after its worker vanished mid-way is safe: it is idempotent,
    /// or resumes from a checkpoint it committed. An interrupted job of a kind that is not safe
    /// to repeat is failed with a clear error instead of being run twice.
    var safeToRepeat: Bool { get }
    /// True for a kind that writes its progress itself, committed with its own work (a
    /// checkpoint): the worker's heartbeat then never writes progress, which could overwrite a
    /// newer checkpoint with an older report.
    var commitsOwnProgress: Bool { get }
    /// Runs the job; returns its result as JSON. Throw `JobFailure.permanent` for an error that a
    /// retry cannot fix; any other error is retried with backoff until `maxAttempts`.
    func run(_ job: Job, context: JobContext) async throws -> String?
    /// The job is stopped for good without having run to its end (its process kept dying under
    /// it, past `JobWorker.maxInterruptions`): marks what it owns (a run, a report, a delivery,
    /// a sync) failed with `reason`, fenced by `lease`, so a person sees why.
    func abandon(_ job: Job, reason: String, lease: JobLease) async throws
}

extension JobHandler {
    public var commitsOwnProgress: Bool { false }
    /// Owns nothing beyond itself: the failed job says it all.
    public func abandon(_ job: Job, reason: String, lease: JobLease) async throws {}
}

/// An error no retry fixes (bad input): the job fails at once.
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public static func permanent(_ message: String) -> JobFailure { JobFailure(description: message) }
}

/// Not a failure: the job has nothing to do until `until` (a workflow step waiting for its next
/// try). The job goes back to the queue, due then; it keeps its place as one job.
public struct JobPostponed: Error, Sendable, CustomStringConvertible {
    public let until: Date
    public let reason: String
    public init(until: Date, reason: String) {
        self.until = until
        self.reason = reason
    }
    public var description: String { reason }
}

/// What a running job may tell its worker.
public final class JobContext: Sendable {
    public let job: Job
    /// The worker that holds the job.
    public let owner: String
    /// This claim's lease: every write the job makes for what it owns is fenced by it.
    public let lease: JobLease
    private let state = Mutex<(progress: String?, cancelled: Bool)>((nil, false))

    init(job: Job, owner: String, lease: JobLease) {
        self.job = job
        self.owner = owner
        self.lease = lease
        state.withLock { $0.progress = job.progress }
    }

    /// Records progress (JSON); the next heartbeat stores it.
    public func report(_ progress: String) { state.withLock { $0.progress = progress } }

    /// The latest progress: what the job last reported, else what it had stored.
    public var progress: String? { state.withLock { $0.progress } }

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Throws once cancellation was requested; long jobs call it between steps.
    public func checkCancelled() throws {
        if isCancelled { throw JobError.cancelled(job.id) }
    }

    func markCancelled() { state.withLock { $0.cancelled = true } }
}
