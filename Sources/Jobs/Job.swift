public import Foundation

/// One unit of asynchronous work, kept in the database so it survives a crash and runs once.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    /// The kind's own input, as JSON.
    public var payload: String
    public var state: JobState
    /// Runs started (a retry or a resumption after a lost lease counts).
    public var attempts: Int
    public var maxAttempts: Int
    /// Not claimed before this time (a retry's backoff).
    public var runAfter: Date
    /// While running: the worker that holds it and until when. A lease not renewed in time is
    /// lost, and the job can be claimed again.
    public var leaseOwner: String?
    public var leaseUntil: Date?
    /// Only workers with this affinity claim the job (a spooled upload lives on one data
    /// directory); nil: any worker.
    public var affinity: String?
    /// The kind's progress report and, once finished, its result, as JSON.
    public var progress: String?
    public var result: String?
    public var error: String?
    public var cancelRequested: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    /// Set by a claim that took the job from a worker whose lease had expired (it stopped
    /// mid-way: a crash, a kill, a lost connection).
    public var wasInterrupted = false
    /// The claim's token: a new one at every claim. Every write the run makes for what the job
    /// owns is fenced by it (`JobLease`), so a worker that lost the job can write nothing more.
    public var leaseToken: String?
    /// Claims that found the job's worker gone mid-way (its lease lapsed). A job whose process
    /// keeps dying is stopped after `JobWorker.maxInterruptions` of them.
    public var interruptions = 0
    /// The trace the job was queued in (`JobTrace`): its run continues it.
    public var traceContext: String?

    /// The lease of the claim that returned this job (nil for a job not held).
    public var lease: JobLease? { leaseToken.map { JobLease(jobID: id, token: $0) } }

    public init(id: Int64, kind: String, payload: String, state: JobState, attempts: Int, maxAttempts: Int, runAfter: Date,
                leaseOwner: String?, leaseUntil: Date?, affinity: String?, progress: String?, result: String?, error: String?,
                cancelRequested: Bool, createdAt: Date, updatedAt: Date, finishedAt: Date?) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.leaseOwner = leaseOwner
        self.leaseUntil = leaseUntil
        self.affinity = affinity
        self.progress = progress
        self.result = result
        self.error = error
        self.cancelRequested = cancelRequested
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }
}

/// One claim of a job: the job and the token that claim drew. A write fenced by it commits only
/// while the job is still running under that same claim, checked in the write's own transaction.
public struct JobLease: Sendable, Equatable, Hashable {
    public let jobID: Int64
    public let token: String

    public init(jobID: Int64, token: String) {
        self.jobID = jobID
        self.token = token
    }
}

public enum JobState: String, Sendable, CaseIterable, Codable {
    case queued, running, succeeded, failed, cancelled

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// A job to add to the queue.
public struct NewJob: Sendable {
    public var kind: String
    public var payload: String
    public var maxAttempts: Int
    public var runAfter: Date
    public var affinity: String?
    /// The trace of the task that queues it (a request's, a run's), so the job's span joins it.
    public var traceContext: String?

    public init(kind: String, payload: String, maxAttempts: Int = 5, runAfter: Date = Date(), affinity: String? = nil,
                traceContext: String? = JobTrace.current()) {
        self.kind = kind
        self.payload = payload
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.affinity = affinity
        self.traceContext = traceContext
    }
}

public enum JobError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(Int64)
    /// The worker no longer holds the job (its lease expired and another worker took it, or it
    /// was cancelled): it must stop without writing anything more.
    case leaseLost(Int64)
    case cancelled(Int64)
    case unknownKind(String)

    public var description: String {
        switch self {
        case let .notFound(id): "job \(id) not found"
        case let .leaseLost(id): "job \(id) is no longer held by this worker"
        case let .cancelled(id): "job \(id) was cancelled"
        case let .unknownKind(kind): "no worker handles jobs of kind \"\(kind)\""
        }
    }
}
